import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import { vi } from 'vitest';
import { HmacHasher } from '../../shared/adapters/crypto/hmac-hasher.js';
import { DynamoDbRegisterAdmin } from '../../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { DynamoDbRegisterStore } from '../../shared/adapters/dynamodb/register-store-dynamodb.js';
import { registerTableDefinition } from '../../shared/adapters/dynamodb/register-table.js';
import { s3Client } from '../../shared/adapters/s3/s3-client.js';
import { S3ObjectStore } from '../../shared/adapters/s3/s3-object-store.js';
import { COMPLETED_TAG, inboxUploadOf, S3Uploads } from '../../shared/adapters/s3/s3-uploads.js';
import { activateVendor, addClub, addVendor } from '../../shared/core/admin/admin-use-cases.js';
import type { PipelinePorts } from '../../shared/core/pipeline/ports.js';
import { inboxKey } from '../../shared/core/storage/bucket-layout.js';
import type { WorkflowUpload } from '../../functions/commons/workflow-input.js';
import { dynamoDbForTests } from './dynamodb.js';
import { forFile } from './for-file.js';
import { TEST_KEY, testClub } from './pipeline.js';
import { lambdaContext as runtimeContext, localFunctionEnv } from '../../shared/adapters/aws-lambda/in-process.js';
import { S3_CREDENTIALS, s3ForTests, type S3ForTests } from './s3-server.js';
import { freePort } from '../../shared/adapters/loopback/free-port.js';
import { stepFunctionsFake, type ExecutionRunner, type StepFunctionsFake } from './step-functions-fake.js';

export const REGION = 'eu-north-1';
export const ACCOUNT = '123456789012';
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ImportWorkflow`;
export const SERVER_ID = 's-0123456789abcdef0';

/** A port nothing listens on (taken and released): an endpoint there is an outage. */
export const closedPort = freePort;

/** An endpoint on a closed port: a service there is down (or, for Transfer Family, never reached from a test). */
export async function closedEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}

/** What the admin function is given besides, as the CDK app gives it: the SFTP server and the vendors' role. */
export const ADMIN_ENV = {
  SFTP_SERVER_ID: SERVER_ID,
  VENDOR_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/vendors`,
  VENDOR_SESSION_POLICY: '{}',
} as const;

/** DynamoDB Local and s3rver on loopback, with clients for the tests' own look at them. */
export interface LocalCloud {
  readonly dynamodb: DynamoDBClient;
  readonly dynamodbEndpoint: string;
  readonly s3: S3Client;
  readonly s3Server: S3ForTests;
  stop(): Promise<void>;
}

export async function startLocalCloud(): Promise<LocalCloud> {
  const [{ local, client }, s3Server] = await Promise.all([dynamoDbForTests(), s3ForTests()]);
  const s3 = s3Client({ endpoint: s3Server.endpoint, region: REGION, credentials: S3_CREDENTIALS });
  return {
    dynamodb: client,
    dynamodbEndpoint: local.endpoint,
    s3,
    s3Server,
    async stop() {
      client.destroy();
      s3.destroy();
      await Promise.all([local.stop(), s3Server.stop()]);
    },
  };
}

let scenarios = 0;

/** A register table (created as the CDK app defines it) and a bucket of their own: one deployment, fresh. */
export interface Deployment {
  readonly table: string;
  readonly bucket: string;
  /** The ports the handlers build, built here for the tests' own look at the register and the bucket. */
  readonly ports: PipelinePorts & { readonly uploads: S3Uploads; readonly admin: DynamoDbRegisterAdmin };
  /** The functions' environment in this deployment. */
  env(extra?: Record<string, string>): Record<string, string>;
}

export async function freshDeployment(cloud: LocalCloud): Promise<Deployment> {
  const n = ++scenarios;
  const table = `register-cloud-${n}-${process.pid}`;
  const bucket = `lok-files-${n}-${process.pid}`;
  await Promise.all([
    cloud.dynamodb.send(new CreateTableCommand(registerTableDefinition(table))),
    cloud.s3.send(new CreateBucketCommand({ Bucket: bucket })),
  ]);
  return {
    table,
    bucket,
    ports: {
      store: new DynamoDbRegisterStore(cloud.dynamodb, table),
      hasher: new HmacHasher(TEST_KEY),
      objects: new S3ObjectStore(cloud.s3, bucket),
      uploads: new S3Uploads(cloud.s3, bucket),
      admin: new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(cloud.dynamodb), table),
    },
    env: (extra = {}) => functionEnv(cloud, table, bucket, extra),
  };
}

/** Vendors and clubs in the register, every vendor active for every club from 2020-01-01. */
export async function onboardIn(
  admin: DynamoDbRegisterAdmin,
  vendors: readonly string[],
  clubs: readonly string[],
): Promise<void> {
  for (const id of vendors)
    await addVendor(admin, { id, name: `Vendor ${id}`, purpose: 'LOK-stöd', licence: 'unlimited' });
  for (const club of clubs) {
    await addClub(admin, testClub(club));
    for (const vendor of vendors) await activateVendor(admin, club, vendor, '2020-01-01');
  }
}

