/**
 * The queue part: how long a vendor's queue of uploads takes to clear when every upload is started at once (as
 * a deadline day starts an execution per file) and each waits for its turn (turns.ts: handed on by the upload
 * before it, never polling), against the baseline measured in the same run: the same uploads imported one after
 * another, whose sum of import times the queue should come close to. DynamoDB Local in memory; one club, one
 * small delta file per upload (an activity moved each time, so every upload applies and judges something).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HmacHasher } from '../shared/adapters/crypto/hmac-hasher.js';
import { installDynamoDbLocal } from '../shared/adapters/dynamodb-local/install-dynamodb-local.js';
import { startDynamoDbLocal } from '../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { DynamoDbRegisterStore } from '../shared/adapters/dynamodb/register-store-dynamodb.js';
import { DiskObjectStore } from '../shared/adapters/local-disk/object-store.js';
import { stringSource } from '../shared/adapters/memory/string-source.js';
import type { PipelineClock, PipelinePorts } from '../shared/core/pipeline/ports.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import { InProcessTurns } from '../shared/core/pipeline/turns.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import { checkDigitFor } from '../shared/core/personnummer/personnummer.js';
import { clientOf, FIRST_CLUB, freshTable, onboard, VENDOR, warmUp } from './import-bench.js';
import { ROOT } from './child.js';

export const QUEUE_UPLOADS = 1000;
/** The club `onboard` adds first. */
const CLUB = '100042';
const CREATED = '2026-11-24T02:00:00+01:00';
/** An hour without word before a waiter looks again: the queue clears by handing on alone. */
const NO_LOOKING_AGAIN_MS = 3_600_000;

export interface QueueSection {
  readonly settings: {
    readonly uploads: number;
    readonly evaluationDate: string;
    readonly file: string;
    readonly dynamoDbLocal: string;
  };
  /** The same uploads imported one after another: the sum of their import times. */
  readonly oneAfterAnother: { readonly seconds: number; readonly meanSeconds: number };
  /** Every upload started at once, waiting for its turn. */
  readonly allAtOnce: {
    readonly seconds: number;
    readonly ratioToSum: number;
    readonly blockedMax: number;
    readonly blockedUploads: number;
    readonly inOrder: boolean;
  };
  /** Single-club files started at once: one vendor's (order per club lets them go side by side) against as many vendors'. */
  readonly perClub: {
    readonly files: number;
    readonly oneVendorSeconds: number;
    readonly manyVendorsSeconds: number;
    readonly ratio: number;
    readonly blockedUploads: number;
  };
}

/** Single-club files in the per-club part. */
export const CLUB_FILES = 200;

/** The persons of a club: the same four in every file of the queue; four of their own per club in the per-club part. */
function personnummerOf(club: number): string[] {
  return ['900520', '120315', '130601', '100701'].map((date, i) => {
    const nine = `${date}${String((club * 4 + i) % 1000).padStart(3, '0')}`;
    return `${i === 0 ? '19' : '20'}${nine}${checkDigitFor(nine)}`;
  });
}

function fileOf(
  n: number,
  place: { vendor: string; club: string; persons: string[] } = {
    vendor: VENDOR,
    club: CLUB,
    persons: personnummerOf(0),
  },
): string {
  const date = `2026-11-${String(2 + (n % 20)).padStart(2, '0')}`;
  const start = ['17:00', '17:30', '18:00'][n % 3]!;
  const persons = place.persons.map(
    (pnr, i) =>
      `<Person id="P${i}"><PersonalNumber>${pnr}</PersonalNumber><FirstName>Åsa</FirstName><LastName>Öberg</LastName><Membership from="2000-01-01"/></Person>`,
  );
  return (
    `<?xml version="1.0" encoding="UTF-8"?>
<Import xmlns="urn:lok-importer:import:1" vendor="${place.vendor}" created="${CREATED}" mode="delta"><Club id="${place.club}"><Persons>${persons.join('')}</Persons><Activities>` +
    `<Activity id="A0"><Date>${date}</Date><Start>${start}</Start><End>19:00</End><Sport>Fotboll</Sport><Type>training</Type><Place>Vallen</Place>` +
    `<Leader ref="P0"/><Participant ref="P1"/><Participant ref="P2"/><Participant ref="P3"/></Activity></Activities></Club></Import>\n`
  );
}

function uploadOf(round: string, n: number, vendor = VENDOR): Upload {
  const seconds = 1_000 + n;
  return {
    vendor,
    uploadId: `${round}-${String(n).padStart(4, '0')}`,
    file: `q-${n}.xml`,
    completedAt: new Date(Date.UTC(2026, 10, 25, 8) + seconds * 1000).toISOString(),
  };
}

const clock: PipelineClock = {
  today: '2026-11-25',
  now: () => new Date().toISOString(),
  swedishDateOf: (iso) => iso.slice(0, 10),
};

async function importOne(
  ports: PipelinePorts,
  upload: Upload,
  turns?: InProcessTurns,
  xml = fileOf(Number(upload.uploadId.slice(-4))),
): Promise<{ blocked: number }> {
  let blocked = 0;
  const result = await runImport(ports, upload, () => stringSource(upload.file, xml), clock, {
    sleep: (ms) => sleep(ms),
    ...(turns ? { turns } : {}),
    onStep: (e) => {
      if (e.outcome === 'blocked') blocked++;
    },
  });
  if (result.kind !== 'done') throw new Error(`upload ${upload.uploadId} ended ${result.kind}`);
  return { blocked };
}

