/**
 * The wave part of the bench (`npm run bench:wave`): a scaled-down deadline day through local mode over SFTP.
 * Ten vendors send their clubs' half-year again as full loads (some clubs in two vendors' files, sharing persons),
 * then the same wave's second day sends deltas only. Measured next to, in the same run and on the same DynamoDB
 * Local, a raw BatchWriteItem rate and a raw SFTP put rate of the same files. See bench/README.md, "Wave".
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDbRegisterAdmin } from '../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { startSftpServer } from '../shared/adapters/sftp/sftp-server.js';
import { generateKeyPair } from '../shared/adapters/sftp/ssh-keys.js';
import { VendorKeyFiles } from '../shared/adapters/sftp/vendor-key-files.js';
import { activateVendor, addClub, addVendor } from '../shared/core/admin/admin-use-cases.js';
import { generateImport } from '../shared/core/generate/generate-import.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { startLocalMode, TABLE, type LocalMode } from '../shared/local/local-mode.js';
import { LOCAL_IMPORTS_IN_FLIGHT } from '../shared/local/upload-queue.js';
import { MB, ROOT, percentile, progress, table } from './child.js';
import { connectSftp, quiet } from './sftp.js';
import { batchBaseline, type BaselineFigures } from './import-bench.js';
import { countCommands, emptyTally, writeTotals, type Tally } from './import-metrics.js';
import { exampleClub } from '../shared/core/admin/example-club.js';

export const WAVE_SETTINGS = {
  vendors: 10,
  clubs: 200,
  firstClub: 200_001,
  activitiesPerClub: 250,
  personsPerClub: 200,
  badShare: 0.02,
  /** The first `sharedClubs` clubs are also sent by the next vendor: the same persons (personnummer), its own activities. */
  sharedClubs: 20,
  /** Clubs per file, by vendor: the first half send a file per club, the second half files of ten clubs. */
  clubsPerFile: [1, 1, 1, 1, 1, 10, 10, 10, 10, 10],
  /** Day two: every `changedEvery`-th activity of each club sent again with another place, in delta files. */
  changedEvery: 50,
  /** Local mode's imports in flight (LOCAL_IMPORTS_IN_FLIGHT unless set here). */
  importsInFlight: LOCAL_IMPORTS_IN_FLIGHT,
  pollMs: 25,
  receiptTimeoutMs: 900_000,
  batchItemBytes: 460,
} as const;

/** A day-one activities/s at this share of the raw-batch bound or more meets the target. */
export const WAVE_TARGETS = { boundRatio: 0.6 } as const;

interface WaveFile {
  readonly vendor: string;
  readonly name: string;
  readonly xml: string;
  readonly activities: number;
}

interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface WavePhase {
  readonly name: 'day one (full loads)' | 'day two (deltas)';
  readonly files: number;
  readonly bytes: number;
  readonly activities: number;
  readonly seconds: number;
  readonly filesPerSecond: number;
  readonly activitiesPerSecond: number;
  /** Seconds from a file's upload completing (put() resolved) until its receipt was in the outbox. */
  readonly receipt: Percentiles;
  readonly slowest: { readonly file: string; readonly seconds: number };
  readonly statuses: Record<string, number>;
  readonly itemsWritten: number;
  readonly itemsPerActivity: number;
  /** Raw BatchWriteItem items/s ÷ items written per activity: the activities/s the register could take at best. */
  readonly rawBatchBound: number;
  readonly boundRatio: number;
}

export interface WaveSection {
  readonly settings: Record<string, unknown>;
  readonly rawBatch: BaselineFigures;
  readonly rawSftp: {
    readonly files: number;
    readonly bytes: number;
    readonly seconds: number;
    readonly filesPerSecond: number;
    readonly mbPerSecond: number;
  };
  readonly phases: readonly WavePhase[];
  readonly targets: readonly { what: string; value: number; target: string; met: boolean }[];
}

