import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import { orderKeyOf } from '../shared/core/pipeline/upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import type { WorkflowUpload } from '../functions/commons/workflow-input.js';
import {
  captureOutput,
  closedEndpoint,
  cloudTestBed,
  coldStart,
  deployedWith,
  importWhole,
  IMPORT_STEPS,
  invoke,
  invokeFailing,
  putInInbox,
  type CloudTestBed,
  type Deployment,
  type Handler,
  type LocalCloud,
} from './support/cloud.js';
import { ROOT } from './support/run-cli.js';
import type { StepFunctionsFake } from './support/step-functions-fake.js';

const FUNCTIONS = { ...IMPORT_STEPS, chunk: 'judge-chunk-step', fail: 'fail-step' } as const;
type Functions = { [K in keyof typeof FUNCTIONS]: Handler };

const VENDOR = 'demo-vendor';
const sample = (name: string) => readFileSync(join(ROOT, 'samples', name), 'utf8');
const second = () => new Promise((resolve) => setTimeout(resolve, 1100)); // S3 keeps times to the second

// How a step's failure reaches Step Functions: by the error's name, which the state machine's Retry and Catch match.
describe("the step handlers' errors, as the state machine sees them", () => {
  let cloud: LocalCloud;
  let output: ReturnType<typeof captureOutput>;
  let d: Deployment;
  let h: Functions;
  let sfn: StepFunctionsFake;

  /** An upload in the inbox, as the starter would hand it to the workflow. */
  const inboxUpload = (file: string, xml: string, completed = true) =>
    putInInbox(cloud, d, VENDOR, file, xml, completed);

  let bed: CloudTestBed;
  beforeAll(async () => {
    ({ cloud, sfn, output } = bed = await cloudTestBed());
    ({ d, h } = await deployedWith(
      cloud,
      { vendors: [VENDOR], clubs: ['100042', '100043'] },
      { SFN_ENDPOINT: sfn.endpoint },
      FUNCTIONS,
    ));
  }, 120_000);

  afterAll(() => bed?.stop());

  it('an S3 outage is a TransientError (retried), and the step then succeeds', async () => {
    const up = await inboxUpload('s3-outage.xml', sample('club-valid.xml'));
    const down = await coldStart(d.env({ S3_ENDPOINT: await closedEndpoint() }), FUNCTIONS);
    const error = await invokeFailing(down.register, { upload: up });
    expect(error.Error).toBe('TransientError');
    // Ids and codes only: the cause names no file.
    expect(error.Cause).not.toContain('s3-outage');
    expect(await d.ports.uploads.head(up.source.key)).toBeDefined();
    expect(await invoke(h.register, { upload: up })).toEqual({ stage: 'queued' });
    await importWhole(h, up);
  });

  it('a DynamoDB outage is a TransientError (retried), and the step then succeeds', async () => {
    const up = await inboxUpload('dynamodb-outage.xml', sample('club-errors.xml'));
    await invoke(h.register, { upload: up });
    const down = await coldStart(d.env({ DYNAMODB_ENDPOINT: await closedEndpoint() }), FUNCTIONS);
    expect((await invokeFailing(down.apply, { upload: up })).Error).toBe('TransientError');
    expect((await invokeFailing(down.judge, { upload: up })).Error).toBe('TransientError');
    for (const step of [h.apply, h.judge, h.totals, h.receipt]) await invoke(step, { upload: up });
    expect(await d.ports.store.upload(VENDOR, up.uploadId, up.completedAt)).toMatchObject({
      stage: 'done',
      status: 'partially_applied',
    });
  });

  it('a step given what it cannot work with is StepFailed (caught: the upload fails)', async () => {
    const up = await inboxUpload('early.xml', sample('club-valid.xml'));
    // Not registered yet, not applied yet, no such chunk, no upload at all.
    expect((await invokeFailing(h.apply, { upload: up })).Error).toBe('StepFailed');
    await invoke(h.register, { upload: up });
    expect((await invokeFailing(h.judge, { upload: up })).Error).toBe('StepFailed');
    expect((await invokeFailing(h.totals, { upload: up })).Error).toBe('StepFailed');
    expect((await invokeFailing(h.chunk, { upload: up, chunk: 7 })).Error).toBe('StepFailed');
    expect((await invokeFailing(h.register, {})).Error).toBe('StepFailed');
    await importWhole(h, up);
  });

  it('a missing archive is StepFailed; the catch writes an IMPORT_FAILED receipt, fails the ledger entry and frees the queue', async () => {
    const xml = sample('club-valid.xml').replace('<FirstName>Åsa</FirstName>', '<FirstName>Åsa Lena</FirstName>');
    const up = await inboxUpload('lost.xml', xml);
    await invoke(h.register, { upload: up });
    await cloud.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: archiveKey(up) }));
    const error = await invokeFailing(h.apply, { upload: up });
    expect(error.Error).toBe('StepFailed');
    expect(error.Cause).not.toContain('lost.xml');

    // The state machine's catch: `{ upload, error }` (the error at `$.error`) to MarkFailed.
    expect(await invoke(h.fail, { upload: up, error })).toEqual({ failed: true });
    const receipt = JSON.parse((await d.ports.objects.get(receiptKey(up)))!) as Receipt;
    expect(receipt).toMatchObject({
      file: 'lost.xml',
      vendor: VENDOR,
      status: 'rejected',
      errors: [{ code: 'IMPORT_FAILED' }],
      activities: [],
    });
    expect(await d.ports.store.upload(VENDOR, up.uploadId, up.completedAt)).toMatchObject({
      stage: 'done',
      status: 'failed',
    });
    // MarkFailed retried (a transient error after it wrote): the same receipt.
    const text = await d.ports.objects.get(receiptKey(up));
    await invoke(h.fail, { upload: up, error });
    expect(await d.ports.objects.get(receiptKey(up))).toBe(text);

    // The failed upload holds nothing up: the vendor's next file is applied.
    const next = await inboxUpload('lost-again.xml', xml);
    await importWhole(h, next);
    expect(JSON.parse((await d.ports.objects.get(receiptKey(next)))!)).toMatchObject({ status: 'applied' });
  });

  it('apply waits (UploadBlocked) for an earlier completed upload still in the inbox, never for a partial one', async () => {
    await inboxUpload('dropped.xml', sample('club-valid.xml').slice(0, 400), false);
    const earlier = await inboxUpload('earlier.xml', sample('club-errors.xml'));
    await second();
    const later = await inboxUpload(
      'later.xml',
      sample('club-valid.xml').replace('<FirstName>Åsa</FirstName>', '<FirstName>Åsa Kim</FirstName>'),
    );
    await invoke(h.register, { upload: later });
    expect((await invokeFailing(h.apply, { upload: later })).Error).toBe('UploadBlocked');
    // Its event had not come: apply started its workflow (once however often it asks), not the partial one's.
    expect(sfn.started.filter((e) => e.name === earlier.uploadId)).toHaveLength(1);
    expect(sfn.started.map((e) => (e.input as { upload: WorkflowUpload }).upload.file)).not.toContain('dropped.xml');
    expect((await invokeFailing(h.apply, { upload: later })).Error).toBe('UploadBlocked');
    expect(sfn.started.filter((e) => e.name === earlier.uploadId)).toHaveLength(1);
    // The earlier one's workflow registers it: the later one still waits, for it in the inbox and in the ledger.
    await invoke(h.register, { upload: earlier });
    const blocked = await invokeFailing(h.apply, { upload: later });
    expect(blocked.Error).toBe('UploadBlocked');
    expect(blocked.Cause).toContain(earlier.uploadId);
    for (const step of [h.apply, h.judge, h.totals, h.receipt]) await invoke(step, { upload: earlier });
    // The earlier one is done: the later one goes ahead (the partial upload in the inbox is no upload).
    for (const step of [h.apply, h.judge, h.totals, h.receipt]) await invoke(step, { upload: later });
    expect(await d.ports.store.unfinishedUploads(VENDOR)).toEqual([]);
  });

  it('orders two uploads completed within the same second as the ledger does: by upload id', async () => {
    const xml = (name: string) =>
      sample('club-valid.xml').replace('<FirstName>Åsa</FirstName>', `<FirstName>${name}</FirstName>`);
    let pair: WorkflowUpload[] = [];
    for (let attempt = 0; pair.length === 0; attempt++) {
      const a = await inboxUpload(`same-second-a${attempt}.xml`, xml('Åsa Li'));
      const b = await inboxUpload(`same-second-b${attempt}.xml`, xml('Åsa Bo'));
      if (a.completedAt === b.completedAt) pair = [a, b];
      else
        for (const up of [a, b]) await cloud.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: up.source.key }));
    }
    const [earlier, later] = pair.sort((x, y) => (orderKeyOf(x) < orderKeyOf(y) ? -1 : 1)) as [
      WorkflowUpload,
      WorkflowUpload,
    ];
    await invoke(h.register, { upload: later });
    expect(await invokeFailing(h.apply, { upload: later })).toMatchObject({
      Error: 'UploadBlocked',
      Cause: expect.stringContaining(earlier.uploadId),
    });
    await importWhole(h, earlier);
    await importWhole(h, later);
    const [first, then] = await Promise.all(
      [earlier, later].map((up) => d.ports.store.upload(VENDOR, up.uploadId, up.completedAt)),
    );
    expect([first?.status, then?.status]).toEqual(['applied', 'applied']);
    expect(first!.finishedAt! < then!.finishedAt!).toBe(true);
  });

  it("logs the failures by name and code, never a file name or a person's data", () => {
    const out = output.text();
    const failures = out
      .split('\n')
      .filter((line) => line.includes('"step failed"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(new Set(failures.map((f) => f.error))).toEqual(new Set(['TransientError', 'StepFailed', 'UploadBlocked']));
    for (const name of ['s3-outage', 'dynamodb-outage', 'early.xml', 'lost.xml', 'earlier.xml', 'later.xml'])
      expect(out).not.toContain(name);
    for (const [, value] of sample('club-valid.xml').matchAll(/<(?:PersonalNumber|FirstName|LastName|Email)>([^<]+)</g))
      expect(out).not.toContain(value);
  });
});
