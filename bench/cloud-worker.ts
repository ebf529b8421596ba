/**
 * Child process of the cloud part of the bench: one upload through the cloud's step handlers (`functions/`,
 * compiled into dist/functions), invoked one after another as the import state machine does, against DynamoDB
 * Local and s3rver. A process per upload is a cold start of the handlers (their modules loaded afresh, with this
 * deployment's environment, before anything is timed), and makes the peak RSS this upload's own.
 *
 * What it does, timed: the vendor's file put into the inbox as Transfer Family leaves it (PutObject, then the
 * upload workflow's completed tag); the HeadObject the starter makes to build the execution's input; then
 * Register → Apply → Judge (or JudgeSplit → the manifest read as the Distributed Map's item reader does → every
 * JudgeChunk, at most `chunksInParallel` at once (the map's JUDGE_CHUNKS_IN_PARALLEL) → JudgeJoin) → Totals → Receipt. Each payload and result
 * crosses as JSON, as a Lambda task's does; a TransientError is retried on the state machine's policy
 * (RETRY_POLICY), anything else ends the upload (the bench fails: one upload at a time is never blocked).
 *
 * The handlers' own output (Powertools' JSON logs and EMF metrics on stdout, as in Lambda) goes to stdout; the
 * result is one JSON line on file descriptor 3.
 *
 * Usage: node dist/bench/cloud-worker.js '{"env":{…},"bucket":…,"key":…,"file":…,"judge":"single"|"chunked","chunksInParallel":10}'
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { lambdaContext as runtimeContext } from '../shared/adapters/aws-lambda/in-process.js';
import { s3Client } from '../shared/adapters/s3/s3-client.js';
import { COMPLETED_TAG, inboxUploadOf, S3Uploads } from '../shared/adapters/s3/s3-uploads.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { RETRY_POLICY, retryDelayMs } from '../shared/core/pipeline/import-steps.js';
import { inParallel } from '../shared/core/pipeline/in-parallel.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import type { WorkflowUpload } from '../functions/commons/workflow-input.js';
import { countCommands, emptyTally, mergeTally, tallySummary, type Tally } from './import-metrics.js';

export type JudgeMode = 'single' | 'chunked';

export interface CloudWorkerInput {
  /** The functions' environment, as the CDK app gives it, pointed at DynamoDB Local and s3rver. */
  readonly env: Record<string, string>;
  readonly bucket: string;
  /** The inbox key the file is put at: `inbox/<vendor>/<file>`. */
  readonly key: string;
  /** The file on disk (read into memory before anything is timed). */
  readonly file: string;
  readonly judge: JudgeMode;
  /** Chunks judged at once (the Distributed Map's MaxConcurrency is JUDGE_CHUNKS_IN_PARALLEL). */
  readonly chunksInParallel: number;
}

export interface CloudStepFigures {
  /** register, apply, judge, totals, receipt; for a chunked judge, `judge` is split + map + join. */
  readonly step: string;
  readonly seconds: number;
  /** CPU of this process (user + system) during the step: the handlers' own work, not DynamoDB Local's or s3rver's. */
  readonly cpuSeconds: number;
  /** Invocations retried within the step (TransientError), chunks included. */
  readonly retries: number;
  readonly result: unknown;
  /** What the step's handlers sent to DynamoDB (counted as the import worker counts, import-metrics.ts). */
  readonly dynamodb: ReturnType<typeof tallySummary>;
}

export interface ChunkedJudgeFigures {
  readonly chunks: number;
  readonly splitSeconds: number;
  /** The manifest read (the Distributed Map's item reader) and every chunk, at most JUDGE_CHUNKS_IN_PARALLEL at once. */
  readonly mapSeconds: number;
  readonly joinSeconds: number;
  /** Each chunk's own seconds, in chunk order. */
  readonly chunkSeconds: readonly number[];
  /** Each chunk's DynamoDB figures, in chunk order. */
  readonly chunkDynamodb: readonly ReturnType<typeof tallySummary>[];
}

