import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { executionArnOf, StepFunctionsExecutions } from '../shared/adapters/step-functions/execution-lookup.js';
import { restartSuffix } from '../shared/core/pipeline/upload.js';
import type { UploadStatus, VendorStatus } from '../shared/core/queries/upload-status.js';
import { startImport } from '../functions/commons/start-execution.js';
import type { WorkflowUpload } from '../functions/commons/workflow-input.js';
import {
  ADMIN_ENV,
  closedEndpoint,
  cloudTestBed,
  deployedWith,
  importWhole,
  IMPORT_FUNCTIONS,
  invoke,
  invokeFailing,
  putInInbox,
  sfnClientOf,
  STATE_MACHINE_ARN,
  uploadCompletedEvent,
  uploadToInbox,
  type CloudTestBed,
  type Deployment,
  type Handler,
} from './support/cloud.js';
import { ADMIN_FUNCTION, startLambdaStandIn, type LambdaStandIn } from './support/lambda-stand-in.js';
import { ROOT, runCli } from './support/run-cli.js';

/**
 * `lok-importer status --cloud`, and what the cloud's operators see besides: the admin function's `upload-status`
 * request joins the register (DynamoDB Local), the bucket's inbox and archive (s3rver) and the import executions,
 * described through the Step Functions fake, whose executions run the real step handlers (a timed-out one, a
 * failed one, one waiting behind it, one never started). Then the CLI through a loopback stand-in for Lambda's
 * Invoke, the step handlers' log keys and the open-upload metrics.
 */
const VENDOR = 'demo-vendor';
const sample = (name: string) => readFileSync(join(ROOT, 'samples', name), 'utf8');
const valid = (created: string) =>
  sample('club-valid.xml').replace('created="2026-11-22T02:00:00+01:00"', `created="${created}"`);

let bed: CloudTestBed;
let d: Deployment;
let h: Record<'start' | 'register' | 'apply' | 'judge' | 'totals' | 'receipt' | 'fail' | 'sweep' | 'admin', Handler>;
/** What each execution does, by the file it imports (the state machine's part, played by the test). */
const plans = new Map<string, (upload: WorkflowUpload, execution: string) => Promise<unknown>>();
const names = new Map<string, WorkflowUpload>();
const blockedSeen: { resolve?: () => void } = {};
const blocked = new Promise<void>((resolve) => {
  blockedSeen.resolve = resolve;
});
const forever = () => new Promise<never>(() => undefined);
const status = async (request: Record<string, unknown> = {}) =>
  invoke(h.admin, { action: 'upload-status', vendor: VENDOR, limit: 20, ...request }, 'VendorAdmin') as Promise<{
    ok: boolean;
    value?: VendorStatus;
    error?: { code: string };
  }>;
const byFile = (s: VendorStatus) =>
  Object.fromEntries(s.uploads.map((u) => [u.file, u])) as Record<string, UploadStatus>;

async function send(file: string, xml: string, event = true): Promise<WorkflowUpload> {
  const upload = await putInInbox(bed.cloud, d, VENDOR, file, xml);
  if (event) await invoke(h.start, uploadCompletedEvent(d.bucket, upload.source.key, VENDOR, xml), 'StartUpload');
  return upload;
}

