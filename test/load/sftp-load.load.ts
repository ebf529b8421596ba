/**
 * `npm run test:load` (issue 15, item 4; not part of `npm test`): local mode in a temporary folder, 20 vendors
 * uploading 500 small files each over SFTP at the same time (some re-sent byte-identical, some truncated, some with
 * bad records; several files per club). Then: every file has exactly one receipt with its expected status; each
 * club's final state is its vendor's files applied in upload order; every verdict equals `check` of the vendor's
 * final state as one file (judging from scratch). Prints files/s and the slowest receipt.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSftp, quiet } from '../../bench/sftp.js';
import { stockholmDate, stockholmDateOf } from '../../shared/adapters/clock/stockholm-date.js';
import { DynamoDbRegisterAdmin } from '../../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { generateKeyPair } from '../../shared/adapters/sftp/ssh-keys.js';
import { VendorKeyFiles } from '../../shared/adapters/sftp/vendor-key-files.js';
import { activateVendor, addClub, addVendor } from '../../shared/core/admin/admin-use-cases.js';
import { checkImport } from '../../shared/core/check/check-import.js';
import type { Receipt } from '../../shared/core/receipt/receipt.js';
import type { ActivityVerdict } from '../../shared/core/rules/verdict.js';
import { startLocalMode, TABLE, type LocalMode } from '../../shared/local/local-mode.js';
import { LOCAL_IMPORTS_IN_FLIGHT } from '../../shared/local/upload-queue.js';
import { stringSource } from '../support/string-source.js';
import { clubsOf, finalFile, LOAD, vendorId, vendorWorld, type LoadFile, type ModelClub } from './world.js';
import { exampleClub } from '../../shared/core/admin/example-club.js';

const RECEIPT_TIMEOUT_MS = 1_500_000;
const POLL_MS = 100;

const worlds = Array.from({ length: LOAD.vendors }, (_, v) => vendorWorld(v));
const files = worlds.flatMap((w) => w.files);
const keyOf = (f: { vendor: string; name: string }) => `${f.vendor}/${f.name}`;

let data: string;
let local: LocalMode;
const events: Record<string, unknown>[] = [];
const keys = new Map<string, string>();

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'lok-load-'));
  local = await startLocalMode({
    dataDir: data,
    fresh: true,
    say: quiet,
    log: (e) => {
      if (e.event !== 'step' && e.event !== 'records-read') events.push(e);
    },
    uploadDemo: async () => undefined,
    registerInMemory: true,
    ...(LOAD.importsInFlight ? { importsInFlight: LOAD.importsInFlight } : {}),
  });
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(client), TABLE);
  const vendorKeys = new VendorKeyFiles(local.layout.vendorKeysDir);
  for (let v = 0; v < LOAD.vendors; v++) {
    const vendor = vendorId(v);
    await addVendor(admin, { id: vendor, name: `Vendor ${v}`, purpose: 'LOK-stöd', licence: 'unlimited' });
    const pair = generateKeyPair();
    keys.set(vendor, pair.privateKey);
    vendorKeys.replace(vendor, pair.publicKey);
    for (const club of clubsOf(v)) {
      await addClub(admin, exampleClub(club));
      await activateVendor(admin, club, vendor, '2020-01-01');
    }
  }
  client.destroy();
}, 120_000);

afterAll(async () => {
  await local?.stop();
  rmSync(data, { recursive: true, force: true });
});

/** Each vendor's files put one after another over its own connection, the vendors side by side; when each put completed (ms). */
async function putAll(t0: number): Promise<Map<string, number>> {
  const completed = new Map<string, number>();
  await Promise.all(
    worlds.map(async ({ files: mine }) => {
      const vendor = mine[0]!.vendor;
      const client = await connectSftp(local.sftpPort, vendor, keys.get(vendor)!, 60_000);
      try {
        for (const file of mine) {
          await client.put(Buffer.from(file.xml), `/inbox/${file.name}`);
          completed.set(keyOf(file), performance.now() - t0);
        }
      } finally {
        await client.end();
      }
    }),
  );
  return completed;
}