/** The environment the CDK app gives the functions, pointed at the local servers (and `IDENTITY_KEY` itself). */
export function functionEnv(
  cloud: LocalCloud,
  table: string,
  bucket: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...localFunctionEnv({
      table,
      bucket,
      identityKey: TEST_KEY,
      dynamodbEndpoint: cloud.dynamodbEndpoint,
      s3Endpoint: cloud.s3Server.endpoint,
      region: REGION,
      credentials: S3_CREDENTIALS,
    }),
    IMPORT_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
    ...extra,
  };
}

/** A Lambda handler as the runtime calls it. */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** The steps a small file's import execution runs, from its registration to its receipt, in order, by handler file. */
export const IMPORT_STEPS = {
  register: 'register-step',
  apply: 'apply-step',
  judge: 'judge-step',
  totals: 'totals-step',
  receipt: 'receipt-step',
} as const;
export type ImportSteps = { [K in keyof typeof IMPORT_STEPS]: Handler };

/** The import workflow's handlers (functions/<file>.ts) by step, as the cloud tests cold-start them. */
export const IMPORT_FUNCTIONS = { start: 'start-upload', ...IMPORT_STEPS, sweep: 'sweep-inbox' } as const;
export type ImportFunctions = { [K in keyof typeof IMPORT_FUNCTIONS]: Handler };

/** A fresh deployment, the vendors and clubs onboarded in it, and `files`' handlers cold-started in its environment. */
export async function deployedWith<T extends Record<string, string>>(
  cloud: LocalCloud,
  onboarded: { readonly vendors: readonly string[]; readonly clubs: readonly string[] },
  env: Record<string, string>,
  files: T,
): Promise<{ d: Deployment; h: { [K in keyof T]: Handler } }> {
  const d = await freshDeployment(cloud);
  await onboardIn(d.ports.admin, onboarded.vendors, onboarded.clubs);
  return { d, h: await coldStart(d.env(env), files) };
}

/** A client of an S3-compatible test server and the adapters on its bucket. */
export function s3AdaptersOf(
  endpoint: string,
  bucket: string,
): { client: S3Client; uploads: S3Uploads; objects: S3ObjectStore } {
  const client = s3Client({ endpoint, region: REGION, credentials: S3_CREDENTIALS });
  return { client, uploads: new S3Uploads(client, bucket), objects: new S3ObjectStore(client, bucket) };
}

/**
 * A cold start: the environment set, then the handler modules (`functions/<file>.ts`) loaded afresh: they read
 * it at module scope or at their first invocation and keep their clients, as a Lambda execution environment
 * does. The environment is process-wide here: each returned handler sets its own again before it runs, so that
 * handlers of several cold starts (a healthy one, one in an outage) live side by side as separate environments.
 */
export async function coldStart<T extends Record<string, string>>(
  env: Record<string, string>,
  files: T,
): Promise<{ [K in keyof T]: Handler }> {
  const apply = () => {
    for (const [name, value] of Object.entries(env)) process.env[name] = value;
  };
  apply();
  vi.resetModules();
  const loaded = await Promise.all(
    Object.values(files).map((file) => import(`../../functions/${file}.ts`) as Promise<{ handler: Handler }>),
  );
  return Object.fromEntries(
    Object.keys(files).map((name, i) => [
      name,
      (event: unknown, context: Context) => {
        apply();
        return loaded[i]!.handler(event, context);
      },
    ]),
  ) as { [K in keyof T]: Handler };
}

/** The context the Lambda runtime passes (a 15-minute function, just invoked). */
export function lambdaContext(functionName: string, timeoutMs = 15 * 60 * 1000): Context {
  return runtimeContext({
    name: functionName,
    region: REGION,
    account: ACCOUNT,
    memoryMB: 2048,
    timeoutMs,
    logStreamPrefix: '2026/11/25',
  });
}

/**
 * Invokes a handler as Step Functions' Lambda task does: the payload and the result cross as JSON. An error is
 * returned as the state machine sees it (`Error` is its name, which Retry and Catch match).
 */
export async function invoke(handler: Handler, event: unknown, functionName = 'lok-importer-step'): Promise<unknown> {
  const result = await handler(JSON.parse(JSON.stringify(event)) as unknown, lambdaContext(functionName));
  return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
}

export async function invokeFailing(
  handler: Handler,
  event: unknown,
  functionName = 'lok-importer-step',
): Promise<{ Error: string; Cause: string }> {
  try {
    await invoke(handler, event, functionName);
  } catch (error) {
    const e = error as Error;
    return { Error: e.name, Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message }) };
  }
  throw new Error('the handler did not fail');
}

/**
 * A vendor's SFTP upload as Transfer Family leaves it: the object written, then tagged completed by the
 * server's upload workflow (a dropped session's object is never tagged).
 */
export async function uploadToInbox(
  cloud: LocalCloud,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  completed = true,
): Promise<void> {
  await cloud.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  if (completed) {
    await cloud.s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: key,
        Tagging: { TagSet: [{ Key: COMPLETED_TAG.key, Value: COMPLETED_TAG.value }] },
      }),
    );
  }
}