export interface CloudWorkerOutput {
  readonly uploadId: string;
  readonly bytes: number;
  /** PutObject of the file and the completed tag: the upload itself. */
  readonly putSeconds: number;
  /** HeadObject of the inbox key (what the starter reads to build the execution's input). */
  readonly headSeconds: number;
  /** Register to the receipt handler's return: the step handlers one after another. */
  readonly handlersSeconds: number;
  /** From the start of the put to the receipt handler's return. */
  readonly uploadToReceiptSeconds: number;
  readonly cpuSeconds: number;
  readonly maxRssKiB: number;
  readonly steps: CloudStepFigures[];
  readonly judge?: ChunkedJudgeFigures;
  readonly retries: string[];
  readonly status: string;
  readonly counts: Receipt['counts'];
  readonly errors: number;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const input = JSON.parse(process.argv[2] ?? 'null') as CloudWorkerInput | null;
if (!input) {
  process.stderr.write('usage: cloud-worker JSON\n');
  process.exit(2);
}

// Every DynamoDB client the handlers make is counted, per step (and per chunk), by the tally in the async
// context of the invocation that sends: the handlers build their client at their first invocation, so the
// counting middleware is added at its first send.
const tallies = new AsyncLocalStorage<Tally>();
const outside = emptyTally();
const counted = new WeakSet<object>();
const prototype = DynamoDBClient.prototype as unknown as {
  send: (this: DynamoDBClient, ...args: unknown[]) => unknown;
};
const send = prototype.send;
prototype.send = function (this: DynamoDBClient, ...args: unknown[]) {
  if (!counted.has(this)) {
    counted.add(this);
    countCommands(this, () => tallies.getStore() ?? outside);
  }
  return send.apply(this, args);
};

// A cold start: the environment first, then the handler modules (Powertools reads it at module scope, the ports
// at the first invocation).
Object.assign(process.env, input.env);
const load = async (file: string): Promise<Handler> =>
  ((await import(`../functions/${file}.js`)) as { handler: Handler }).handler;
const h = {
  register: await load('register-step'),
  apply: await load('apply-step'),
  judge: await load('judge-step'),
  split: await load('judge-split-step'),
  chunk: await load('judge-chunk-step'),
  join: await load('judge-join-step'),
  totals: await load('totals-step'),
  receipt: await load('receipt-step'),
};

const region = input.env.AWS_REGION!;
const s3 = s3Client({
  endpoint: input.env.S3_ENDPOINT!,
  region,
  credentials: { accessKeyId: input.env.AWS_ACCESS_KEY_ID!, secretAccessKey: input.env.AWS_SECRET_ACCESS_KEY! },
});
const uploads = new S3Uploads(s3, input.bucket);

/** The context the Lambda runtime passes (a 15-minute function, just invoked). */
function lambdaContext(functionName: string): Context {
  return runtimeContext({
    name: functionName,
    region,
    account: '123456789012',
    memoryMB: 1024,
    logStreamPrefix: 'bench',
  });
}

const retries: string[] = [];

/**
 * A Lambda task: payload and result cross as JSON; a TransientError is retried on the state machine's policy
 * (full jitter, really waited); any other error, or the retries run out, ends the upload.
 */
async function task(name: string, handler: Handler, event: unknown): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await handler(JSON.parse(JSON.stringify(event)) as unknown, lambdaContext(name));
      return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
    } catch (error) {
      const e = error as Error;
      const policy = e.name === 'TransientError' ? RETRY_POLICY : undefined;
      if (!policy || attempt > policy.maxAttempts)
        throw new Error(`${name} failed for good on attempt ${attempt}: ${e.name}: ${e.message}`);
      const delay = retryDelayMs(policy, attempt, Math.random);
      retries.push(`${name} attempt ${attempt}: ${e.name} (${e.message}); retried after ${delay} ms`);
      process.stderr.write(`cloud-worker: ${retries.at(-1)}\n`);
      await sleep(delay);
    }
  }
}

const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