const vendorId = (v: number) => `wave-vendor-${String(v).padStart(2, '0')}`;

/** One club's `<Club>` element as the generator writes it, and the header it came with. */
function clubElement(club: number): string {
  const xml = [
    ...generateImport({
      clubs: 1,
      mode: 'full',
      persons: WAVE_SETTINGS.personsPerClub,
      activities: WAVE_SETTINGS.activitiesPerClub,
      badShare: WAVE_SETTINGS.badShare,
      seed: `wave-${club}`,
      firstClubId: club,
    }),
  ].join('');
  return xml.slice(xml.indexOf('<Club '), xml.lastIndexOf('</Club>') + '</Club>'.length);
}

/** Day two's delta of a club: every `changedEvery`-th activity with ` (flyttad)` added to its place. */
function deltaOf(element: string): { element: string; activities: number } {
  const open = element.slice(0, element.indexOf('>') + 1);
  const activities = element.match(/<Activity id="[^"]*">[\s\S]*?<\/Activity>/g) ?? [];
  const changed = activities
    .filter((_, i) => i % WAVE_SETTINGS.changedEvery === 0)
    .map((a) => a.replace(/<Place>([^<]*)<\/Place>/, '<Place>$1 (flyttad)</Place>'));
  return { element: `${open}<Activities>${changed.join('')}</Activities></Club>`, activities: changed.length };
}

