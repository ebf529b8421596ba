import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { generateImport } from '../shared/core/generate/generate-import.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { LARGE_FILE_BYTES } from '../shared/core/pipeline/import-steps.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import { stagedKey } from '../shared/core/pipeline/staging.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import type { WorkflowUpload } from '../functions/commons/workflow-input.js';
import {
  closedEndpoint,
  cloudTestBed,
  coldStart,
  deployedWith,
  failAfterApply,
  invoke,
  putInInbox as putInInboxOf,
  startExecution as startExecutionIn,
  STATE_MACHINE_ARN,
  uploadCompletedEvent,
  type CloudTestBed,
  type Deployment,
  type Handler,
  type LocalCloud,
} from './support/cloud.js';
import {
  executionRunner,
  statesEntered,
  synthesizedMachines,
  type ExecutionRecord,
  type LocalExecutionOptions,
  type TaskHook,
} from './support/local-step-functions.js';
import { noWait, registerFor } from './support/pipeline.js';
import { ROOT } from './support/run-cli.js';
import type { ExecutionRunner, StepFunctionsFake } from './support/step-functions-fake.js';
import { stringSource } from './support/string-source.js';

// Every handler the two state machines call, and the starter, by file under functions/.
const FILES = [
  'start-upload',
  'register-step',
  'apply-step',
  'apply-read-step',
  'apply-unit-step',
  'apply-join-step',
  'judge-step',
  'judge-split-step',
  'judge-chunk-step',
  'judge-join-step',
  'totals-step',
  'receipt-step',
  'fail-step',
  'wait-turn-step',
  'sweep-inbox',
  'reconcile-plan-uploads',
  'reconcile-upload',
  'reconcile-upload-failed',
  'reconcile-plan-clubs',
  'reconcile-clubs',
  'reconcile-purge',
  'reconcile-report',
] as const;
const RECONCILIATION_ARN = STATE_MACHINE_ARN.replace(':ImportWorkflow', ':Reconciliation');
/** A night with unfinished uploads and clubs: both halves fanned out. */
const NIGHT = [
  'SweepInboxes',
  'PlanUploads',
  'AnyUploads',
  'ReconcileUploads',
  'PlanClubs',
  'AnyClubs',
  'ReconcileClubs',
  'Purge',
  'Report',
];
/** A large file's way through Apply (read, a Distributed Map of units, join), and then into its judge's. */
const LARGE_APPLY = ['Register', 'LargeFileApply', 'ApplyRead', 'ApplyUnits', 'ApplyJoin'];
const LARGE_JUDGE = ['LargeFile', 'JudgeSplit', 'JudgeChunks'];
const VENDOR = 'demo-vendor';
const CLUBS = ['100042', '100043'];
const sample = (name: string) => readFileSync(join(ROOT, 'samples', name), 'utf8');
const second = () => new Promise((resolve) => setTimeout(resolve, 1100)); // S3 keeps times to the second

function timeless(receipt: Receipt) {
  const { receivedAt: _r, completedAt: _c, ...rest } = receipt;
  return rest;
}

/** A deployment of its own, the handlers cold-started in it, and the synthesized machines bound to them. */
interface Scenario {
  readonly d: Deployment;
  readonly h: Record<(typeof FILES)[number], Handler>;
  readonly records: Map<string, ExecutionRecord>;
  /** Options of this scenario's executions (a hook, retry waits); set before the upload. */
  options: Partial<LocalExecutionOptions>;
}

