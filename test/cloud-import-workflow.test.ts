import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { inboxUploadOf } from '../shared/adapters/s3/s3-uploads.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import { readStaged, stagedKey, type StagedApply } from '../shared/core/pipeline/staging.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import { type LedgerEntry } from '../shared/core/pipeline/upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import type { WorkflowUpload } from '../functions/commons/workflow-input.js';
import {
  captureOutput,
  coldStart,
  freshDeployment,
  IMPORT_FUNCTIONS,
  invoke,
  onboardIn,
  uploadCompletedEvent,
  uploadToInbox,
  cloudTestBed,
  type CloudTestBed,
  type Deployment,
  type ImportFunctions,
  type LocalCloud,
} from './support/cloud.js';
import { noWait, registerFor } from './support/pipeline.js';
import { ROOT } from './support/run-cli.js';
import type { StepFunctionsFake } from './support/step-functions-fake.js';
import { stringSource } from './support/string-source.js';

const FUNCTIONS = IMPORT_FUNCTIONS;
type Functions = ImportFunctions;

const VENDOR = 'demo-vendor';
const CLUBS = ['100042', '100043'];
const sample = (name: string) => readFileSync(join(ROOT, 'samples', name), 'utf8');

/** The upload's steps, in the state machine's order, each given `{ upload }` as its task payload is built. */
async function runSteps(h: Functions, upload: WorkflowUpload): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  results.Register = await invoke(h.register, { upload }, 'RegisterStep');
  results.Apply = await invoke(h.apply, { upload }, 'ApplyStep');
  results.Judge = await invoke(h.judge, { upload }, 'JudgeStep');
  results.Totals = await invoke(h.totals, { upload }, 'TotalsStep');
  results.Receipt = await invoke(h.receipt, { upload }, 'ReceiptStep');
  return results;
}

/** A receipt without its times (when it was received and written differ between any two runs). */
function timeless(receipt: Receipt) {
  const { receivedAt: _r, completedAt: _c, ...rest } = receipt;
  return rest;
}

/** Every verdict of every club period the upload's activities are in. */
async function allVerdicts(d: Deployment, up: WorkflowUpload) {
  const staged = await readStaged<StagedApply>(d.ports.objects, stagedKey(up, 'apply'));
  const periods = [...new Set(staged.activities.map((a) => `${a.club}|${a.period}`))].sort();
  return (
    await Promise.all(periods.map((cp) => d.ports.store.verdictsOf(cp.split('|')[0]!, cp.split('|')[1]!)))
  ).flat();
}

