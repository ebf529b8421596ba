/**
 * `npm run bench [-- --sizes 1,10,100] [-- --runs 3] [-- --import-sizes 1000,10000,100000] [-- --cloud-sizes 1000,10000] [-- --only reader|import|upload|cloud|queue|wave]`:
 * how fast the reader and `check` go, next to a plain read of the same file; and how fast the import pipeline
 * goes against DynamoDB Local, next to raw batch and transaction writes (import-bench.ts); and how long local mode
 * takes from an SFTP upload to its receipt (upload-bench.ts); and how long the cloud's step handlers take from an
 * upload to its receipt on DynamoDB Local and s3rver, next to the local runner (cloud-bench.ts); and how long a
 * vendor's queue of 1 000 uploads started at once takes to clear, next to the sum of their import times
 * (queue-bench.ts). See bench/README.md.
 * Timings are reported, never asserted.
 *
 * Every measurement runs in its own child process so that its peak RSS (`process.resourceUsage().maxRSS`) is its
 * own: the plain read and the reader in the workers next to this file, `check` as the real CLI
 * (`node bin/lok-importer.js check FILE --json --today …`, stdout to /dev/null) with a preload that reports the
 * peak RSS on file descriptor 3 when the process exits.
 */
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BIN, DATA, MB, ROOT, failed, lastJsonLine, progress, rssMB, runNode, table, whole } from './child.js';
import { ensureGenerated, sizeFlags } from './generated-file.js';
import { IMPORT_EXTRA_SIZES, IMPORT_SIZES, importReport, runImportBench, type ImportSection } from './import-bench.js';
import { runUploadBench, uploadReport, type UploadSection } from './upload-bench.js';
import { CLOUD_SIZES, cloudReport, runCloudBench, type CloudSection } from './cloud-bench.js';
import { QUEUE_UPLOADS, queueReport, runQueueBench, type QueueSection } from './queue-bench.js';
import { runWaveBench, waveReport, WAVE_SETTINGS, type WaveSection } from './wave-bench.js';

const HELP = `Usage: npm run bench [-- --sizes 1,10,100] [-- --runs 3] [-- --import-sizes 1000,10000,100000] [-- --cloud-sizes 1000,10000] [-- --only reader|import|upload|cloud|queue|wave]

  --sizes LIST         reader part: file sizes in MB to measure, from 1, 10, 100 (default: all three)
  --runs N             reader part: runs per cell; the median is reported (default 3)
  --import-sizes LIST  import part: activities per file, from ${IMPORT_SIZES.join(', ')} (default: all three), or ${IMPORT_EXTRA_SIZES.join(', ')} (about 15 minutes)
  --cloud-sizes LIST   cloud part: activities per file, from ${CLOUD_SIZES.join(', ')} (default: both)
  --only PART          run one part only: reader (plain read, reader, check), import (the pipeline on
                       DynamoDB Local), upload (local mode: SFTP upload to receipt, 20 uploads) or cloud (the
                       cloud's step handlers on DynamoDB Local and s3rver, next to the local runner) or queue
                       (${QUEUE_UPLOADS} uploads of one vendor started at once, next to one after another) or wave
                       (npm run bench:wave: a deadline wave of ${WAVE_SETTINGS.vendors} vendors and ${WAVE_SETTINGS.clubs} clubs through local mode
                       over SFTP, then its second day of deltas); the other parts' figures in bench/results.json
                       are kept as they were
  -h, --help           this text

Writes bench/results.json and prints tables; progress goes to stderr.
`;

/** The evaluation date of every measurement: fixed, so that runs are comparable. */
const EVALUATION_DATE = '2026-11-25';
const SEED = 'bench';

/** Generator parameters for each size, tuned so that the file lands near that many MB (1 MB = 10^6 bytes). */
const SIZES: Readonly<Record<number, { clubs: number; persons: number; activities: number }>> = {
  1: { clubs: 2, persons: 770, activities: 960 },
  10: { clubs: 8, persons: 7900, activities: 9400 },
  100: { clubs: 60, persons: 75600, activities: 94500 },
};

const TARGETS = {
  readerMBps: 50,
  readerRatio: 0.1,
  readerRssMB: 150,
  checkSeconds100: 15,
  checkRssMB100: 400,
} as const;