describe('the synthesized state machines, executed with the real handlers on DynamoDB Local and s3rver', () => {
  let cloud: LocalCloud;
  let sfn: StepFunctionsFake;
  let bed: CloudTestBed;
  let runner: ExecutionRunner | undefined;

  beforeAll(async () => {
    ({ cloud, sfn } = bed = await cloudTestBed((execution) => runner!(execution)));
  }, 120_000);

  afterAll(() => bed?.stop());

  async function scenario(env: Record<string, string> = {}): Promise<Scenario> {
    const { d, h } = await deployedWith(
      cloud,
      { vendors: [VENDOR], clubs: CLUBS },
      { SFN_ENDPOINT: sfn.endpoint, ...env },
      Object.fromEntries(FILES.map((f) => [f, f])) as Record<(typeof FILES)[number], string>,
    );
    const machines = synthesizedMachines({ bucket: d.bucket });
    const s: Scenario = { d, h, records: new Map(), options: {} };
    runner = (execution) =>
      executionRunner(
        { [STATE_MACHINE_ARN]: machines.import, [RECONCILIATION_ARN]: machines.reconciliation },
        { handlers: h, s3: cloud.s3, ...s.options },
        s.records,
      )(execution);
    return s;
  }

  /** A file put in the vendor's inbox as Transfer Family leaves it; its upload as the starter reads it. */
  const putInInbox = (s: Scenario, file: string, xml: string) => putInInboxOf(cloud, s.d, VENDOR, file, xml);

  /** Transfer Family's completed event delivered to the starter, which starts the execution (StartExecution). */
  async function deliverEvent(s: Scenario, upload: WorkflowUpload, xml: string): Promise<void> {
    const started = await invoke(
      s.h['start-upload'],
      uploadCompletedEvent(s.d.bucket, upload.source.key, VENDOR, xml),
      'StartUpload',
    );
    expect(started).toEqual({ started: true, uploadId: upload.uploadId });
  }

  /** Two uploads a second apart (the later one renames a person); only the later upload's event arrives. */
  async function laterOnlyDelivered(s: Scenario): Promise<{ earlier: WorkflowUpload; later: WorkflowUpload }> {
    const earlierXml = sample('club-valid.xml');
    const laterXml = earlierXml.replace('<FirstName>Åsa</FirstName>', '<FirstName>Åsa Kim</FirstName>');
    const earlier = await putInInbox(s, 'earlier.xml', earlierXml);
    await second();
    const later = await putInInbox(s, 'later.xml', laterXml);
    await deliverEvent(s, later, laterXml);
    return { earlier, later };
  }

  const finished = async (name: string) => sfn.finished(name) as Promise<ExecutionRecord>;

  /** StartExecution through the SDK, as the starter, the apply step or the nightly schedule sends it. */
  const startExecution = (stateMachineArn: string, name: string, input: unknown) =>
    startExecutionIn(sfn.endpoint, stateMachineArn, name, input);
  /** The upload's end as the ledger and the inbox show it: done with `status`, its inbox version removed. */
  async function expectFinished(s: Scenario, up: WorkflowUpload, status: string): Promise<void> {
    expect(await s.d.ports.store.upload(VENDOR, up.uploadId, up.completedAt)).toMatchObject({ stage: 'done', status });
    expect(await s.d.ports.uploads.head(up.source.key)).toBeUndefined();
  }
  const receiptOf = async (s: Scenario, up: WorkflowUpload) =>
    JSON.parse((await s.d.ports.objects.get(receiptKey(up)))!) as Receipt;

  /** The receipt the local pipeline writes for the same file on an empty register. */
  async function locally(up: WorkflowUpload, xml: string): Promise<Receipt> {
    const local = await registerFor(cloud.dynamodb, [VENDOR], CLUBS);
    try {
      const result = await runImport(local.ports, up, () => stringSource(up.file, xml), systemClock(), noWait);
      if (result.kind !== 'done') throw new Error('the local pipeline did not finish');
      return result.receipt;
    } finally {
      local.dispose();
    }
  }

  it("imports an upload from Transfer's completion event to Imported, every step's result kept at its ResultPath", async () => {
    const s = await scenario();
    const xml = sample('club-errors.xml');
    const up = await putInInbox(s, 'club-errors.xml', xml);
    await deliverEvent(s, up, xml);
    const record = await finished(up.uploadId);

    expect(record.status, JSON.stringify(record.events.filter((e) => e.error))).toBe('SUCCEEDED');
    expect(statesEntered(record)).toEqual([
      'Register',
      'LargeFileApply',
      'Apply',
      'LargeFile',
      'Judge',
      'Totals',
      'Receipt',
      'Imported',
    ]);
    expect(record.output).toEqual({
      upload: up,
      results: {
        Register: { stage: 'queued' },
        Apply: { status: 'partially_applied', errors: expect.any(Number) },
        Judge: { clubPeriods: expect.any(Number) },
        Totals: { totalled: true },
        Receipt: { status: 'partially_applied', errors: expect.any(Number) },
      },
    });
    expect(timeless(await receiptOf(s, up))).toEqual(timeless(await locally(up, xml)));
    await expectFinished(s, up, 'partially_applied');
  }, 60_000);

  it("retries a transient error (an S3 outage on Apply's first attempt) and then imports", async () => {
    const s = await scenario();
    const down = await coldStart(s.d.env({ SFN_ENDPOINT: sfn.endpoint, S3_ENDPOINT: await closedEndpoint() }), {
      apply: 'apply-step',
    });
    const hook: TaskHook = ({ state, attempt }) => (state === 'Apply' && attempt === 1 ? down.apply : undefined);
    s.options = { hook };
    const xml = sample('club-valid.xml');
    const up = await putInInbox(s, 'club-valid.xml', xml);
    await deliverEvent(s, up, xml);
    const record = await finished(up.uploadId);

    expect(record.status, JSON.stringify(record.events.filter((e) => e.error))).toBe('SUCCEEDED');
    expect(record.events.filter((e) => e.state === 'Apply').map((e) => [e.type, e.error])).toEqual([
      ['StateEntered', undefined],
      ['StateFailed', 'TransientError'],
      ['StateRetried', undefined],
      ['StateExited', undefined],
    ]);
    expect(statesEntered(record).at(-1)).toBe('Imported');
    expect(await receiptOf(s, up)).toMatchObject({ status: 'applied', errors: [] });
  }, 60_000);

  it('catches a permanent error (the archive gone before Apply) into MarkFailed → ImportFailed with an IMPORT_FAILED receipt', async () => {
    const s = await scenario();
    s.options = {
      hook: async ({ state, input }) => {
        if (state === 'Apply')
          await cloud.s3.send(
            new DeleteObjectCommand({
              Bucket: s.d.bucket,
              Key: archiveKey((input as { upload: WorkflowUpload }).upload),
            }),
          );
      },
    };
    const xml = sample('club-valid.xml');
    const up = await putInInbox(s, 'lost.xml', xml);
    await deliverEvent(s, up, xml);
    const record = await finished(up.uploadId);

    expect(record.status).toBe('FAILED');
    expect(record.error?.Error).toBe('ImportFailed');
    expect(statesEntered(record)).toEqual(['Register', 'LargeFileApply', 'Apply', 'MarkFailed', 'ImportFailed']);
    // Not retried: StepFailed is permanent; caught with the error at $.error.
    expect(record.events.filter((e) => e.state === 'Apply').map((e) => [e.type, e.error])).toEqual([
      ['StateEntered', undefined],
      ['StateFailed', 'StepFailed'],
      ['StateCaught', undefined],
      ['StateExited', undefined],
    ]);
    expect(await receiptOf(s, up)).toMatchObject({
      file: 'lost.xml',
      status: 'rejected',
      errors: [{ code: 'IMPORT_FAILED' }],
      activities: [],
    });
    await expectFinished(s, up, 'failed');
  }, 60_000);

  it('blocked: a later upload waits in WaitForTurn while Apply starts the earlier one whose event was lost; the earlier one hands on; both import in order', async () => {
    const s = await scenario();
    // No word for a minute would end the wait (States.Timeout, Apply again): here word comes, so it never does.
    s.options = { tokenTimeoutMs: { WaitForTurn: 60_000 } };
    const { earlier, later } = await laterOnlyDelivered(s);
    const laterRecord = await finished(later.uploadId);
    const earlierRecord = await finished(earlier.uploadId);

    expect(laterRecord.status).toBe('SUCCEEDED');
    // Woken by the earlier upload's end (its receipt step's SendTaskSuccess), not by a timeout or a retry.
    // (Woken also when the earlier one has read its clubs, the same as the later one's: it waits again.)
    const states = statesEntered(laterRecord);
    expect(states.slice(0, 4)).toEqual(['Register', 'LargeFileApply', 'Apply', 'WaitForTurn']);
    expect(states.slice(-6)).toEqual(['Apply', 'LargeFile', 'Judge', 'Totals', 'Receipt', 'Imported']);
    expect(laterRecord.events.filter((e) => e.type === 'StateRetried' || e.error === 'States.Timeout')).toEqual([]);
    expect(sfn.tokensSent.length).toBeGreaterThanOrEqual(1);
    expect(earlierRecord.status).toBe('SUCCEEDED');
    // Started by the later upload's Apply, under its own upload id.
    expect(sfn.started.map((e) => e.name)).toEqual(expect.arrayContaining([later.uploadId, earlier.uploadId]));
    const [first, next] = [await receiptOf(s, earlier), await receiptOf(s, later)];
    expect(first.status).toBe('applied');
    expect(next).toMatchObject({ status: 'applied' });
    expect(next.counts.persons).toMatchObject({ updated: 1 });
    expect(first.completedAt <= next.completedAt).toBe(true);
  }, 60_000);

  it("blocked until the night: the later upload waits, never ends without being imported, and goes on when the night's sweep starts the earlier one", async () => {
    const s = await scenario();
    // Apply and WaitForTurn cannot start the earlier upload here (deployed without the state machine's ARN): the
    // night's sweep does. Meanwhile the wait times out every 300 ms here (an hour in AWS) and Apply looks again.
    const cannotStart = await coldStart(s.d.env({ IMPORT_STATE_MACHINE_ARN: '' }), {
      apply: 'apply-step',
      wait: 'wait-turn-step',
    });
    s.options = {
      retryWaitMs: 0,
      tokenTimeoutMs: { WaitForTurn: 300 },
      hook: ({ state }) =>
        state === 'Apply' ? cannotStart.apply : state === 'WaitForTurn' ? cannotStart.wait : undefined,
    };
    const { earlier, later: laterUpload } = await laterOnlyDelivered(s);
    const record = finished(laterUpload.uploadId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await s.d.ports.objects.get(receiptKey(laterUpload))).toBeUndefined();
    expect(await s.d.ports.store.upload(VENDOR, laterUpload.uploadId, laterUpload.completedAt)).toMatchObject({
      stage: 'queued',
    });
    expect(sfn.started.map((e) => e.name)).not.toContain(earlier.uploadId);

    // The nightly schedule starts the reconciliation (14 minutes on here: s3rver refuses clocks 15 minutes apart,
    // so a stuck upload's restart after 2 h is shown by cloud-reconcile-admin.test.ts's backdated ledger entry).
    // Its sweep starts the earlier upload, whose event never came; the later one is not stuck yet and stays.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 14 * 60 * 1000);
      await startExecution(RECONCILIATION_ARN, 'night-1', {});
      const night = await finished('night-1');
      expect(night.status, JSON.stringify(night.events.filter((e) => e.error))).toBe('SUCCEEDED');
      expect(statesEntered(night)).toEqual(NIGHT);
      // The later upload (and the earlier, if its execution has registered it by then) one item each: not stuck yet.
      const items = statesEntered(night, 'ReconcileUploads');
      expect(items.length).toBeGreaterThanOrEqual(1);
      expect(new Set(items)).toEqual(new Set(['ReconcileUpload']));
      // Both clubs in one batch of the ItemBatcher, given the night's run id as BatchInput.
      expect(statesEntered(night, 'ReconcileClubs')).toEqual(['ReconcileClubBatch']);
      expect(night.output).toMatchObject({
        SweepInboxes: { started: 1 },
        PlanUploads: { uploads: items.length },
        PlanClubs: { clubs: CLUBS.length },
        Report: { uploadErrors: 0 },
      });
      expect((await finished(earlier.uploadId)).status).toBe('SUCCEEDED');
    } finally {
      vi.useRealTimers();
    }
    expect(await receiptOf(s, earlier)).toMatchObject({ status: 'applied' });
    // Handed on by the earlier upload: the later one imports, after waiting in turn (timed out meanwhile, never given up).
    const laterRecord = await record;
    expect(laterRecord.status, JSON.stringify(laterRecord.events.filter((e) => e.error))).toBe('SUCCEEDED');
    expect(statesEntered(laterRecord).slice(0, 6)).toEqual([
      'Register',
      'LargeFileApply',
      'Apply',
      'WaitForTurn',
      'LargeFileApply',
      'Apply',
    ]);
    expect(statesEntered(laterRecord).at(-1)).toBe('Imported');
    expect(laterRecord.events.some((e) => e.state === 'WaitForTurn' && e.error === 'States.Timeout')).toBe(true);
    expect(await receiptOf(s, laterUpload)).toMatchObject({ status: 'applied' });
    expect(JSON.parse((await s.d.ports.objects.get('reports/reconciliation/night-1.json'))!)).toMatchObject({
      uploads: { restarted: [], rejudged: [], errors: [] },
    });
  }, 60_000);

  it("the night goes on past an upload it cannot reconcile: its item's catch records it, the others are reconciled, the night succeeds and its report lists it", async () => {
    const s = await scenario();
    // Two uploads applied, then failed before their judge: both stale, their changes never judged.
    const stale: WorkflowUpload[] = [];
    for (const file of ['club-valid.xml', 'club-errors.xml']) {
      const up = await putInInbox(s, file, sample(file));
      await failAfterApply({ register: s.h['register-step'], apply: s.h['apply-step'], fail: s.h['fail-step'] }, up);
      stale.push(up);
    }
    const [broken, fine] = stale as [WorkflowUpload, WorkflowUpload];
    // The broken one's staged seeds cannot be read tonight (JSON.parse throws: a permanent error, not retried).
    const staged = (await s.d.ports.objects.get(stagedKey(broken, 'apply')))!;
    await s.d.ports.objects.put(stagedKey(broken, 'apply'), '{ not json');

    await startExecution(RECONCILIATION_ARN, 'night-errors', {});
    const night = await finished('night-errors');

    expect(night.status, JSON.stringify(night.events.filter((e) => e.error && !e.mapRun))).toBe('SUCCEEDED');
    expect(statesEntered(night)).toEqual(NIGHT);
    expect(night.output).toMatchObject({ PlanUploads: { uploads: 2 }, Report: { uploadErrors: 1 } });
    // One item per upload, at once; the broken one's failure caught inside its item into RecordUploadError.
    expect(statesEntered(night, 'ReconcileUploads').sort()).toEqual([
      'ReconcileUpload',
      'ReconcileUpload',
      'RecordUploadError',
    ]);
    const items = night.events.filter((e) => e.mapRun === 'ReconcileUploads' && e.state === 'ReconcileUpload');
    expect(items.filter((e) => e.type === 'StateFailed').map((e) => e.error)).toEqual(['StepFailed']);
    expect(items.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(items.filter((e) => e.type === 'StateCaught')).toHaveLength(1);
    expect(night.events.filter((e) => e.state === 'ReconcileUploads' && e.type === 'StateFailed')).toEqual([]);
    // Nor does the clubs' half stop at it: the recheck of the clubs' recent uploads leaves one still stale alone.
    expect(statesEntered(night, 'ReconcileClubs')).toEqual(['ReconcileClubBatch']);

    // The report: the other upload re-judged, the broken one in `errors` by its error's name only.
    const report = JSON.parse((await s.d.ports.objects.get('reports/reconciliation/night-errors.json'))!) as {
      uploads: unknown;
    };
    expect(report.uploads).toEqual({
      resumed: [],
      failed: [],
      blocked: [],
      rejudged: [fine.uploadId],
      restarted: [],
      errors: [{ uploadId: broken.uploadId, error: 'SyntaxError' }],
    });
    expect(await s.d.ports.store.upload(VENDOR, fine.uploadId, fine.completedAt)).not.toHaveProperty('stale');
    expect(await s.d.ports.store.upload(VENDOR, broken.uploadId, broken.completedAt)).toMatchObject({ stale: true });

    // The next night, its staged seeds readable again, re-judges it.
    await s.d.ports.objects.put(stagedKey(broken, 'apply'), staged);
    await startExecution(RECONCILIATION_ARN, 'night-after', {});
    expect((await finished('night-after')).output).toMatchObject({
      PlanUploads: { uploads: 1 },
      Report: { uploadErrors: 0 },
    });
    expect(JSON.parse((await s.d.ports.objects.get('reports/reconciliation/night-after.json'))!)).toMatchObject({
      uploads: { rejudged: [broken.uploadId], errors: [] },
    });
  }, 60_000);

  /** The execution started with the input the starter builds, but the size of a file above the large-file threshold. */
  const startAsLarge = (up: WorkflowUpload) =>
    startExecution(STATE_MACHINE_ARN, up.uploadId, { upload: { ...up, bytes: LARGE_FILE_BYTES + 1 } });

  /** The sample club file as a large upload (by its size in the input), whose item state `failingState` fails for good. */
  async function largeUploadFailingAt(failingState: 'JudgeChunk' | 'ApplyUnit', file: string) {
    const s = await scenario();
    const failing: Handler = async () => {
      throw Object.assign(new Error(`${failingState} cannot be done`), { name: 'StepFailed' });
    };
    s.options = { hook: ({ state }) => (state === failingState ? failing : undefined) };
    const up = await putInInbox(s, file, sample('club-valid.xml'));
    await startAsLarge(up);
    const record = await finished(up.uploadId);
    expect(record.status).toBe('FAILED');
    expect(await receiptOf(s, up)).toMatchObject({ status: 'rejected', errors: [{ code: 'IMPORT_FAILED' }] });
    return record;
  }

  it('a chunk failing for good fails the Distributed Map (States.ExceedToleratedFailureThreshold), caught into MarkFailed → ImportFailed', async () => {
    const record = await largeUploadFailingAt('JudgeChunk', 'large-failing.xml');
    expect(statesEntered(record)).toEqual([...LARGE_APPLY, ...LARGE_JUDGE, 'MarkFailed', 'ImportFailed']);
    expect(record.events.find((e) => e.state === 'JudgeChunks' && e.type === 'StateFailed')?.error).toBe(
      'States.ExceedToleratedFailureThreshold',
    );
    // The child's own failure, not retried (StepFailed is permanent).
    expect(
      record.events.filter((e) => e.mapRun === 'JudgeChunks' && e.type === 'StateFailed').map((e) => e.error),
    ).toEqual(['StepFailed']);
  }, 60_000);

  it('a unit failing for good: ApplyUnits waits for every unit, ApplyJoin finds the club without a result and fails into MarkFailed → ImportFailed', async () => {
    const record = await largeUploadFailingAt('ApplyUnit', 'large-unit-failing.xml');
    // The map itself tolerates the failed unit (its other units end first); the join does not.
    expect(statesEntered(record)).toEqual([...LARGE_APPLY, 'MarkFailed', 'ImportFailed']);
    expect(
      record.events.filter((e) => e.mapRun === 'ApplyUnits' && e.type === 'StateFailed').map((e) => e.error),
    ).toEqual(['StepFailed']);
    expect(record.events.find((e) => e.state === 'ApplyJoin' && e.type === 'StateFailed')?.error).toBe('StepFailed');
  }, 60_000);

  it("the large-file branch: split, the Distributed Map over the manifest's chunks, join; the receipt as the single judge writes it", async () => {
    const s = await scenario();
    const xml = [
      ...generateImport({
        clubs: CLUBS.length,
        persons: 150,
        activities: 200,
        badShare: 0.05,
        seed: 'sfn-large',
        vendor: VENDOR,
      }),
    ].join('');
    const up = await putInInbox(s, 'large.xml', xml);
    // The Choice reads `$.upload.bytes` only: the execution is started with the input the starter builds, with the
    // size of a file above the threshold (a 100 MB file would take minutes here).
    await startAsLarge(up);
    const record = await finished(up.uploadId);

    expect(record.status, JSON.stringify(record.events.filter((e) => e.error))).toBe('SUCCEEDED');
    expect(statesEntered(record)).toEqual([
      ...LARGE_APPLY,
      ...LARGE_JUDGE,
      'JudgeJoin',
      'Totals',
      'Receipt',
      'Imported',
    ]);
    // One child execution per manifest line, given `{ upload, chunk }` by the ItemSelector.
    expect(statesEntered(record, 'JudgeChunks')).toEqual(['JudgeChunk']);
    const output = record.output as { results: Record<string, unknown> };
    // The Map's result is discarded (ResultPath null); the split's manifest and count are kept.
    expect(output.results).not.toHaveProperty('JudgeChunks');
    expect(output.results.JudgeSplit).toEqual({ chunks: 1, manifest: expect.stringMatching(/\.jsonl$/) });
    expect(timeless(await receiptOf(s, up))).toEqual(timeless(await locally(up, xml)));
  }, 60_000);
});
