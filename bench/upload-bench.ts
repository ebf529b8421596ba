/**
 * The upload part of the bench: local mode end to end. A vendor's file goes up over SFTP (ssh2-sftp-client) and the
 * bench waits for its receipt in the vendor's outbox. See bench/README.md, "Upload to receipt".
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateImport } from '../shared/core/generate/generate-import.js';
import type { ActivityCounts, Receipt } from '../shared/core/receipt/receipt.js';
import { DEMO_CLUB, DEMO_VENDOR, startLocalMode, type LocalMode } from '../shared/local/local-mode.js';
import { MB, ROOT, percentile, progress, table } from './child.js';
import { connectSftp, quiet } from './sftp.js';

export const UPLOAD_SETTINGS = {
  uploads: 20,
  pollMs: 20,
  receiptTimeoutMs: 120_000,
  generator: {
    clubs: 1,
    persons: 800,
    activities: 1000,
    badShare: 0.02,
    seed: 'bench-upload',
    vendor: DEMO_VENDOR,
    firstClubId: Number(DEMO_CLUB),
  },
} as const;

export const UPLOAD_TARGETS = { receiptP95Seconds: 10 } as const;

export interface UploadRun {
  readonly index: number;
  readonly file: string;
  readonly created: string;
  /** Seconds from the start of `put()` until it resolved (the server has the whole file in place). */
  readonly putSeconds: number;
  /** Seconds from the start of `put()` until the receipt JSON existed and parsed. */
  readonly receiptSeconds: number;
  /** The runner's own seconds for this upload (its `upload-done` log event: archive move + runImport). */
  readonly importSeconds: number | undefined;
  readonly status: string;
  readonly activities: ActivityCounts | undefined;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly min: number;
}

export interface UploadSection {
  readonly settings: Record<string, unknown>;
  readonly bytes: number;
  readonly connectSeconds: number;
  readonly startSeconds: number;
  readonly receipt: Percentiles;
  readonly put: Percentiles;
  /** The runner's own seconds per upload (upload-done's `seconds`), where it logged them. */
  readonly runner: Percentiles | undefined;
  /** The same figures without the first upload (a first load; the others are unchanged re-sends). */
  readonly receiptResends: Percentiles;
  readonly runs: readonly UploadRun[];
  readonly targets: readonly { what: string; value: number; target: string; met: boolean }[];
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1]!, min: sorted[0]! };
}

/** The demo upload of the first start, as `uploadWithClient` does it but with a quiet client. */
async function uploadDemo(options: {
  port: number;
  privateKeyPath: string;
  vendor: string;
  files: readonly string[];
}): Promise<void> {
  const client = await connectSftp(options.port, options.vendor, readFileSync(options.privateKeyPath));
  try {
    for (const file of options.files) await client.put(file, `/inbox/${basename(file)}`);
  } finally {
    await client.end();
  }
}

const CREATED = /created="([^"]*)"/;

/** The header's created time moved `minutes` on (the offset of the generated one kept), so no upload is a duplicate. */
function withCreated(xml: string, minutes: number): { xml: string; created: string } {
  const match = CREATED.exec(xml);
  if (!match) throw new Error('the generated file has no created attribute');
  const original = match[1]!;
  const offset = /([+-]\d\d:\d\d|Z)$/.exec(original)?.[1] ?? 'Z';
  const shifted = new Date(Date.parse(original) + minutes * 60_000);
  const offsetMinutes =
    offset === 'Z'
      ? 0
      : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const local = new Date(shifted.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const created = `${local}${offset}`;
  return { xml: xml.replace(CREATED, `created="${created}"`), created };
}

async function waitForReceipt(
  path: string,
  events: readonly Record<string, unknown>[],
  from: number,
): Promise<Receipt> {
  const deadline = Date.now() + UPLOAD_SETTINGS.receiptTimeoutMs;
  for (;;) {
    if (existsSync(path)) {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as Receipt;
      } catch {
        // Not there in full yet (the store renames into place, so this should not happen): poll again.
      }
    }
    const error = events.slice(from).find((e) => e.event === 'upload-error');
    if (error) throw new Error(`the upload failed in the runner: ${JSON.stringify(error)}`);
    if (Date.now() > deadline)
      throw new Error(`no receipt at ${path} after ${UPLOAD_SETTINGS.receiptTimeoutMs / 1000} s`);
    await sleep(UPLOAD_SETTINGS.pollMs);
  }
}