/** `files` single-club files (club n, its own persons) started at once, each by `vendorOf(n)`; the wall time. */
async function clubFilesAtOnce(
  ports: PipelinePorts,
  files: number,
  vendorOf: (n: number) => string,
): Promise<{ seconds: number; blocked: number }> {
  const turns = new InProcessTurns(NO_LOOKING_AGAIN_MS);
  const all = Array.from({ length: files }, (_, i) => ({
    upload: uploadOf('club', i + 1, vendorOf(i)),
    xml: fileOf(i + 1, { vendor: vendorOf(i), club: String(FIRST_CLUB + i), persons: personnummerOf(i + 1) }),
  }));
  for (const { upload } of all) await registerUpload(ports, upload, clock);
  const started = performance.now();
  const runs = await Promise.all(all.map(({ upload, xml }) => importOne(ports, upload, turns, xml)));
  return { seconds: (performance.now() - started) / 1000, blocked: runs.filter((r) => r.blocked > 0).length };
}

export async function runQueueBench(uploads: number): Promise<QueueSection> {
  const files = await installDynamoDbLocal(join(ROOT, '.cache'));
  process.stderr.write('[queue] starting DynamoDB Local (in memory)…\n');
  const local = await startDynamoDbLocal(files);
  const client = clientOf(local);
  const folder = mkdtempSync(join(tmpdir(), 'lok-queue-bench-'));
  try {
    await warmUp(client);
    const portsOf = async (table: string, clubs = 1, vendorOf?: (club: number) => string): Promise<PipelinePorts> => {
      await freshTable(client, table);
      await onboard(client, table, clubs, vendorOf);
      return {
        store: new DynamoDbRegisterStore(client, table),
        hasher: new HmacHasher('bench-identity-key-0123456789abcdef'),
        objects: new DiskObjectStore(join(folder, table)),
      };
    };

    process.stderr.write(`[queue] ${uploads} uploads one after another (the baseline)… `);
    const sequential = await portsOf('queue-baseline');
    let started = performance.now();
    for (let n = 1; n <= uploads; n++) await importOne(sequential, uploadOf('seq', n));
    const sum = (performance.now() - started) / 1000;
    process.stderr.write(`${sum.toFixed(1)} s\n`);

    process.stderr.write(`[queue] ${uploads} uploads started at once, each waiting for its turn… `);
    const queued = await portsOf('queue-at-once');
    const turns = new InProcessTurns(NO_LOOKING_AGAIN_MS);
    const all = Array.from({ length: uploads }, (_, i) => uploadOf('q', i + 1));
    // In the ledger as their completion puts them there (the cloud's starter and register step), then all at once.
    for (const upload of all) await registerUpload(queued, upload, clock);
    const ends: { uploadId: string; at: number }[] = [];
    started = performance.now();
    const runs = await Promise.all(
      [...all].reverse().map(async (upload) => {
        const run = await importOne(queued, upload, turns);
        ends.push({ uploadId: upload.uploadId, at: performance.now() });
        return run;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`${seconds.toFixed(1)} s\n`);
    const order = ends.map((e) => e.uploadId);

    process.stderr.write(`[queue] ${CLUB_FILES} single-club files of one vendor at once… `);
    const oneVendor = await clubFilesAtOnce(
      await portsOf('queue-clubs-one-vendor', CLUB_FILES),
      CLUB_FILES,
      () => VENDOR,
    );
    process.stderr.write(`${oneVendor.seconds.toFixed(1)} s; of ${CLUB_FILES} vendors at once… `);
    const vendorOf = (club: number) => `vendor-${club}`;
    const manyVendors = await clubFilesAtOnce(
      await portsOf('queue-clubs-many-vendors', CLUB_FILES, vendorOf),
      CLUB_FILES,
      vendorOf,
    );
    process.stderr.write(`${manyVendors.seconds.toFixed(1)} s\n`);
    return {
      settings: {
        uploads,
        evaluationDate: clock.today,
        file: 'one club, 4 persons, 1 activity moved each time (delta)',
        dynamoDbLocal: 'in memory',
      },
      oneAfterAnother: { seconds: sum, meanSeconds: sum / uploads },
      allAtOnce: {
        seconds,
        ratioToSum: seconds / sum,
        blockedMax: Math.max(...runs.map((r) => r.blocked)),
        blockedUploads: runs.filter((r) => r.blocked > 0).length,
        inOrder: order.every((id, i) => i === 0 || order[i - 1]! < id),
      },
      perClub: {
        files: CLUB_FILES,
        oneVendorSeconds: oneVendor.seconds,
        manyVendorsSeconds: manyVendors.seconds,
        ratio: oneVendor.seconds / manyVendors.seconds,
        blockedUploads: oneVendor.blocked,
      },
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
    client.destroy();
    await local.stop();
  }
}

export function queueReport(section: QueueSection): string {
  const { oneAfterAnother: seq, allAtOnce: q } = section;
  return [
    `Queue: ${section.settings.uploads} uploads of one vendor (${section.settings.file}), DynamoDB Local in memory`,
    `  one after another (baseline, the sum of import times): ${seq.seconds.toFixed(1)} s (${(seq.meanSeconds * 1000).toFixed(0)} ms each)`,
    `  all started at once, each waiting for its turn:      ${q.seconds.toFixed(1)} s = ${q.ratioToSum.toFixed(2)} × the sum; ` +
      `${q.blockedUploads} waited, none more than ${q.blockedMax} time(s); receipts in upload order: ${q.inOrder ? 'yes' : 'NO'}`,
    `  ${section.perClub.files} single-club files at once: of one vendor ${section.perClub.oneVendorSeconds.toFixed(1)} s (${section.perClub.blockedUploads} waited), ` +
      `of ${section.perClub.files} vendors ${section.perClub.manyVendorsSeconds.toFixed(1)} s: ${section.perClub.ratio.toFixed(2)} × (target ≤ 1.5)`,
    '',
  ].join('\n');
}