/** Polls the outboxes until every file's receipt is there; when each was first seen (ms). */
async function receiptsSeen(t0: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const wanted = new Set(files.map(keyOf));
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
  while (seen.size < wanted.size) {
    for (let v = 0; v < LOAD.vendors; v++) {
      const folder = join(local.layout.objectsDir, 'outbox', vendorId(v));
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder)) {
        const key = `${vendorId(v)}/${name.replace(/\.receipt\.json$/, '')}`;
        if (name.endsWith('.receipt.json') && wanted.has(key) && !seen.has(key)) seen.set(key, performance.now() - t0);
      }
    }
    const error = events.find((e) => e.event === 'upload-error');
    if (error) throw new Error(`an upload failed in the runner: ${JSON.stringify(error)}`);
    if (Date.now() > deadline)
      throw new Error(`${wanted.size - seen.size} receipts missing after ${RECEIPT_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
  return seen;
}

function receiptOf(file: LoadFile): Receipt {
  return JSON.parse(
    readFileSync(join(local.layout.objectsDir, 'outbox', file.vendor, `${file.name}.receipt.json`), 'utf8'),
  ) as Receipt;
}

/** What the register holds of a club for the vendor: persons' refs and each live activity's place (the file that wrote it last). */
async function storedClub(
  vendor: string,
  club: string,
): Promise<{ persons: string[]; places: Record<string, string | undefined> }> {
  const links = await local.ports.store.linksOf(vendor, club);
  const places: Record<string, string | undefined> = {};
  for (const a of links.activities) if (a.content) places[a.id] = a.content.place;
  return { persons: links.persons.map((p) => p.ref).sort(), places };
}

function modelClub(club: ModelClub): { persons: string[]; places: Record<string, string | undefined> } {
  return {
    persons: [...club.persons.keys()].sort(),
    places: Object.fromEntries([...club.activities.values()].map((a) => [a.id, a.place])),
  };
}

describe(`load over SFTP: ${LOAD.vendors} vendors × ${LOAD.filesPerVendor} files at once (local mode, DynamoDB Local in memory)`, () => {
  it(
    'every file exactly one receipt, per-club order kept, verdicts equal to judging the final state from scratch',
    async () => {
      const today = stockholmDate();
      const t0 = performance.now();
      const [completed, seen] = await Promise.all([putAll(t0), receiptsSeen(t0)]);
      const seconds = Math.max(...seen.values()) / 1000;
      await local.queue.idle();

      // Exactly one receipt per file: one import ended per upload, a receipt of its own bytes with the status expected.
      const ended = new Map<string, number>();
      for (const e of events)
        if (e.event === 'upload-done' && e.kind !== 'blocked')
          ended.set(
            `${String(e.vendor)}/${String(e.file)}`,
            (ended.get(`${String(e.vendor)}/${String(e.file)}`) ?? 0) + 1,
          );
      expect([...ended.values()].every((n) => n === 1)).toBe(true);
      expect(ended.size).toBe(files.length);
      const statuses: Record<string, number> = {};
      for (const file of files) {
        const receipt = receiptOf(file);
        expect({ file: keyOf(file), status: receipt.status, sha256: receipt.sha256 }).toEqual({
          file: keyOf(file),
          status: file.expected,
          sha256: createHash('sha256').update(file.xml).digest('hex'),
        });
        statuses[receipt.status] = (statuses[receipt.status] ?? 0) + 1;
      }
      for (let v = 0; v < LOAD.vendors; v++) {
        const names = readdirSync(join(local.layout.objectsDir, 'outbox', vendorId(v))).filter((n) =>
          n.includes('.receipt.'),
        );
        expect(names).toHaveLength(2 * LOAD.filesPerVendor); // .json and .txt, nothing else
      }

      // Per-club order: each club holds what its vendor's files leave when applied in upload order.
      for (const [v, { model }] of worlds.entries()) {
        for (const [club, state] of model)
          expect({ club, ...(await storedClub(vendorId(v), club)) }).toEqual({ club, ...modelClub(state) });
      }

      // Verdicts: the register's equal `check` of each vendor's final state as one file, on the same day.
      let activities = 0;
      for (const [v, { model }] of worlds.entries()) {
        const check = await checkImport(stringSource('final.xml', finalFile(v, model)), {
          today,
          now: () => new Date().toISOString(),
          swedishDateOf: stockholmDateOf,
        });
        expect(check.status).toBe('applied');
        const fromScratch = new Map<string, ActivityVerdict>(check.activities.map((a) => [`${a.club}|${a.id}`, a]));
        const stored = new Map<string, ActivityVerdict>();
        for (const club of clubsOf(v))
          for (const s of await local.ports.store.verdictsOf(club, LOAD.period))
            stored.set(`${s.club}|${s.id}`, s.verdict);
        expect(new Map([...stored].sort())).toEqual(new Map([...fromScratch].sort()));
        activities += stored.size;
      }
      expect(stockholmDate()).toBe(today); // the day did not turn while it ran (verdicts depend on it)

      // How long each import ran (its last attempt: one that waited for its turn ran again), without the time queued.
      const importSeconds = events
        .filter((e) => e.event === 'upload-done' && e.kind !== 'blocked')
        .map((e) => Number(e.seconds))
        .sort((a, b) => a - b);
      const latencies = files.map((f) => ({
        file: keyOf(f),
        seconds: (seen.get(keyOf(f))! - completed.get(keyOf(f))!) / 1000,
      }));
      const slowest = latencies.reduce((a, b) => (b.seconds > a.seconds ? b : a));
      const sorted = latencies.map((l) => l.seconds).sort((a, b) => a - b);
      const p = (q: number, of = sorted) => of[Math.min(of.length - 1, Math.ceil((q / 100) * of.length) - 1)]!;
      const bytes = files.reduce((s, f) => s + Buffer.byteLength(f.xml), 0);
      console.log(
        [
          `load: ${files.length} files (${(bytes / 1e6).toFixed(1)} MB) from ${LOAD.vendors} vendors over SFTP in ${seconds.toFixed(1)} s: ${(files.length / seconds).toFixed(1)} files/s`,
          `statuses: ${JSON.stringify(statuses)}; ${activities} live activities judged, equal to check of the final state`,
          `receipt after upload (queued included): p50 ${p(50).toFixed(2)} s, p95 ${p(95).toFixed(2)} s, p99 ${p(99).toFixed(2)} s, slowest ${slowest.seconds.toFixed(2)} s (${slowest.file})`,
          `one import (${LOAD.importsInFlight ?? LOCAL_IMPORTS_IN_FLIGHT} in flight): p50 ${p(50, importSeconds).toFixed(2)} s, p95 ${p(95, importSeconds).toFixed(2)} s, slowest ${importSeconds.at(-1)!.toFixed(2)} s`,
        ].join('\n'),
      );
    },
    RECEIPT_TIMEOUT_MS + 300_000,
  );
});