export async function runUploadBench(): Promise<UploadSection> {
  const data = mkdtempSync(join(tmpdir(), 'lok-bench-upload-'));
  const events: Record<string, unknown>[] = [];
  let local: LocalMode | undefined;
  // startLocalMode looks for DynamoDB Local in <cwd>/.cache: run it from the repository root.
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    progress('[upload] starting local mode (fresh, in a temporary folder) and importing the demo samples…');
    const started = performance.now();
    local = await startLocalMode({
      dataDir: data,
      fresh: true,
      samplesDir: join(ROOT, 'samples'),
      say: quiet,
      log: (event) => events.push(event),
      uploadDemo,
    });
    await local.queue.idle();
    const startSeconds = (performance.now() - started) / 1000;
    progress(`[upload] local mode up in ${startSeconds.toFixed(1)} s (SFTP on port ${local.sftpPort})`);

    const xml = [...generateImport(UPLOAD_SETTINGS.generator)].join('');
    const bytes = Buffer.byteLength(xml);
    progress(
      `[upload] generated one club file: ${UPLOAD_SETTINGS.generator.activities} activities, ${UPLOAD_SETTINGS.generator.persons} persons, ${bytes} bytes`,
    );

    const connectStart = performance.now();
    const client = await connectSftp(local.sftpPort, DEMO_VENDOR, readFileSync(local.demoKeyPath));
    const connectSeconds = (performance.now() - connectStart) / 1000;
    const runs: UploadRun[] = [];
    try {
      for (let i = 1; i <= UPLOAD_SETTINGS.uploads; i++) {
        const { xml: body, created } = withCreated(xml, i);
        const buffer = Buffer.from(body);
        const file = `bench-upload-${String(i).padStart(2, '0')}.xml`;
        const receiptPath = join(local.layout.objectsDir, 'outbox', DEMO_VENDOR, `${file}.receipt.json`);
        const from = events.length;
        process.stderr.write(`[upload] ${i}/${UPLOAD_SETTINGS.uploads} ${file}… `);
        const t0 = performance.now();
        await client.put(buffer, `/inbox/${file}`);
        const putSeconds = (performance.now() - t0) / 1000;
        const receipt = await waitForReceipt(receiptPath, events, from);
        const receiptSeconds = (performance.now() - t0) / 1000;
        if (receipt.status !== 'applied' && receipt.status !== 'partially_applied')
          throw new Error(`${file} came back ${receipt.status}: not an import to time`);
        // The runner logs upload-done just after the receipt is written: let it finish before the next put.
        await local.queue.idle();
        const done = events.slice(from).find((e) => e.event === 'upload-done');
        const importSeconds = typeof done?.seconds === 'number' ? done.seconds : undefined;
        runs.push({
          index: i,
          file,
          created,
          putSeconds,
          receiptSeconds,
          importSeconds,
          status: receipt.status,
          activities: receipt.counts?.activities,
        });
        process.stderr.write(
          `put ${putSeconds.toFixed(3)} s, receipt ${receiptSeconds.toFixed(3)} s (${receipt.status})\n`,
        );
      }
    } finally {
      await client.end();
    }

    const receipt = percentiles(runs.map((r) => r.receiptSeconds));
    const put = percentiles(runs.map((r) => r.putSeconds));
    const receiptResends = percentiles(runs.slice(1).map((r) => r.receiptSeconds));
    const runnerSeconds = runs.flatMap((r) => (r.importSeconds === undefined ? [] : [r.importSeconds]));
    const runner = runnerSeconds.length > 0 ? percentiles(runnerSeconds) : undefined;
    return {
      settings: {
        ...UPLOAD_SETTINGS,
        mode: 'local mode (startLocalMode, fresh temporary data folder), client and server in the bench process',
        connection: 'one SFTP connection for all uploads (connect time reported apart, not in any upload)',
        files:
          'the same generated file each time, its created header moved i minutes on, uploaded as bench-upload-NN.xml',
        units:
          'seconds of wall time; receipt = start of put() until the receipt JSON exists and parses (polled every 20 ms); put = start of put() until it resolves; percentiles by nearest rank',
      },
      bytes,
      connectSeconds,
      startSeconds,
      receipt,
      put,
      runner,
      receiptResends,
      runs,
      targets: [
        {
          what: 'upload→receipt p95 seconds',
          value: receipt.p95,
          target: `< ${UPLOAD_TARGETS.receiptP95Seconds} s`,
          met: receipt.p95 < UPLOAD_TARGETS.receiptP95Seconds,
        },
      ],
    };
  } finally {
    await local?.stop();
    process.chdir(cwd);
    rmSync(data, { recursive: true, force: true });
  }
}

export function uploadReport(section: UploadSection): string {
  const s = (n: number) => n.toFixed(3);
  const row = (measurement: string, uploads: number, d: Percentiles) => [
    measurement,
    String(uploads),
    ...[d.p50, d.p95, d.max, d.min].map(s),
  ];
  const rows: string[][] = [
    ['measurement', 'uploads', 'p50 s', 'p95 s', 'max s', 'min s'],
    row('upload→receipt', section.runs.length, section.receipt),
    row('  re-sends only (2..n)', section.runs.length - 1, section.receiptResends),
    row('raw SFTP put', section.runs.length, section.put),
  ];
  const r = section.runner;
  if (r)
    rows.push(row('runner (archive + runImport)', section.runs.filter((x) => x.importSeconds !== undefined).length, r));
  const first = section.runs[0];
  const t = section.targets[0]!;
  return [
    `Upload to receipt in local mode (ssh2-sftp-client, one connection; ${(section.bytes / MB).toFixed(2)} MB file, ${UPLOAD_SETTINGS.generator.activities} activities, club ${DEMO_CLUB})`,
    '',
    table(rows, [false, true, true, true, true, true]),
    '',
    `first upload (first load): put ${first ? s(first.putSeconds) : '-'} s, receipt ${first ? s(first.receiptSeconds) : '-'} s, ${first?.status ?? '-'}; the others are unchanged re-sends; connect ${s(section.connectSeconds)} s; local mode start ${section.startSeconds.toFixed(1)} s`,
    `target: upload→receipt p95 ${t.target}: ${s(t.value)} s, ${t.met ? 'met' : 'NOT met'}${first ? `; the first load alone: ${s(first.receiptSeconds)} s, ${first.receiptSeconds < UPLOAD_TARGETS.receiptP95Seconds ? 'under' : 'OVER'} ${UPLOAD_TARGETS.receiptP95Seconds} s` : ''}`,
    '',
  ].join('\n');
}