describe("the import workflow's handlers on DynamoDB Local and s3rver", () => {
  let cloud: LocalCloud;
  let sfn: StepFunctionsFake;
  let output: ReturnType<typeof captureOutput>;

  /** A fresh deployment with the vendor onboarded, and the functions cold-started in it. */
  async function deploy(): Promise<{ d: Deployment; h: Functions }> {
    const d = await freshDeployment(cloud);
    await onboardIn(d.ports.admin, [VENDOR, 'other-vendor'], CLUBS);
    const h = await coldStart(d.env({ SFN_ENDPOINT: sfn.endpoint }), FUNCTIONS);
    return { d, h };
  }

  /** Puts a file in the vendor's inbox as Transfer Family does and delivers its completed event to the starter. */
  async function upload(d: Deployment, h: Functions, file: string, xml: string): Promise<WorkflowUpload> {
    const key = `inbox/${VENDOR}/${file}`;
    await uploadToInbox(cloud, d.bucket, key, xml);
    const before = sfn.started.length;
    const started = (await invoke(h.start, uploadCompletedEvent(d.bucket, key, VENDOR, xml), 'StartUpload')) as {
      started: boolean;
      uploadId: string;
    };
    expect(started.started).toBe(true);
    expect(sfn.started.length).toBe(before + 1);
    const execution = sfn.started.at(-1)!;
    expect(execution.name).toBe(started.uploadId);
    return (execution.input as { upload: WorkflowUpload }).upload;
  }

  const receiptIn = async (d: Deployment, upload: WorkflowUpload) =>
    JSON.parse((await d.ports.objects.get(receiptKey(upload)))!) as Receipt;

  let bed: CloudTestBed;
  beforeAll(async () => {
    ({ cloud, sfn, output } = bed = await cloudTestBed());
  }, 120_000);

  afterAll(() => bed?.stop());

  it('imports uploads from event to receipt, step by step, exactly as the local pipeline does', async () => {
    const { d, h } = await deploy();
    const local = await registerFor(cloud.dynamodb, [VENDOR, 'other-vendor'], CLUBS);
    try {
      for (const file of ['club-valid.xml', 'club-errors.xml']) {
        const xml = sample(file);
        const key = `inbox/${VENDOR}/${file}`;
        const up = await upload(d, h, file, xml);
        // The execution's input is what the starter read from S3: the inbox object's upload, and the event's size.
        expect(up).toEqual({ ...inboxUploadOf((await d.ports.uploads.head(key))!), bytes: Buffer.byteLength(xml) });

        const results = await runSteps(h, up);
        expect(results).toEqual({
          Register: { stage: 'queued' },
          Apply: { status: file === 'club-valid.xml' ? 'applied' : 'partially_applied', errors: expect.any(Number) },
          Judge: { clubPeriods: expect.any(Number) },
          Totals: { totalled: true },
          Receipt: { status: file === 'club-valid.xml' ? 'applied' : 'partially_applied', errors: expect.any(Number) },
        });
        // Copied to the archive, byte for byte, and out of the inbox once done.
        expect(await d.ports.uploads.head(key)).toBeUndefined();
        expect(await d.ports.objects.get(archiveKey(up))).toBe(xml);

        expect(receiptKey(up)).toBe(`outbox/${VENDOR}/${file}.receipt.json`);
        const got = await receiptIn(d, up);
        const want = await runImport(local.ports, up, () => stringSource(file, xml), systemClock(), noWait);
        if (want.kind !== 'done') throw new Error(`the local pipeline did not finish ${file}`);
        expect(timeless(got)).toEqual(timeless(want.receipt));
        expect(got.receivedAt <= got.completedAt).toBe(true);
        expect(await d.ports.objects.get(receiptKey(up, 'txt'))).toContain(file);
        const entry = await d.ports.store.upload(VENDOR, up.uploadId, up.completedAt);
        expect(entry).toMatchObject({
          stage: 'done',
          status: got.status,
          finishedAt: got.completedAt,
        } satisfies Partial<LedgerEntry>);
      }
      expect(await d.ports.store.unfinishedUploads(VENDOR)).toEqual([]);
    } finally {
      local.dispose();
    }
  }, 60_000);

  it('runs every step twice with the same result, and again after the receipt without changing it', async () => {
    const { d, h } = await deploy();
    const xml = sample('club-errors.xml');
    const up = await upload(d, h, 'club-errors.xml', xml);
    // The same event again (EventBridge delivers at least once): no second execution.
    const again = await invoke(h.start, uploadCompletedEvent(d.bucket, `inbox/${VENDOR}/club-errors.xml`, VENDOR, xml));
    expect(again).toMatchObject({ uploadId: up.uploadId });
    expect(sfn.started.filter((e) => e.name === up.uploadId)).toHaveLength(1);

    for (const [name, handler] of [
      ['register', h.register],
      ['apply', h.apply],
      ['judge', h.judge],
      ['totals', h.totals],
      ['receipt', h.receipt],
    ] as const) {
      const first = await invoke(handler, { upload: up });
      const second = await invoke(handler, { upload: up });
      expect(second, name).toEqual(first);
    }
    const receipt = await d.ports.objects.get(receiptKey(up));
    const text = await d.ports.objects.get(receiptKey(up, 'txt'));
    const verdicts = () => allVerdicts(d, up);
    const before = await verdicts();
    expect(before.length).toBeGreaterThan(0);

    // The whole workflow again, as a redriven execution would run it: nothing changes.
    const rerun = await runSteps(h, up);
    expect(rerun.Receipt).toEqual({
      status: 'partially_applied',
      errors: (JSON.parse(receipt!) as Receipt).errors.length,
    });
    expect(await d.ports.objects.get(receiptKey(up))).toBe(receipt);
    expect(await d.ports.objects.get(receiptKey(up, 'txt'))).toBe(text);
    expect(await verdicts()).toEqual(before);
    expect(await d.ports.store.upload(VENDOR, up.uploadId, up.completedAt)).toMatchObject({
      stage: 'done',
      status: 'partially_applied',
    });
  }, 60_000);

  it('imports an upload whose inbox object is gone after its archive copy (removed by the vendor, or a retry)', async () => {
    const { d, h } = await deploy();
    const xml = sample('club-valid.xml');
    const up = await upload(d, h, 'club-valid.xml', xml);
    // An earlier attempt copied the object and timed out before the ledger entry; then the object went.
    await d.ports.uploads.copyToArchive(up);
    await d.ports.uploads.removeFromInbox(up);
    expect(await d.ports.uploads.head(up.source.key)).toBeUndefined();
    expect(await invoke(h.register, { upload: up })).toEqual({ stage: 'queued' });
    const results = await runSteps(h, up);
    expect(results.Receipt).toEqual({ status: 'applied', errors: 0 });
  });

  it("starts nothing for an upload that is not a completed upload into the uploader's own inbox", async () => {
    const { d, h } = await deploy();
    const xml = sample('club-valid.xml');
    const before = sfn.started.length;
    // A key in another vendor's folder (the scope-down policy forbids it; the starter does not trust that alone).
    await uploadToInbox(cloud, d.bucket, 'inbox/other-vendor/club-valid.xml', xml);
    expect(
      await invoke(h.start, uploadCompletedEvent(d.bucket, 'inbox/other-vendor/club-valid.xml', VENDOR, xml.length)),
    ).toEqual({ started: false, reason: 'not-in-inbox' });
    // Outside any inbox, or in a sub-folder of one.
    await uploadToInbox(cloud, d.bucket, `inbox/${VENDOR}/sub/club-valid.xml`, xml);
    expect(
      await invoke(h.start, uploadCompletedEvent(d.bucket, `inbox/${VENDOR}/sub/club-valid.xml`, VENDOR, xml.length)),
    ).toEqual({ started: false, reason: 'not-in-inbox' });
    // A dropped session's event, and an event of another server's bucket.
    expect(
      await invoke(h.start, uploadCompletedEvent(d.bucket, `inbox/${VENDOR}/x.xml`, VENDOR, 10, 'FAILED')),
    ).toEqual({ started: false, reason: 'not-a-completed-upload' });
    expect(
      await invoke(h.start, uploadCompletedEvent('someone-elses-bucket', `inbox/${VENDOR}/x.xml`, VENDOR, 10)),
    ).toEqual({ started: false, reason: 'not-a-completed-upload' });
    // A repeated event while the upload's workflow runs starts nothing more; a late one after it is done finds
    // no such version in the inbox.
    const up = await upload(d, h, 'club-valid.xml', xml);
    await invoke(h.register, { upload: up });
    await invoke(h.start, uploadCompletedEvent(d.bucket, `inbox/${VENDOR}/club-valid.xml`, VENDOR, xml));
    expect(sfn.started.length).toBe(before + 1);
    for (const step of [h.apply, h.judge, h.totals, h.receipt]) await invoke(step, { upload: up });
    expect(
      await invoke(h.start, uploadCompletedEvent(d.bucket, `inbox/${VENDOR}/club-valid.xml`, VENDOR, xml)),
    ).toEqual({ started: false, reason: 'no-longer-in-inbox' });
    expect(sfn.started.length).toBe(before + 1);
  });

  it('imports a file sent again under the same name as a new upload (no versioning: the time tells them apart)', async () => {
    const { d, h } = await deploy();
    const xml = sample('club-valid.xml');
    const first = await upload(d, h, 'members.xml', xml);
    await runSteps(h, first);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // S3 keeps times to the second
    const changed = xml.replace('<FirstName>Åsa</FirstName>', '<FirstName>Åsa Maria</FirstName>');
    const second = await upload(d, h, 'members.xml', changed);
    expect(second.uploadId).not.toBe(first.uploadId);
    expect((await runSteps(h, second)).Receipt).toEqual({ status: 'applied', errors: 0 });
    expect((await receiptIn(d, second)).counts.persons).toMatchObject({ updated: 1 });
  });

  it('sweeps completed uploads that never started, once they have settled, and never a partial upload', async () => {
    const { d, h } = await deploy();
    const xml = sample('club-valid.xml');
    await uploadToInbox(cloud, d.bucket, `inbox/${VENDOR}/lost-event.xml`, xml);
    await uploadToInbox(cloud, d.bucket, `inbox/${VENDOR}/dropped-session.xml`, xml.slice(0, 500), false);
    // Young uploads may still have their own event on the way.
    expect(await invoke(h.sweep, {}, 'Sweep')).toEqual({ started: 0, partial: 0 });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 11 * 60 * 1000);
      const before = sfn.started.length;
      expect(await invoke(h.sweep, {}, 'Sweep')).toEqual({ started: 1, partial: 1 });
      const swept = sfn.started.slice(before);
      expect(swept).toHaveLength(1);
      const object = (await d.ports.uploads.head(`inbox/${VENDOR}/lost-event.xml`))!;
      expect(swept[0]!.input).toEqual({ upload: { ...inboxUploadOf(object), bytes: Buffer.byteLength(xml) } });
    } finally {
      vi.useRealTimers();
    }
  });

  it("emits its metrics and logs ids, never a person's data", () => {
    const out = output.text();
    const lines = out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const metricNames = lines.flatMap((line) =>
      (
        (line._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined)?.CloudWatchMetrics ?? []
      ).flatMap((m) => m.Metrics.map((x) => x.Name)),
    );
    expect(metricNames).toEqual(
      expect.arrayContaining([
        'ImportsStarted',
        'FilesReceived',
        'FilesApplied',
        'RecordsApplied',
        'UploadToReceiptSeconds',
        'ActivitiesApproved',
        'ActivitiesRejected',
        'ActivitiesRejectedByReason',
        'SweptUploadsStarted',
        'PartialUploadsInInbox',
      ]),
    );
    expect(lines.find((line) => 'FilesReceived' in line)).toMatchObject({
      vendor: VENDOR,
      FilesReceived: 1,
      service: 'lok-importer',
    });
    expect(
      lines.some((line) => line.level === 'INFO' && line.function_name === 'StartUpload' && line.message === 'import'),
    ).toBe(true);
    const personal = [
      ...new Set(
        [
          ...sample('club-valid.xml').matchAll(/<(PersonalNumber|FirstName|LastName|Email)>([^<]+)</g),
          ...sample('club-errors.xml').matchAll(/<(PersonalNumber|FirstName|LastName|Email)>([^<]+)</g),
        ].map((m) => m[2]!),
      ),
    ];
    expect(personal.length).toBeGreaterThan(10);
    for (const value of personal) expect(out.includes(value), "a person's data in the functions' output").toBe(false);
  });
});
