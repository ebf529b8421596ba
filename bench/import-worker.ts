/**
 * Child process of the bench: one upload through the import pipeline (`runImport`, every step) against a running
 * DynamoDB Local, on a register table the bench has already created and onboarded. In a process of its own so
 * that its peak RSS is its own.
 *
 * Counts every command the pipeline's DynamoDBClient sends (import-metrics.ts), per step (runImport's onStep
 * says which step is running), and times each step (wall and this process's CPU).
 *
 * Prints one JSON line on stdout: seconds (runImport only, not Node's start-up or module loading), CPU seconds,
 * the peak RSS (`process.resourceUsage().maxRSS`, KiB), the outcome and the receipt's counts, per-step figures
 * and the tallies.
 *
 * Usage: node dist/bench/import-worker.js '{"endpoint":…,"table":…,"objects":…,"file":…,"upload":{…},"today":…,"key":…}'
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { HmacHasher } from '../shared/adapters/crypto/hmac-hasher.js';
import { DynamoDbRegisterStore } from '../shared/adapters/dynamodb/register-store-dynamodb.js';
import { fileSource } from '../shared/adapters/local-disk/file-source.js';
import { DiskObjectStore } from '../shared/adapters/local-disk/object-store.js';
import type { ImportStepName } from '../shared/core/pipeline/import-steps.js';
import type { PipelineClock } from '../shared/core/pipeline/ports.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import { countCommands, emptyTally, mergeTally, type Tally } from './import-metrics.js';

export interface WorkerInput {
  readonly endpoint: string;
  readonly table: string;
  /** The object store's folder (staged results, receipts), kept between the uploads of one table. */
  readonly objects: string;
  readonly file: string;
  readonly upload: Upload;
  readonly today: string;
  /** The identity hash key (HMAC). */
  readonly key: string;
}

export interface StepFigures {
  readonly step: ImportStepName;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly attempts: number;
  /** The highest RSS sampled (every 50 ms, and as the step ends) while the step ran, in KiB. */
  readonly peakRssKiB: number;
  readonly tally: Tally;
}

export interface WorkerOutput {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssKiB: number;
  readonly outcome: string;
  readonly status?: string;
  readonly counts?: unknown;
  readonly errors?: number;
  readonly receiptActivities?: number;
  readonly steps: StepFigures[];
  readonly tally: Tally;
}

const input = JSON.parse(process.argv[2] ?? 'null') as WorkerInput | null;
if (!input) {
  process.stderr.write('usage: import-worker JSON\n');
  process.exit(2);
}

const client = new DynamoDBClient({
  endpoint: input.endpoint,
  region: 'eu-north-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const outside = emptyTally();
let current: Tally = outside;
countCommands(client, () => current);

const ports = {
  store: new DynamoDbRegisterStore(client, input.table),
  hasher: new HmacHasher(input.key),
  objects: new DiskObjectStore(input.objects),
};
let tick = 0;
const clock: PipelineClock = {
  today: input.today,
  // Distinct, increasing times within the evaluation day (ledger entries, receipts).
  now: () => new Date(Date.parse(`${input.today}T12:00:00.000Z`) + tick++).toISOString(),
  swedishDateOf: stockholmDateOf,
};

const steps = new Map<
  ImportStepName,
  { seconds: number; cpuSeconds: number; attempts: number; peakRssKiB: number; tally: Tally }
>();
let running: { peakRssKiB: number } | undefined;
const sampleRss = () => {
  if (running) running.peakRssKiB = Math.max(running.peakRssKiB, Math.round(process.memoryUsage.rss() / 1024));
};
const sampler = setInterval(sampleRss, 50);
let stepStarted = 0;
let stepCpu = process.cpuUsage();
const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

const started = performance.now();
const cpuStart = process.cpuUsage();
const result = await runImport(ports, input.upload, () => fileSource(input.file), clock, {
  sleep: (ms) => sleep(ms),
  onStep: (event) => {
    let figures = steps.get(event.step);
    if (!figures)
      steps.set(event.step, (figures = { seconds: 0, cpuSeconds: 0, attempts: 0, peakRssKiB: 0, tally: emptyTally() }));
    if (event.outcome === 'start') {
      figures.attempts++;
      running = figures;
      current = figures.tally;
      stepStarted = performance.now();
      stepCpu = process.cpuUsage();
    } else {
      sampleRss();
      running = undefined;
      figures.seconds += (performance.now() - stepStarted) / 1000;
      figures.cpuSeconds += cpuSince(stepCpu);
      current = outside;
      if (event.outcome !== 'done')
        process.stderr.write(
          `import-worker: step ${event.step} attempt ${event.attempt}: ${event.outcome} (${event.error ?? ''})\n`,
        );
    }
  },
});
const seconds = (performance.now() - started) / 1000;
const cpuSeconds = cpuSince(cpuStart);
clearInterval(sampler);
client.destroy();

const tally = emptyTally();
mergeTally(tally, outside);
for (const figures of steps.values()) mergeTally(tally, figures.tally);
const output: WorkerOutput = {
  seconds,
  cpuSeconds,
  maxRssKiB: process.resourceUsage().maxRSS,
  outcome: result.kind,
  ...(result.kind !== 'blocked'
    ? {
        status: result.receipt.status,
        counts: result.receipt.counts,
        errors: result.receipt.errors.length,
        receiptActivities: result.receipt.activities.length,
      }
    : {}),
  steps: [...steps].map(([step, f]) => ({ step, ...f })),
  tally,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