beforeAll(async () => {
  bed = await cloudTestBed(async ({ name, input }) => {
    const { upload } = input as { upload: WorkflowUpload };
    names.set(name, upload);
    const plan = plans.get(name.includes('-r') ? `${upload.file}#restart` : upload.file);
    return plan ? plan(upload, name) : forever();
  });
  ({ d, h } = await deployedWith(
    bed.cloud,
    { vendors: [VENDOR], clubs: ['100042'] },
    { SFN_ENDPOINT: bed.sfn.endpoint, ...ADMIN_ENV, TRANSFER_ENDPOINT: await closedEndpoint() },
    { ...IMPORT_FUNCTIONS, fail: 'fail-step', admin: 'vendor-admin' },
  ));
  // The steps as the state machine passes them: the upload and the execution's name.
  const step = (handler: Handler, upload: WorkflowUpload, execution: string) => invoke(handler, { upload, execution });
  plans.set('a.xml', async (upload, execution) => {
    await importWhole(h, upload, { execution });
    return { status: 'SUCCEEDED' };
  });
  plans.set('f.xml', async (upload, execution) => {
    await step(h.register, upload, execution);
    await invoke(h.fail, { upload, execution, error: { Error: 'StepFailed', Cause: '{}' } });
    return { status: 'FAILED', error: { Error: 'ImportFailed' } };
  });
  // Applied, then the execution timed out in Judge: the upload stays at stage applied, in the inbox.
  plans.set('b.xml', async (upload, execution) => {
    for (const s of [h.register, h.apply]) await step(s, upload, execution);
    return { status: 'TIMED_OUT', error: { Error: 'States.Timeout' } };
  });
  // Registered; its apply waits for b.xml (UploadBlocked, retried): the execution runs on.
  plans.set('c.xml', async (upload, execution) => {
    await step(h.register, upload, execution);
    expect((await invokeFailing(h.apply, { upload, execution })).Error).toBe('UploadBlocked');
    blockedSeen.resolve!();
    return forever();
  });
  plans.set('b.xml#restart', forever);

  // S3 dates to the second: a second apart, the uploads' order is the order they are sent in.
  const a = await send('a.xml', valid('2026-11-24T02:00:00+01:00'));
  expect(await bed.sfn.finished(a.uploadId)).toEqual({ status: 'SUCCEEDED' });
  await sleep(1100);
  const f = await send(
    'f.xml',
    valid('2026-11-24T03:00:00+01:00').replace('<Place>Exempelvallen</Place>', '<Place>Nya vallen</Place>'),
  );
  await bed.sfn.finished(f.uploadId);
  await sleep(1100);
  const b = await send(
    'b.xml',
    valid('2026-11-24T04:00:00+01:00').replace('<FirstName>Åsa</FirstName>', '<FirstName>Åsa Maria</FirstName>'),
  );
  await bed.sfn.finished(b.uploadId);
  await sleep(1100);
  await send('c.xml', valid('2026-11-24T05:00:00+01:00'));
  await blocked;
  // Never started (its event lost), and a dropped session's leftover: no event, no execution.
  await sleep(1100);
  await send('d.xml', valid('2026-11-24T06:00:00+01:00'), false);
  await sleep(1100);
  await uploadToInbox(bed.cloud, d.bucket, `inbox/${VENDOR}/p.xml`, '<?xml version="1.0"?><Import', false);
}, 180_000);

afterAll(() => bed?.stop());