/**
 * A vendor's file put in their inbox as Transfer Family leaves it, and its upload as the starter hands it to the
 * workflow: the inbox object's upload and the event's size.
 */
export async function putInInbox(
  cloud: LocalCloud,
  d: Deployment,
  vendor: string,
  file: string,
  xml: string,
  completed = true,
): Promise<WorkflowUpload> {
  const key = inboxKey({ vendor, file });
  await uploadToInbox(cloud, d.bucket, key, xml, completed);
  return { ...inboxUploadOf((await d.ports.uploads.head(key))!)!, bytes: Buffer.byteLength(xml) };
}

/** An upload imported as a small file's execution imports it: each step given the upload (and `input` besides). */
export async function importWhole(h: ImportSteps, upload: WorkflowUpload, input: object = {}): Promise<void> {
  for (const step of Object.keys(IMPORT_STEPS) as (keyof ImportSteps)[]) await invoke(h[step], { upload, ...input });
}

/** An upload registered and applied, then failed (MarkFailed given a StepFailed): its changes never judged (stale). */
export async function failAfterApply(
  h: Pick<ImportSteps, 'register' | 'apply'> & { readonly fail: Handler },
  upload: WorkflowUpload,
): Promise<void> {
  for (const step of [h.register, h.apply]) await invoke(step, { upload });
  await invoke(h.fail, { upload, error: { Error: 'StepFailed', Cause: '{}' } });
}

/** A Step Functions client of the fake at `endpoint`, as the starter, the apply step or the nightly schedule has one. */
export function sfnClientOf(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** StartExecution through the SDK, sent to the fake at `endpoint`. */
export async function startExecution(
  endpoint: string,
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<void> {
  const client = sfnClientOf(endpoint);
  try {
    await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  } finally {
    client.destroy();
  }
}

/** Transfer Family's EventBridge event for a completed upload of `key` by `username`. */
export function uploadCompletedEvent(
  bucket: string,
  key: string,
  username: string,
  content: string | number,
  status: 'COMPLETED' | 'FAILED' = 'COMPLETED',
) {
  const now = new Date();
  // Given the bytes, the event carries their size and ETag (the MD5 of a single-part upload), as Transfer's does.
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content;
  const etag = typeof content === 'string' ? createHash('md5').update(content).digest('hex') : undefined;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': status === 'COMPLETED' ? 'SFTP Server File Upload Completed' : 'SFTP Server File Upload Failed',
    source: 'aws.transfer',
    account: ACCOUNT,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:transfer:${REGION}:${ACCOUNT}:server/${SERVER_ID}`],
    detail: {
      'status-code': status,
      protocol: 'SFTP',
      bytes,
      'client-ip': '192.0.2.10',
      'end-timestamp': now.toISOString(),
      ...(etag ? { etag } : {}),
      'file-path': `/${bucket}/${key}`,
      'server-id': SERVER_ID,
      username,
      'session-id': 'c2a8b7e6f1d04e3b',
      'start-timestamp': new Date(now.getTime() - 1200).toISOString(),
    },
  };
}

/**
 * What the functions write (Powertools' JSON log lines and EMF metrics on stdout, its warnings on stderr), kept
 * instead of printed: the tests read it to see that metrics are emitted and that no personal data is logged.
 */
export function captureOutput(): { text(): string; restore(): void } {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  let out = '';
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof stream.write;
  }
  return {
    text: () => out,
    restore: () =>
      streams.forEach((stream, i) => {
        stream.write = originals[i]!;
      }),
  };
}

/** What most cloud test files run beside: DynamoDB Local and s3rver, the Step Functions fake, captured output. */
export interface CloudTestBed {
  readonly cloud: LocalCloud;
  readonly sfn: StepFunctionsFake;
  readonly output: ReturnType<typeof captureOutput>;
  stop(): Promise<void>;
}

/**
 * The test bed of the enclosing describe block (or file): started before its tests, stopped after them. What it
 * returns reads the bed started, so that a test reads `bed.cloud` as it would of the bed itself.
 */
export function cloudTestBedAround(runner?: ExecutionRunner): CloudTestBed {
  const bed = forFile(
    'the cloud test bed',
    () => cloudTestBed(runner),
    (started) => started.stop(),
    120_000,
  );
  return {
    get cloud() {
      return bed().cloud;
    },
    get sfn() {
      return bed().sfn;
    },
    get output() {
      return bed().output;
    },
    stop: () => bed().stop(),
  };
}

/** The test bed; `runner` plays the state machine's part in the fake's executions (by default they run forever). */
export async function cloudTestBed(runner?: ExecutionRunner): Promise<CloudTestBed> {
  const [cloud, sfn] = await Promise.all([startLocalCloud(), stepFunctionsFake(runner)]);
  const output = captureOutput();
  return {
    cloud,
    sfn,
    output,
    async stop() {
      output.restore();
      await Promise.all([sfn.stop(), cloud.stop()]);
    },
  };
}