const body = readFileSync(input.file);
const cpuStart = process.cpuUsage();
const started = performance.now();
await s3.send(new PutObjectCommand({ Bucket: input.bucket, Key: input.key, Body: body, ContentLength: body.length }));
await s3.send(
  new PutObjectTaggingCommand({
    Bucket: input.bucket,
    Key: input.key,
    Tagging: { TagSet: [{ Key: COMPLETED_TAG.key, Value: COMPLETED_TAG.value }] },
  }),
);
const putSeconds = (performance.now() - started) / 1000;

const headStarted = performance.now();
const object = await uploads.head(input.key);
const inbox = object && inboxUploadOf(object);
if (!inbox) throw new Error(`${input.key} is not an upload in an inbox`);
const upload: WorkflowUpload = { ...inbox, bytes: body.length };
const headSeconds = (performance.now() - headStarted) / 1000;

const steps: CloudStepFigures[] = [];
let judge: ChunkedJudgeFigures | undefined;
const handlersStarted = performance.now();

async function step(name: string, work: () => Promise<unknown>): Promise<unknown> {
  const t0 = performance.now();
  const cpu = process.cpuUsage();
  const retriedBefore = retries.length;
  const tally = emptyTally();
  const result = await tallies.run(tally, work);
  steps.push({
    step: name,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpuSince(cpu),
    retries: retries.length - retriedBefore,
    result,
    dynamodb: tallySummary(tally),
  });
  return result;
}

await step('register', () => task('RegisterStep', h.register, { upload }));
await step('apply', () => task('ApplyStep', h.apply, { upload }));
if (input.judge === 'single') {
  await step('judge', () => task('JudgeStep', h.judge, { upload }));
} else {
  await step('judge', async () => {
    let t = performance.now();
    const split = (await task('JudgeSplitStep', h.split, { upload })) as { chunks: number; manifest: string };
    const { chunks, manifest } = split;
    const splitSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    // The Distributed Map's S3 JSON Lines item reader, then ItemSelector { upload, chunk } for each item.
    const text = await (
      await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: manifest }))
    ).Body!.transformToString();
    const items = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { chunk: number });
    if (items.length !== chunks) throw new Error(`the manifest has ${items.length} items, the split said ${chunks}`);
    const chunkTallies = items.map(() => emptyTally());
    const chunkSeconds = await inParallel(items, input.chunksInParallel, async (item) => {
      const c0 = performance.now();
      await tallies.run(chunkTallies[item.chunk]!, () =>
        task('JudgeChunkStep', h.chunk, { upload, chunk: item.chunk }),
      );
      return (performance.now() - c0) / 1000;
    });
    for (const t of chunkTallies) mergeTally(tallies.getStore()!, t);
    const mapSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const joined = await task('JudgeJoinStep', h.join, { upload, chunks });
    const joinSeconds = (performance.now() - t) / 1000;
    judge = {
      chunks,
      splitSeconds,
      mapSeconds,
      joinSeconds,
      chunkSeconds,
      chunkDynamodb: chunkTallies.map(tallySummary),
    };
    return { split, join: joined };
  });
}
await step('totals', () => task('TotalsStep', h.totals, { upload }));
await step('receipt', () => task('ReceiptStep', h.receipt, { upload }));
const ended = performance.now();
const cpuSeconds = cpuSince(cpuStart);

const receipt = JSON.parse(
  await (
    await s3.send(new GetObjectCommand({ Bucket: input.bucket, Key: receiptKey(upload) }))
  ).Body!.transformToString(),
) as Receipt;
s3.destroy();

const output: CloudWorkerOutput = {
  uploadId: upload.uploadId,
  bytes: body.length,
  putSeconds,
  headSeconds,
  handlersSeconds: (ended - handlersStarted) / 1000,
  uploadToReceiptSeconds: (ended - started) / 1000,
  cpuSeconds,
  maxRssKiB: process.resourceUsage().maxRSS,
  steps,
  ...(judge ? { judge } : {}),
  retries,
  status: receipt.status,
  counts: receipt.counts,
  errors: receipt.errors.length,
};
writeSync(3, `${JSON.stringify(output)}\n`);
// The handlers' DynamoDB and S3 clients keep sockets open (a Lambda environment is frozen, not ended): end here.
process.exit(0);