/** Reports the peak RSS of the `check` process on fd 3 as it exits; stdout stays the CLI's own. */
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs';" +
    "process.on('exit', () => { writeSync(3, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }) + '\\n'); });",
)}`;

type Kind = 'plain' | 'reader' | 'check';
const KINDS: readonly Kind[] = ['plain', 'reader', 'check'];
const LABELS: Record<Kind, string> = { plain: 'plain read', reader: 'reader', check: 'check (CLI)' };

interface Sample {
  readonly seconds: number;
  readonly maxRssKiB: number;
}

interface Cell {
  readonly medianSeconds: number;
  readonly mbPerSecond: number;
  readonly recordsPerSecond: number;
  /** This cell's speed divided by the plain read's speed for the same file in this run of the bench. */
  readonly ratioToPlain: number;
  /** The highest peak RSS over the runs, MB (10^6 bytes). */
  readonly peakRssMB: number;
  readonly runs: readonly { readonly seconds: number; readonly peakRssMB: number }[];
}

interface SizeResult {
  readonly sizeMB: number;
  readonly file: string;
  readonly generator: { clubs: number; persons: number; activities: number; seed: string };
  readonly bytes: number;
  readonly records: number;
  readonly plain: Cell;
  readonly reader: Cell;
  readonly check: Cell;
}

interface Target {
  readonly what: string;
  readonly sizeMB: number;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}

const PLAIN_WORKER = fileURLToPath(new URL('./plain-read-worker.js', import.meta.url));
const READER_WORKER = fileURLToPath(new URL('./reader-worker.js', import.meta.url));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The file for a size, generated unless it is already there with the same parameters and byte count. */
async function ensureFile(
  sizeMB: number,
): Promise<{ file: string; bytes: number; generator: SizeResult['generator'] }> {
  const params = SIZES[sizeMB]!;
  const flags = [...sizeFlags(params), '--seed', SEED];
  return ensureGenerated(`${sizeMB} MB`, join(DATA, `bench-${sizeMB}mb.xml`), { ...params, seed: SEED }, flags);
}

interface ReaderOutput extends Sample {
  readonly bytes: number;
  readonly records: number;
  readonly events: number;
  readonly rejected?: string;
}

async function measure(kind: Kind, file: string): Promise<Sample & { records?: number }> {
  switch (kind) {
    case 'plain': {
      const finished = await runNode([PLAIN_WORKER, file]);
      if (finished.code !== 0) throw failed(`plain read of ${file}`, finished);
      return lastJsonLine<Sample>('plain-read-worker', finished.stdout);
    }
    case 'reader': {
      const finished = await runNode([READER_WORKER, file, EVALUATION_DATE]);
      if (finished.code !== 0) throw failed(`reader on ${file}`, finished);
      const output = lastJsonLine<ReaderOutput>('reader-worker', finished.stdout);
      if (output.rejected) throw new Error(`the reader rejected ${file}: ${output.rejected}`);
      return output;
    }
    case 'check': {
      const devNull = openSync('/dev/null', 'w');
      try {
        const finished = await runNode(
          ['--import', RSS_PRELOAD, BIN, 'check', file, '--json', '--today', EVALUATION_DATE],
          { stdoutFd: devNull, fd3: true },
        );
        if (finished.code !== 0) throw failed(`check of ${file}`, finished);
        const { maxRssKiB } = lastJsonLine<{ maxRssKiB: number }>('check (RSS preload)', finished.fd3);
        // Wall time of the whole process, Node's start-up included: check end to end, as a user runs it.
        return { seconds: finished.seconds, maxRssKiB };
      } finally {
        closeSync(devNull);
      }
    }
  }
}

function cell(samples: readonly Sample[], bytes: number, records: number, plainSeconds: number): Cell {
  const medianSeconds = median(samples.map((s) => s.seconds));
  return {
    medianSeconds,
    mbPerSecond: bytes / MB / medianSeconds,
    recordsPerSecond: records / medianSeconds,
    ratioToPlain: plainSeconds / medianSeconds,
    peakRssMB: Math.max(...samples.map((s) => rssMB(s.maxRssKiB))),
    runs: samples.map((s) => ({ seconds: s.seconds, peakRssMB: rssMB(s.maxRssKiB) })),
  };
}

function targetsOf(results: readonly SizeResult[]): Target[] {
  const targets: Target[] = [];
  for (const r of results) {
    targets.push(
      {
        what: 'reader MB/s',
        sizeMB: r.sizeMB,
        value: r.reader.mbPerSecond,
        target: `>= ${TARGETS.readerMBps} MB/s`,
        met: r.reader.mbPerSecond >= TARGETS.readerMBps,
      },
      {
        what: 'reader speed / plain read',
        sizeMB: r.sizeMB,
        value: r.reader.ratioToPlain,
        target: `>= ${TARGETS.readerRatio}`,
        met: r.reader.ratioToPlain >= TARGETS.readerRatio,
      },
      {
        what: 'reader peak RSS MB',
        sizeMB: r.sizeMB,
        value: r.reader.peakRssMB,
        target: `< ${TARGETS.readerRssMB} MB`,
        met: r.reader.peakRssMB < TARGETS.readerRssMB,
      },
    );
    if (r.sizeMB === 100) {
      targets.push(
        {
          what: 'check seconds',
          sizeMB: 100,
          value: r.check.medianSeconds,
          target: `< ${TARGETS.checkSeconds100} s`,
          met: r.check.medianSeconds < TARGETS.checkSeconds100,
        },
        {
          what: 'check peak RSS MB',
          sizeMB: 100,
          value: r.check.peakRssMB,
          target: `< ${TARGETS.checkRssMB100} MB`,
          met: r.check.peakRssMB < TARGETS.checkRssMB100,
        },
      );
    }
  }
  return targets;
}

function report(results: readonly SizeResult[], targets: readonly Target[], runs: number): string {
  const rows: string[][] = [['file', 'measurement', 'median s', 'MB/s', 'records/s', 'x plain', 'peak RSS MB']];
  for (const r of results) {
    for (const kind of KINDS) {
      const c = r[kind];
      rows.push([
        kind === 'plain' ? `${r.sizeMB} MB (${(r.bytes / MB).toFixed(2)} MB, ${whole(r.records)} records)` : '',
        LABELS[kind],
        c.medianSeconds.toFixed(3),
        c.mbPerSecond.toFixed(1),
        whole(c.recordsPerSecond),
        c.ratioToPlain.toFixed(3),
        c.peakRssMB.toFixed(0),
      ]);
    }
  }
  const targetRows: string[][] = [['file', 'what', 'value', 'target', 'met']];
  for (const t of targets) {
    const value = t.what.includes('/ plain') ? t.value.toFixed(3) : t.value.toFixed(1);
    targetRows.push([`${t.sizeMB} MB`, t.what, value, t.target, t.met ? 'yes' : 'NO']);
  }
  if (!results.some((r) => r.sizeMB === 100))
    targetRows.push(['100 MB', 'check seconds, check peak RSS MB', '-', '< 15 s, < 400 MB', 'not measured']);
  return [
    `lok-importer bench: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, median of ${runs} run(s), evaluation date ${EVALUATION_DATE}`,
    '',
    table(rows, [false, false, true, true, true, true, true]),
    '',
    'Targets',
    table(targetRows, [false, false, true, false, false]),
    '',
  ].join('\n');
}

type Part = 'reader' | 'import' | 'upload' | 'cloud' | 'queue' | 'wave';
const PARTS: readonly Part[] = ['reader', 'import', 'upload', 'cloud', 'queue', 'wave'];

interface Options {
  readonly parts: readonly Part[];
  readonly sizes: number[];
  readonly runs: number;
  readonly importSizes: number[];
  readonly cloudSizes: number[];
}

function options(): Options | undefined {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: {
      sizes: { type: 'string', default: '1,10,100' },
      runs: { type: 'string', default: '3' },
      'import-sizes': { type: 'string', default: IMPORT_SIZES.join(',') },
      'cloud-sizes': { type: 'string', default: CLOUD_SIZES.join(',') },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const sizes = values
    .sizes!.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const unknown = sizes.filter((s) => !(s in SIZES));
  if (sizes.length === 0 || unknown.length > 0)
    throw new Error(`--sizes takes a list from ${Object.keys(SIZES).join(', ')}, got ${values.sizes}`);
  if (!/^[1-9]\d*$/.test(values.runs!))
    throw new Error(`--runs must be a whole number of at least 1, got ${values.runs}`);
  const importSizes = values['import-sizes']!.split(',')
    .map((s) => s.trim().replace(/[_ ]/g, ''))
    .filter((s) => s !== '')
    .map(Number);
  if (
    importSizes.length === 0 ||
    importSizes.some((s) => ![...IMPORT_SIZES, ...IMPORT_EXTRA_SIZES].includes(s as never))
  ) {
    throw new Error(
      `--import-sizes takes a list from ${[...IMPORT_SIZES, ...IMPORT_EXTRA_SIZES].join(', ')}, got ${values['import-sizes']}`,
    );
  }
  const cloudSizes = values['cloud-sizes']!.split(',')
    .map((s) => s.trim().replace(/[_ ]/g, ''))
    .filter((s) => s !== '')
    .map(Number);
  if (cloudSizes.length === 0 || cloudSizes.some((s) => !(CLOUD_SIZES as readonly number[]).includes(s))) {
    throw new Error(`--cloud-sizes takes a list from ${CLOUD_SIZES.join(', ')}, got ${values['cloud-sizes']}`);
  }
  if (values.only !== undefined && !(PARTS as readonly string[]).includes(values.only))
    throw new Error(`--only takes ${PARTS.join(', ')}, got ${values.only}`);
  return {
    parts: values.only === undefined ? PARTS : [values.only as Part],
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    runs: Number(values.runs),
    importSizes: [...new Set(importSizes)].sort((a, b) => a - b),
    cloudSizes: [...new Set(cloudSizes)].sort((a, b) => a - b),
  };
}

/** The reader part: plain read, reader and check of each file. */
async function readerPart(sizes: readonly number[], runs: number): Promise<SizeResult[]> {
  const results: SizeResult[] = [];
  for (const sizeMB of sizes) {
    const { file, bytes, generator } = await ensureFile(sizeMB);
    const samples: Record<Kind, Sample[]> = { plain: [], reader: [], check: [] };
    let records: number | undefined;
    for (let run = 1; run <= runs; run++) {
      // The three measurements of a run follow one another, so that all see the same state of the machine.
      for (const kind of KINDS) {
        process.stderr.write(`[${sizeMB} MB] run ${run}/${runs}: ${LABELS[kind]}… `);
        const sample = await measure(kind, file);
        if (sample.records !== undefined) {
          if (records !== undefined && records !== sample.records)
            throw new Error(`the reader counted ${sample.records} records in ${file}, before ${records}`);
          records = sample.records;
        }
        samples[kind].push({ seconds: sample.seconds, maxRssKiB: sample.maxRssKiB });
        process.stderr.write(`${sample.seconds.toFixed(3)} s, ${rssMB(sample.maxRssKiB).toFixed(0)} MB RSS\n`);
      }
    }
    const plainSeconds = median(samples.plain.map((s) => s.seconds));
    const count = records ?? 0;
    results.push({
      sizeMB,
      file: relative(ROOT, file),
      generator,
      bytes,
      records: count,
      plain: cell(samples.plain, bytes, count, plainSeconds),
      reader: cell(samples.reader, bytes, count, plainSeconds),
      check: cell(samples.check, bytes, count, plainSeconds),
    });
  }
  return results;
}

function machine(): Record<string, unknown> {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    totalMemoryMB: Math.round(totalmem() / MB),
    date: new Date().toISOString(),
  };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options();
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!parsed) return 0;
  const { parts, sizes, runs, importSizes, cloudSizes } = parsed;

  const resultsFile = join(ROOT, 'bench', 'results.json');
  // A part that is not run keeps its figures from the previous results (each part has its own date).
  let previous: Record<string, unknown> = {};
  if (parts.length < PARTS.length && existsSync(resultsFile)) {
    try {
      previous = JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>;
    } catch {
      previous = {};
    }
  }

  let output: Record<string, unknown> = {};
  let printed = '';
  if (parts.includes('reader')) {
    const results = await readerPart(sizes, runs);
    const targets = targetsOf(results);
    output = {
      machine: machine(),
      settings: {
        runs,
        evaluationDate: EVALUATION_DATE,
        chunkBytes: 64 * 1024,
        units:
          'MB = 10^6 bytes; seconds are medians over the runs; peakRssMB is the highest over the runs; ratioToPlain = speed / plain read speed of the same file in this run',
      },
      sizes: results,
      targets,
    };
    printed += report(results, targets, runs);
  } else {
    output = { ...previous };
    // The other parts follow in their own order, each measured now or kept from before.
    for (const name of PARTS) if (name !== 'reader') delete output[name];
  }
  // Each part below: measured when asked for, with the machine it ran on, else its previous figures kept.
  const part = async <S extends object>(
    name: Exclude<Part, 'reader'>,
    run: () => Promise<S>,
    reportOf: (section: S) => string,
  ) => {
    if (parts.includes(name)) {
      const section = await run();
      output[name] = { machine: machine(), ...section };
      printed += `${printed ? '\n' : ''}${reportOf(section)}`;
    } else if (previous[name] !== undefined) {
      output[name] = previous[name];
    }
  };
  await part<ImportSection>('import', () => runImportBench(importSizes, EVALUATION_DATE), importReport);
  await part<UploadSection>('upload', runUploadBench, uploadReport);
  await part<CloudSection>('cloud', () => runCloudBench(cloudSizes), cloudReport);
  await part<QueueSection>('queue', () => runQueueBench(QUEUE_UPLOADS), queueReport);
  await part<WaveSection>('wave', runWaveBench, waveReport);
  writeFileSync(resultsFile, `${JSON.stringify(output, null, 2)}\n`);
  process.stdout.write(printed);
  progress(`wrote ${relative(ROOT, resultsFile)}`);
  return 0;
}

process.exitCode = await main();