function fileText(vendor: string, created: string, mode: 'full' | 'delta', elements: readonly string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="${vendor}" created="${created}" mode="${mode}">\n${elements.join('\n')}\n</Import>\n`;
}

/** The clubs each vendor sends: its own (club i belongs to vendor i mod vendors) and the shared clubs of the vendor before it. */
function clubsOf(vendor: number): number[] {
  const { clubs, vendors, sharedClubs, firstClub } = WAVE_SETTINGS;
  const own = Array.from({ length: clubs }, (_, i) => i).filter((i) => i % vendors === vendor);
  const shared = Array.from({ length: sharedClubs }, (_, i) => i).filter((i) => (i + 1) % vendors === vendor);
  return [...own, ...shared].sort((a, b) => a - b).map((i) => firstClub + i);
}

function waveFiles(): { dayOne: WaveFile[]; dayTwo: WaveFile[] } {
  const elements = new Map<number, string>();
  const dayOne: WaveFile[] = [];
  const dayTwo: WaveFile[] = [];
  for (let v = 0; v < WAVE_SETTINGS.vendors; v++) {
    const vendor = vendorId(v);
    const clubs = clubsOf(v);
    const perFile = WAVE_SETTINGS.clubsPerFile[v]!;
    for (let i = 0; i < clubs.length; i += perFile) {
      const group = clubs.slice(i, i + perFile);
      const full = group.map((club) => {
        if (!elements.has(club)) elements.set(club, clubElement(club));
        return elements.get(club)!;
      });
      const deltas = full.map(deltaOf);
      const n = String(i / perFile + 1).padStart(3, '0');
      dayOne.push({
        vendor,
        name: `wave-1-${n}.xml`,
        xml: fileText(vendor, '2026-11-24T02:00:00+01:00', 'full', full),
        activities: group.length * WAVE_SETTINGS.activitiesPerClub,
      });
      dayTwo.push({
        vendor,
        name: `wave-2-${n}.xml`,
        xml: fileText(
          vendor,
          '2026-11-25T02:00:00+01:00',
          'delta',
          deltas.map((d) => d.element),
        ),
        activities: deltas.reduce((s, d) => s + d.activities, 0),
      });
    }
  }
  return { dayOne, dayTwo };
}

/** Every vendor's files put over its own connection, vendors side by side; returns when each put completed (ms). */
async function putAll(
  port: number,
  files: readonly WaveFile[],
  keys: ReadonlyMap<string, string>,
  t0: number,
): Promise<Map<string, number>> {
  const completed = new Map<string, number>();
  const vendors = [...new Set(files.map((f) => f.vendor))];
  await Promise.all(
    vendors.map(async (vendor) => {
      const client = await connectSftp(port, vendor, keys.get(vendor)!, 20_000);
      try {
        for (const file of files.filter((f) => f.vendor === vendor)) {
          await client.put(Buffer.from(file.xml), `/inbox/${file.name}`);
          completed.set(`${vendor}/${file.name}`, performance.now() - t0);
        }
      } finally {
        await client.end();
      }
    }),
  );
  return completed;
}

/** Polls the vendors' outboxes until every file's receipt is there; returns when each was first seen (ms). */
async function receiptsSeen(
  outbox: string,
  files: readonly WaveFile[],
  t0: number,
  events: readonly Record<string, unknown>[],
): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const deadline = Date.now() + WAVE_SETTINGS.receiptTimeoutMs;
  const vendors = [...new Set(files.map((f) => f.vendor))];
  const wanted = new Set(files.map((f) => `${f.vendor}/${f.name}`));
  while (seen.size < wanted.size) {
    for (const vendor of vendors) {
      const folder = join(outbox, vendor);
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder)) {
        const key = `${vendor}/${name.replace(/\.receipt\.json$/, '')}`;
        if (name.endsWith('.receipt.json') && wanted.has(key) && !seen.has(key)) seen.set(key, performance.now() - t0);
      }
    }
    const error = events.find((e) => e.event === 'upload-error');
    if (error) throw new Error(`an upload failed in the runner: ${JSON.stringify(error)}`);
    if (Date.now() > deadline)
      throw new Error(`${wanted.size - seen.size} receipts missing after ${WAVE_SETTINGS.receiptTimeoutMs / 1000} s`);
    await sleep(WAVE_SETTINGS.pollMs);
  }
  return seen;
}

async function runPhase(
  name: WavePhase['name'],
  local: LocalMode,
  files: readonly WaveFile[],
  keys: ReadonlyMap<string, string>,
  tally: Tally,
  rawItemsPerSecond: number,
  events: Record<string, unknown>[],
): Promise<WavePhase> {
  progress(
    `[wave] ${name}: ${files.length} files, ${files.reduce((s, f) => s + f.activities, 0)} activities, over SFTP…`,
  );
  const before = writeTotals(tally).itemsWritten;
  const t0 = performance.now();
  const outbox = join(local.layout.objectsDir, 'outbox');
  const [completed, seen] = await Promise.all([
    putAll(local.sftpPort, files, keys, t0),
    receiptsSeen(outbox, files, t0, events),
  ]);
  const seconds = Math.max(...seen.values()) / 1000;
  await local.queue.idle();
  const itemsWritten = writeTotals(tally).itemsWritten - before;
  const latencies = files.map((f) => {
    const key = `${f.vendor}/${f.name}`;
    return { file: key, seconds: (seen.get(key)! - completed.get(key)!) / 1000 };
  });
  const sorted = latencies.map((l) => l.seconds).sort((a, b) => a - b);
  const slowest = latencies.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const statuses: Record<string, number> = {};
  for (const f of files) {
    const receipt = JSON.parse(readFileSync(join(outbox, f.vendor, `${f.name}.receipt.json`), 'utf8')) as Receipt;
    statuses[receipt.status] = (statuses[receipt.status] ?? 0) + 1;
  }
  const activities = files.reduce((s, f) => s + f.activities, 0);
  const itemsPerActivity = itemsWritten / activities;
  const rawBatchBound = rawItemsPerSecond / itemsPerActivity;
  const phase: WavePhase = {
    name,
    files: files.length,
    bytes: files.reduce((s, f) => s + Buffer.byteLength(f.xml), 0),
    activities,
    seconds,
    filesPerSecond: files.length / seconds,
    activitiesPerSecond: activities / seconds,
    receipt: {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1)!,
    },
    slowest,
    statuses,
    itemsWritten,
    itemsPerActivity,
    rawBatchBound,
    boundRatio: activities / seconds / rawBatchBound,
  };
  progress(
    `[wave] ${name}: ${seconds.toFixed(1)} s, ${phase.activitiesPerSecond.toFixed(0)} activities/s, receipt p95 ${phase.receipt.p95.toFixed(2)} s, ${itemsWritten} items written, ${phase.boundRatio.toFixed(2)} of the raw-batch bound`,
  );
  return phase;
}

export async function runWaveBench(): Promise<WaveSection> {
  const data = mkdtempSync(join(tmpdir(), 'lok-bench-wave-'));
  const rawRoot = mkdtempSync(join(tmpdir(), 'lok-bench-wave-raw-'));
  const events: Record<string, unknown>[] = [];
  const tally = emptyTally();
  let local: LocalMode | undefined;
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    progress("[wave] generating the wave's files…");
    const { dayOne, dayTwo } = waveFiles();
    progress(
      `[wave] ${dayOne.length} + ${dayTwo.length} files, ${(dayOne.reduce((s, f) => s + f.xml.length, 0) / MB).toFixed(1)} MB on day one`,
    );
    progress('[wave] starting local mode (fresh, in a temporary folder)…');
    local = await startLocalMode({
      dataDir: data,
      fresh: true,
      samplesDir: join(ROOT, 'samples'),
      say: quiet,
      log: (e) => {
        if (e.event === 'upload-error') events.push(e);
      },
      uploadDemo: async () => undefined,
      registerInMemory: true,
      importsInFlight: WAVE_SETTINGS.importsInFlight,
      onRegisterClient: (client) => countCommands(client, () => tally),
    });
    const client = new DynamoDBClient({
      endpoint: local.endpoint,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(client), TABLE);
    const keys = new Map<string, string>();
    const publicKeys = new Map<string, string>();
    const vendorKeys = new VendorKeyFiles(local.layout.vendorKeysDir);
    for (let v = 0; v < WAVE_SETTINGS.vendors; v++) {
      const vendor = vendorId(v);
      await addVendor(admin, { id: vendor, name: `Vendor ${v}`, purpose: 'LOK-stöd', licence: 'unlimited' });
      const pair = generateKeyPair();
      keys.set(vendor, pair.privateKey);
      publicKeys.set(vendor, pair.publicKey);
      vendorKeys.replace(vendor, pair.publicKey);
      for (const club of clubsOf(v)) {
        await addClub(admin, exampleClub(String(club)));
        await activateVendor(admin, String(club), vendor, '2020-01-01');
      }
    }

    progress('[wave] raw BatchWriteItem on the same DynamoDB Local…');
    const baselineTally = emptyTally();
    countCommands(client, () => baselineTally);
    const rawBatch = await batchBaseline(client, WAVE_SETTINGS.batchItemBytes, () => baselineTally);
    progress(`[wave] raw BatchWriteItem: ${rawBatch.itemsPerSecond.toFixed(0)} items/s`);

    progress("[wave] raw SFTP put of day one's files to an SFTP server that imports nothing…");
    const raw = await startSftpServer({
      hostKey: generateKeyPair().privateKey,
      root: rawRoot,
      publicKeysOf: (v) => {
        const k = publicKeys.get(v);
        return k ? [k] : undefined;
      },
      onUpload: quiet,
    });
    const rawStart = performance.now();
    await putAll(raw.port, dayOne, keys, rawStart);
    const rawSeconds = (performance.now() - rawStart) / 1000;
    await raw.stop();
    const rawBytes = dayOne.reduce((s, f) => s + Buffer.byteLength(f.xml), 0);
    const rawSftp = {
      files: dayOne.length,
      bytes: rawBytes,
      seconds: rawSeconds,
      filesPerSecond: dayOne.length / rawSeconds,
      mbPerSecond: rawBytes / MB / rawSeconds,
    };
    progress(
      `[wave] raw SFTP put: ${rawSftp.filesPerSecond.toFixed(1)} files/s, ${rawSftp.mbPerSecond.toFixed(1)} MB/s`,
    );

    const phases = [
      await runPhase('day one (full loads)', local, dayOne, keys, tally, rawBatch.itemsPerSecond, events),
      await runPhase('day two (deltas)', local, dayTwo, keys, tally, rawBatch.itemsPerSecond, events),
    ];
    client.destroy();
    return {
      settings: {
        ...WAVE_SETTINGS,
        vendorsOf:
          'club i belongs to vendor i mod 10; clubs 0..19 are also sent by vendor i+1 (the same Club element: the same persons)',
        mode: 'local mode (startLocalMode, fresh temporary folder; DynamoDB Local in memory: on disk it takes 1 000 raw items/s, and a wave of this size ran over an hour), SFTP clients (ssh2-sftp-client, one connection per vendor, vendors side by side) in the bench process',
        units:
          "seconds of wall time; a phase from its first put to its last receipt; receipt = put() resolved until the receipt JSON is in the outbox (polled every 25 ms); percentiles by nearest rank; items written counted on local mode's DynamoDB client",
      },
      rawBatch,
      rawSftp,
      phases,
      targets: [
        {
          what: 'day one activities/s ÷ raw-batch bound',
          value: phases[0]!.boundRatio,
          target: `≥ ${WAVE_TARGETS.boundRatio}`,
          met: phases[0]!.boundRatio >= WAVE_TARGETS.boundRatio,
        },
      ],
    };
  } finally {
    await local?.stop();
    process.chdir(cwd);
    rmSync(data, { recursive: true, force: true });
    rmSync(rawRoot, { recursive: true, force: true });
  }
}

export function waveReport(section: WaveSection): string {
  const f = (n: number, d = 2) => n.toFixed(d);
  const rows = [
    [
      'phase',
      'files',
      'activities',
      'seconds',
      'files/s',
      'activities/s',
      'receipt p50',
      'p95',
      'p99',
      'slowest',
      'items written',
      'items/activity',
      'raw-batch bound act/s',
      'ratio',
    ],
  ];
  for (const p of section.phases) {
    rows.push([
      p.name,
      String(p.files),
      String(p.activities),
      f(p.seconds, 1),
      f(p.filesPerSecond),
      f(p.activitiesPerSecond, 0),
      f(p.receipt.p50),
      f(p.receipt.p95),
      f(p.receipt.p99),
      `${f(p.slowest.seconds)} (${basename(p.slowest.file)})`,
      String(p.itemsWritten),
      f(p.itemsPerActivity),
      f(p.rawBatchBound, 0),
      f(p.boundRatio),
    ]);
  }
  return [
    `Wave: ${WAVE_SETTINGS.vendors} vendors, ${WAVE_SETTINGS.clubs} clubs (${WAVE_SETTINGS.sharedClubs} in two vendors' files), local mode over SFTP`,
    table(rows, [false, true, true, true, true, true, true, true, true, false, true, true, true, true]),
    '',
    `Raw BatchWriteItem (same DynamoDB Local, ${section.rawBatch.items} items of ${section.rawBatch.itemBytes} B, ${section.rawBatch.inFlight} in flight): ${f(section.rawBatch.itemsPerSecond, 0)} items/s`,
    `Raw SFTP put (day one's ${section.rawSftp.files} files, one connection per vendor, to a server that imports nothing): ${f(section.rawSftp.seconds, 1)} s, ${f(section.rawSftp.filesPerSecond, 1)} files/s, ${f(section.rawSftp.mbPerSecond, 1)} MB/s`,
    ...section.targets.map((t) => `Target: ${t.what} = ${f(t.value)} (${t.target}): ${t.met ? 'met' : 'NOT met'}`),
  ].join('\n');
}