describe("status in the cloud: the admin function's upload-status request", () => {
  it('joins the ledger, the inbox, the archive, the blocker and each import execution, one sentence per upload', async () => {
    const result = await status();
    expect(result.ok).toBe(true);
    const s = result.value!;
    expect(s.mode).toBe('cloud');
    expect(s.uploads.map((u) => [u.file, u.situation])).toEqual([
      ['p.xml', 'partial'],
      ['d.xml', 'never-started'],
      ['c.xml', 'waiting'],
      ['b.xml', 'stopped'],
      ['f.xml', 'failed'],
      ['a.xml', 'imported'],
    ]);
    const {
      a,
      b,
      c,
      d: never,
      f,
      p,
    } = Object.fromEntries(Object.entries(byFile(s)).map(([k, v]) => [k.replace('.xml', ''), v])) as Record<
      string,
      UploadStatus
    >;
    expect(a).toMatchObject({
      inInbox: false,
      archived: true,
      ledger: { stage: 'done', status: 'applied' },
      execution: { name: a!.uploadId, status: 'SUCCEEDED' },
    });
    expect(a!.execution!.stoppedAt).toBeDefined();
    expect(f).toMatchObject({
      inInbox: false,
      archived: true,
      ledger: { stage: 'done', status: 'failed' },
      execution: { status: 'FAILED', error: 'ImportFailed' },
    });
    expect(f!.summary).toBe('failed: IMPORT_FAILED receipt written; send the file again');
    expect(b).toMatchObject({
      inInbox: true,
      archived: true,
      ledger: { stage: 'applied' },
      execution: { name: b!.uploadId, status: 'TIMED_OUT', error: 'States.Timeout' },
    });
    expect(b!.restart).toBeUndefined();
    expect(b!.summary).toBe(
      `stopped at stage applied: execution ${b!.uploadId} TIMED_OUT (States.Timeout); the nightly reconciliation restarts it from the archive once unfinished for 2 hours`,
    );
    expect(c).toMatchObject({
      inInbox: true,
      archived: true,
      ledger: { stage: 'queued' },
      execution: { status: 'RUNNING' },
      waitingFor: { uploadId: b!.uploadId, file: 'b.xml', stage: 'applied' },
    });
    expect(c!.summary).toBe(
      `waiting for upload ${b!.uploadId} (b.xml, applied) — its execution TIMED_OUT (States.Timeout): the nightly reconciliation restarts it`,
    );
    expect(never).toMatchObject({ inInbox: true, archived: false, completed: true });
    expect(never!.ledger).toBeUndefined();
    expect(never!.execution).toBeUndefined();
    expect(never!.summary).toBe(
      "in the inbox, never started: the nightly sweep starts it, or check the starter's dead-letter queue",
    );
    expect(p).toMatchObject({ inInbox: true, completed: false });
    expect(p!.summary).toMatch(/^in the inbox, a partial upload \(the SFTP session dropped\)/);
    // Open: every upload not done, in the ledger or the inbox (the partial leftover until it is removed).
    expect(s).toMatchObject({ vendor: VENDOR, open: 4, oldestCompletedAt: b!.completedAt });
    // d.xml was looked for under its own name and tonight's restart name, and found under neither.
    const today = systemClock().today;
    expect(bed.sfn.described).toEqual(
      expect.arrayContaining([
        executionArnOf(STATE_MACHINE_ARN, never!.uploadId!),
        executionArnOf(STATE_MACHINE_ARN, `${never!.uploadId!}${restartSuffix(today)}`),
      ]),
    );
  });

  it('finds the nightly restart by its name (<id>-r<YYYYMMDD>): the stuck upload runs again, and the one behind it is told so', async () => {
    const before = byFile((await status()).value!);
    const b = before['b.xml']!;
    const sfnClient = sfnClientOf(bed.sfn.endpoint);
    try {
      const restart = `${b.uploadId}${restartSuffix(systemClock().today)}`;
      const upload = {
        vendor: VENDOR,
        uploadId: b.uploadId!,
        file: 'b.xml',
        completedAt: b.completedAt,
        bytes: 1,
        source: { bucket: d.bucket, key: `archive/${VENDOR}/${b.uploadId}/b.xml`, lastModified: b.completedAt },
      };
      expect(await startImport(sfnClient, STATE_MACHINE_ARN, upload, restartSuffix(systemClock().today))).toBe(
        'started',
      );
      const after = byFile((await status()).value!);
      expect(after['b.xml']).toMatchObject({
        situation: 'running',
        execution: { status: 'TIMED_OUT' },
        restart: { name: restart, status: 'RUNNING' },
      });
      expect(after['b.xml']!.summary).toMatch(
        new RegExp(`^running: at stage applied \\(execution ${restart} RUNNING since .+\\)$`),
      );
      expect(after['c.xml']!.summary).toBe(`waiting for upload ${b.uploadId} (b.xml, applied) — it is running`);
      // The adapter on its own: an execution that does not exist is undefined, not an error.
      const lookup = new StepFunctionsExecutions(sfnClient, STATE_MACHINE_ARN);
      expect(await lookup.describe('u-nothing')).toBeUndefined();
      expect(await lookup.describe(restart)).toMatchObject({
        name: restart,
        status: 'RUNNING',
        startedAt: expect.any(String),
      });
    } finally {
      sfnClient.destroy();
    }
  });

  it('answers for one upload; refuses an unknown vendor or upload by code, and a request outside the schema', async () => {
    const all = (await status()).value!;
    const c = byFile(all)['c.xml']!;
    expect((await status({ upload: c.uploadId })).value!.uploads).toEqual([
      expect.objectContaining({ uploadId: c.uploadId, situation: 'waiting' }),
    ]);
    expect((await status({ limit: 2 })).value!.uploads.map((u) => u.file)).toEqual(['p.xml', 'd.xml']);
    expect(await status({ vendor: 'nobody' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_VENDOR' } });
    expect(await status({ upload: 'u-nothing' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_UPLOAD' } });
    expect(await status({ limit: 0 })).toMatchObject({ ok: false, error: { code: 'INVALID_ADMIN_INPUT' } });
  });
});

describe('lok-importer status --cloud (the built CLI → a loopback stand-in for Lambda → the admin function)', () => {
  let lambda: LambdaStandIn;
  beforeAll(async () => {
    lambda = await startLambdaStandIn(ADMIN_FUNCTION, h.admin);
  });
  afterAll(() => lambda?.close());

  const lok = (args: string[]) =>
    runCli([...args, '--cloud'], {
      env: {
        ...Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.startsWith('LOK_') && !k.startsWith('AWS_')),
        ),
        LOK_ADMIN_FUNCTION: ADMIN_FUNCTION,
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        AWS_REGION: 'eu-north-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        LOK_LOCAL_DIR: '/nonexistent',
      },
    });

  it("prints the cloud's status, one line per upload with its execution; exit 0, 1 when unknown", async () => {
    const result = await lok(['status', '--vendor', VENDOR]);
    expect(result.stderr).toBe(
      "register: the AWS deployment's, through its admin function LokImporter-test-VendorAdminFunction\n",
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^vendor ${VENDOR} in the cloud, .+: 4 open upload\\(s\\), the oldest completed .+ \\(.+ ago\\)$`),
    );
    const says = lines.slice(1).filter((l) => !l.startsWith('    '));
    expect(says.map((l) => l.split('  ')[1])).toEqual(['p.xml', 'd.xml', 'c.xml', 'b.xml', 'f.xml', 'a.xml']);
    expect(says[1]).toMatch(
      /^u-[0-9a-f]{48} {2}d\.xml {2}completed .+: in the inbox, never started: the nightly sweep starts it, or check the starter's dead-letter queue$/,
    );
    expect(says[2]).toMatch(/: waiting for upload u-[0-9a-f]{48} \(b\.xml, applied\) — it is running$/);
    const facts = lines.slice(1).filter((l) => l.startsWith('    '));
    expect(facts[1]).toMatch(/^ {4}ledger: none; file: in the inbox; execution u-[0-9a-f]{48}: NOT_FOUND$/);
    expect(facts[3]).toMatch(
      /execution u-[0-9a-f]{48}: TIMED_OUT \(States\.Timeout\) since .+ until .+; execution u-[0-9a-f]{48}-r\d{8}: RUNNING since /,
    );
    expect(result.stdout).not.toMatch(/201003151238|Åsa|Öberg/);
    expect(JSON.parse((await lok(['status', '--vendor', VENDOR, '--json'])).stdout)).toMatchObject({
      vendor: VENDOR,
      mode: 'cloud',
      open: 4,
    });
    expect(await lok(['status', '--vendor', 'nobody'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^UNKNOWN_VENDOR: /m),
    });
    expect(await lok(['status', '--vendor', VENDOR, '--upload', 'u-nothing'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^UNKNOWN_UPLOAD: /m),
    });
  }, 60_000);
});

describe('what operators see in the logs and metrics', () => {
  const lines = () =>
    bed.output
      .text()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("every step handler's log line carries vendor, upload id and execution name, cleared after the invocation", async () => {
    const c = names.get([...names.keys()].find((n) => names.get(n)!.file === 'c.xml')!)!;
    // Apply of c.xml failed as blocked: its error line names the upload and the execution.
    const blockedLine = lines().find((l) => l.message === 'step failed' && l.error === 'UploadBlocked');
    expect(blockedLine).toMatchObject({
      vendor: VENDOR,
      uploadId: c.uploadId,
      execution: c.uploadId,
      function_name: 'lok-importer-step',
    });
    // MarkFailed of f.xml: its own line, with its keys.
    const f = [...names.values()].find((u) => u.file === 'f.xml')!;
    expect(lines().find((l) => l.message === 'upload failed')).toMatchObject({
      vendor: VENDOR,
      uploadId: f.uploadId,
      execution: f.uploadId,
    });
    // The next invocation of a warm function (the same logger) carries none of them.
    await status();
    const admin = lines()
      .filter((l) => l.message === 'admin')
      .at(-1)!;
    expect(admin).toMatchObject({ action: 'upload-status', ok: true });
    expect(admin).not.toHaveProperty('uploadId');
    expect(admin).not.toHaveProperty('execution');
    expect(admin).not.toHaveProperty('vendor');
  });

  it("the apply step and the nightly sweep publish open uploads and the oldest one's age, per vendor and over all", async () => {
    const before = lines().length;
    await invoke(h.sweep, { runId: 'night-1' }, 'Sweep');
    const emf = (from: number) =>
      lines()
        .slice(from)
        .filter((l) => '_aws' in l);
    const swept = emf(before);
    // Every open upload of the vendor: b.xml and c.xml in the ledger and the inbox, d.xml and p.xml in the inbox.
    expect(swept.find((l) => 'OpenUploads' in l)).toMatchObject({
      service: 'lok-importer',
      vendor: VENDOR,
      OpenUploads: 4,
    });
    const ages = swept.filter((l) => 'OldestOpenUploadAgeSeconds' in l);
    expect(ages).toHaveLength(2);
    expect(ages.find((l) => !('vendor' in l))).toMatchObject({ service: 'lok-importer' });
    expect(ages.find((l) => 'vendor' in l)!.OldestOpenUploadAgeSeconds).toBe(
      ages.find((l) => !('vendor' in l))!.OldestOpenUploadAgeSeconds,
    );
    expect(ages[0]!.OldestOpenUploadAgeSeconds).toBeGreaterThan(0);
    // The apply step measured its vendor on each attempt (c.xml's blocked apply saw b.xml and itself in the inbox).
    expect(
      emf(0)
        .filter((l) => l.vendor === VENDOR && 'OpenUploads' in l)
        .map((l) => l.OpenUploads),
    ).toEqual(expect.arrayContaining([1, 2]));
  });
});
