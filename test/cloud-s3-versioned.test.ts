import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowUpload } from '../functions/commons/workflow-input.js';
import { s3Client } from '../shared/adapters/s3/s3-client.js';
import { s3FileSource } from '../shared/adapters/s3/s3-file-source.js';
import { S3ObjectStore } from '../shared/adapters/s3/s3-object-store.js';
import {
  COMPLETED_TAG,
  inboxUploadOf,
  S3Uploads,
  uploadIdOf,
  type InboxUpload,
} from '../shared/adapters/s3/s3-uploads.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import { orderKeyOf } from '../shared/core/pipeline/upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import {
  captureOutput,
  coldStart,
  freshDeployment,
  IMPORT_FUNCTIONS,
  invoke,
  invokeFailing,
  onboardIn,
  REGION,
  s3AdaptersOf,
  uploadCompletedEvent,
  type Deployment,
  type ImportFunctions,
  type LocalCloud,
} from './support/cloud.js';
import { dynamoDbForTests } from './support/dynamodb.js';
import { ROOT } from './support/run-cli.js';
import { S3_CREDENTIALS } from './support/s3-server.js';
import { stepFunctionsFake, type StepFunctionsFake } from './support/step-functions-fake.js';
import { versionedS3, type VersionedS3 } from './support/versioned-s3.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * A clock for the fake's writes: S3 keeps times to the second, and the inbox's order is that time, so uploads a
 * test means to be apart are `tick`ed apart instead of slept apart.
 */
function testClock(start = '2026-11-25T09:00:00Z') {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    tick: (seconds = 5) => {
      at += seconds * 1000;
    },
    set: (iso: string) => {
      at = Date.parse(iso);
    },
  };
}

// The S3 adapters against a versioned bucket (test/support/versioned-s3.ts: S3's REST protocol, versions and
// delete markers as AWS documents them), as production's bucket is: the paths s3rver cannot show.
describe('the S3 adapters on a versioned bucket', () => {
  const clock = testClock();
  let s3: VersionedS3;
  let client: S3Client;
  let uploads: S3Uploads;
  let objects: S3ObjectStore;

  /** A vendor's upload as Transfer Family writes it: the object, then (its workflow) the completed tag on that version. */
  const upload = async (key: string, body: string, completed = true) => {
    const { VersionId } = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
    if (completed) {
      await client.send(
        new PutObjectTaggingCommand({
          Bucket: s3.bucket,
          Key: key,
          VersionId,
          Tagging: { TagSet: [{ Key: COMPLETED_TAG.key, Value: COMPLETED_TAG.value }] },
        }),
      );
    }
    return VersionId!;
  };
  /** A vendor's `rm` over SFTP, or Transfer's partial-upload workflow: a plain delete, which leaves a delete marker. */
  const remove = (key: string) => client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
  const inboxOf = async (vendor: string) =>
    (await uploads.inInbox(vendor)).map((u) => ({
      file: u.file,
      versionId: u.source.versionId,
      completedAt: u.completedAt,
    }));

  beforeAll(async () => {
    // Pages of two entries: every listing below pages, also through one key's versions and delete markers.
    s3 = await versionedS3({ pageSize: 2, now: clock.now });
    ({ client, uploads, objects } = s3AdaptersOf(s3.endpoint, s3.bucket));
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('heads the current version with its version id, and names each version its own upload', async () => {
    const first = await upload('inbox/v1/a.xml', '<Import/>');
    const object = await uploads.head('inbox/v1/a.xml');
    expect(object).toEqual({
      bucket: s3.bucket,
      key: 'inbox/v1/a.xml',
      versionId: first,
      lastModified: '2026-11-25T09:00:00.000Z',
      size: 9,
      etag: md5('<Import/>'),
    });
    expect(inboxUploadOf(object!)!.uploadId).toBe(uploadIdOf(object!));
    clock.tick();
    // The same bytes sent again are a new version: a new upload, whose id differs only by the version.
    const second = await upload('inbox/v1/a.xml', '<Import/>');
    const again = (await uploads.head('inbox/v1/a.xml'))!;
    expect(again.versionId).toBe(second);
    expect(second).not.toBe(first);
    expect(uploadIdOf(again)).not.toBe(uploadIdOf(object!));
    expect(uploadIdOf({ ...again, lastModified: '2030-01-01T00:00:00.000Z' })).toBe(uploadIdOf(again));
    expect(await uploads.head('inbox/v1/none.xml')).toBeUndefined();
  });

  it('lists the same name sent twice as two uploads in order, each read, archived and removed by its own version', async () => {
    clock.tick();
    const v1 = await upload('inbox/v2/members.xml', 'first');
    clock.tick();
    const v2 = await upload('inbox/v2/members.xml', 'second');
    const [u1, u2] = (await uploads.inInbox('v2')) as [InboxUpload, InboxUpload];
    expect(await inboxOf('v2')).toEqual([
      { file: 'members.xml', versionId: v1, completedAt: '2026-11-25T09:00:10.000Z' },
      { file: 'members.xml', versionId: v2, completedAt: '2026-11-25T09:00:15.000Z' },
    ]);
    expect(u1.uploadId).not.toBe(u2.uploadId);
    expect(u1.source).toMatchObject({ size: 5, etag: md5('first') });

    // Each version is read as itself, the older one too (the current is the newer).
    const read = async (versionId: string) => {
      const source = s3FileSource(client, {
        bucket: s3.bucket,
        key: 'inbox/v2/members.xml',
        versionId,
        name: 'members.xml',
      });
      const parts: Uint8Array[] = [];
      for await (const chunk of source.chunks) parts.push(chunk);
      return { text: Buffer.concat(parts).toString('utf8'), sha256: await source.sha256() };
    };
    expect(await read(v1)).toEqual({ text: 'first', sha256: createHash('sha256').update('first').digest('hex') });
    expect((await read(v2)).text).toBe('second');

    // The older upload is archived from its own version, not from the current object.
    await uploads.copyToArchive(u1);
    expect(await objects.get(archiveKey(u1))).toBe('first');
    expect(await uploads.isCompleted(u1.source)).toBe(true);
    // Done: only its version leaves the inbox, for good (no delete marker); the newer upload stays, current.
    await uploads.removeFromInbox(u1);
    expect(
      s3.history('inbox/v2/members.xml').map((v) => ({ versionId: v.versionId, deleteMarker: v.deleteMarker })),
    ).toEqual([{ versionId: v2, deleteMarker: false }]);
    expect(s3.requests).toContain(`DELETE DeleteObject inbox/v2/members.xml?versionId=${v1}`);
    expect(await inboxOf('v2')).toEqual([
      { file: 'members.xml', versionId: v2, completedAt: '2026-11-25T09:00:15.000Z' },
    ]);
    expect((await uploads.head('inbox/v2/members.xml'))?.versionId).toBe(v2);
    // Both again (a retried step): nothing changes, the newer upload is untouched.
    await uploads.copyToArchive(u1);
    await uploads.removeFromInbox(u1);
    expect(await objects.get(archiveKey(u1))).toBe('first');
    expect(s3.history('inbox/v2/members.xml')).toHaveLength(1);

    await uploads.copyToArchive(u2);
    expect(await objects.get(archiveKey(u2))).toBe('second');
    await uploads.removeFromInbox(u2);
    expect(s3.history('inbox/v2/members.xml')).toEqual([]);
    expect(await uploads.inInbox('v2')).toEqual([]);
  });

  it("takes the version with the event's ETag: the current one, or the older one when the name was sent again since", async () => {
    clock.tick();
    const v1 = await upload('inbox/v3/a.xml', 'one');
    clock.tick();
    const v2 = await upload('inbox/v3/a.xml', 'two');
    // Transfer's event carries the ETag without quotes; either spelling finds the version.
    expect((await uploads.versionOf('inbox/v3/a.xml', md5('one')))?.versionId).toBe(v1);
    expect((await uploads.versionOf('inbox/v3/a.xml', `"${md5('one')}"`))?.versionId).toBe(v1);
    expect((await uploads.versionOf('inbox/v3/a.xml', md5('two')))?.versionId).toBe(v2);
    expect((await uploads.versionOf('inbox/v3/a.xml'))?.versionId).toBe(v2);
    // The version the older event names carries that version's own time and size, so its upload id is the listing's.
    const older = (await uploads.versionOf('inbox/v3/a.xml', md5('one')))!;
    expect(inboxUploadOf(older)).toEqual((await uploads.inInbox('v3'))[0]);
    // An ETag no version has: none (its upload is done and gone, or never was).
    expect(await uploads.versionOf('inbox/v3/a.xml', md5('three'))).toBeUndefined();
    // The older upload done: its event, late, finds nothing to start.
    await uploads.removeFromInbox(inboxUploadOf(older)!);
    expect(await uploads.versionOf('inbox/v3/a.xml', md5('one'))).toBeUndefined();
    expect((await uploads.versionOf('inbox/v3/a.xml', md5('two')))?.versionId).toBe(v2);
  });

  it('hides a key behind its delete marker: nothing of it resurfaces, and a file sent again later is a new upload', async () => {
    clock.tick();
    const v1 = await upload('inbox/v4/club.xml', 'old');
    clock.tick();
    await remove('inbox/v4/club.xml');
    expect(s3.history('inbox/v4/club.xml').map((v) => v.deleteMarker)).toEqual([true, false]);
    expect(await uploads.head('inbox/v4/club.xml')).toBeUndefined();
    expect(await uploads.versionOf('inbox/v4/club.xml', md5('old'))).toBeUndefined();
    expect(await uploads.inInbox('v4')).toEqual([]);
    expect(await objects.get('inbox/v4/club.xml')).toBeUndefined();
    expect(await uploads.keys('inbox/v4/')).toEqual([]);

    clock.tick();
    const v3 = await upload('inbox/v4/club.xml', 'new');
    expect(await inboxOf('v4')).toEqual([{ file: 'club.xml', versionId: v3, completedAt: expect.any(String) }]);
    // The removed upload's late event finds nothing, though the key has a current version again.
    expect(await uploads.versionOf('inbox/v4/club.xml', md5('old'))).toBeUndefined();
    expect(s3.history('inbox/v4/club.xml').map((v) => v.versionId)).toContain(v1);
    // The new upload done, the key holds only the old version and the marker: still nothing in the inbox.
    await uploads.removeFromInbox(inboxUploadOf((await uploads.head('inbox/v4/club.xml'))!)!);
    expect(await uploads.head('inbox/v4/club.xml')).toBeUndefined();
    expect(await uploads.inInbox('v4')).toEqual([]);
  });

  it("never lists a partial upload Transfer's workflow deleted; the complete re-send is listed and marked completed", async () => {
    clock.tick();
    await upload('inbox/v5/big.xml', 'half of it', false);
    clock.tick();
    await remove('inbox/v5/big.xml');
    clock.tick(30);
    await upload('inbox/v5/big.xml', 'all of it');
    const waiting = await uploads.inInbox('v5');
    expect(waiting.map((u) => u.source.size)).toEqual([9]);
    expect(await uploads.isCompleted(waiting[0]!.source)).toBe(true);
  });

  it('lists a file removed and sent again within the same second (S3 times are whole seconds)', async () => {
    clock.tick();
    await upload('inbox/v6/a.xml', 'first');
    await remove('inbox/v6/a.xml');
    const again = await upload('inbox/v6/a.xml', 'again');
    // The marker and the new version share their second: the new version is current, so it waits in the inbox.
    expect((await uploads.head('inbox/v6/a.xml'))?.versionId).toBe(again);
    expect(await inboxOf('v6')).toEqual([{ file: 'a.xml', versionId: again, completedAt: expect.any(String) }]);
  });

  it('lists a current version dated before the delete marker under it (a multipart upload is dated by its start)', async () => {
    clock.tick(60);
    await upload('inbox/v7/big.xml', 'partial', false);
    // The vendor's new upload began at 10:00:00 (multipart); the partial leftover's delete marker came at 10:00:30,
    // while it ran; the upload completed after both, dated by its start.
    clock.set('2026-11-25T10:00:30Z');
    await remove('inbox/v7/big.xml');
    clock.set('2026-11-25T10:00:00Z');
    const complete = await upload('inbox/v7/big.xml', 'complete');
    clock.set('2026-11-25T10:05:00Z');
    expect(s3.history('inbox/v7/big.xml').map((v) => [v.deleteMarker, v.lastModified.toISOString()])).toEqual([
      [false, '2026-11-25T10:00:00.000Z'],
      [true, '2026-11-25T10:00:30.000Z'],
      [false, expect.any(String)],
    ]);
    expect(await inboxOf('v7')).toEqual([
      { file: 'big.xml', versionId: complete, completedAt: '2026-11-25T10:00:00.000Z' },
    ]);
  });

  it('asks each version for its own completed tag; a version removed meanwhile is not waiting (never an error)', async () => {
    clock.tick();
    await upload('inbox/v8/a.xml', 'done');
    clock.tick();
    await upload('inbox/v8/a.xml', 'in flight', false);
    const [done, inFlight] = (await uploads.inInbox('v8')) as [InboxUpload, InboxUpload];
    expect(await uploads.isCompleted(done.source)).toBe(true);
    expect(await uploads.isCompleted(inFlight.source)).toBe(false);
    // Listed by a later upload's apply step, then finished by its own workflow before the tag was read.
    await uploads.removeFromInbox(done);
    expect(await uploads.isCompleted(done.source)).toBe(false);
    // A key the vendor removed: its current version is a delete marker.
    await remove('inbox/v8/a.xml');
    expect(
      await uploads.isCompleted({ bucket: s3.bucket, key: 'inbox/v8/a.xml', lastModified: inFlight.completedAt }),
    ).toBe(false);
  });

  it("archives an upload without the inbox's tags (Transfer's completed tag is the inbox's alone)", async () => {
    clock.tick();
    await upload('inbox/v9/a.xml', 'tagged');
    const [u] = (await uploads.inInbox('v9')) as [InboxUpload];
    await uploads.copyToArchive(u);
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: archiveKey(u) }));
    expect(tags.TagSet ?? []).toEqual([]);
    // The copy is the version's bytes under a version of its own.
    expect(s3.history(archiveKey(u))).toEqual([expect.objectContaining({ etag: md5('tagged'), deleteMarker: false })]);
  });

  it('copies a version whose file name needs encoding in the copy source', async () => {
    clock.tick();
    const v1 = await upload('inbox/v9/medlemmar åäö + 50% 2026.xml', 'åäö 1');
    clock.tick();
    await upload('inbox/v9/medlemmar åäö + 50% 2026.xml', 'åäö 2');
    const first = (await uploads.inInbox('v9')).find((u) => u.source.versionId === v1)!;
    await uploads.copyToArchive(first);
    expect(await objects.get(archiveKey(first))).toBe('åäö 1');
    await uploads.removeFromInbox(first);
    expect(s3.history('inbox/v9/medlemmar åäö + 50% 2026.xml')).toHaveLength(1);
  });

  it('fails the archive copy of a version that is gone, copying nothing', async () => {
    clock.tick();
    await upload('inbox/v10/a.xml', 'gone soon');
    const [u] = (await uploads.inInbox('v10')) as [InboxUpload];
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: u.source.key, VersionId: u.source.versionId }));
    await expect(uploads.copyToArchive(u)).rejects.toMatchObject({ name: 'NoSuchVersion' });
    expect(await objects.get(archiveKey(u))).toBeUndefined();
  });

  it("lists every vendor's inbox across pages, in the ledger's order, and keys by their current objects", async () => {
    const all = await uploads.inInbox();
    expect(all.map((u) => `${u.vendor}/${u.file}`).sort()).toEqual([
      'v1/a.xml',
      'v1/a.xml',
      'v3/a.xml',
      'v5/big.xml',
      'v6/a.xml',
      'v7/big.xml',
      'v9/a.xml',
      'v9/medlemmar åäö + 50% 2026.xml',
    ]);
    const order = all.map((u) => orderKeyOf(u));
    expect(order).toEqual([...order].sort());
    const keys = await uploads.keys('inbox/');
    expect(keys.sort()).toEqual([
      'inbox/v1/a.xml',
      'inbox/v3/a.xml',
      'inbox/v5/big.xml',
      'inbox/v6/a.xml',
      'inbox/v7/big.xml',
      'inbox/v9/a.xml',
      'inbox/v9/medlemmar åäö + 50% 2026.xml',
    ]);
    expect(s3.requests.filter((r) => r.startsWith('GET ListObjectVersions')).length).toBeGreaterThan(1);
  });

  it('the fake refuses what it does not implement instead of ignoring it', async () => {
    await expect(
      client.send(new ListObjectVersionsCommand({ Bucket: s3.bucket, Prefix: 'inbox/', Delimiter: '/' })),
    ).rejects.toMatchObject({ name: 'NotImplemented' });
    await expect(
      client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'inbox/v1/a.xml', Range: 'bytes=0-1' })),
    ).rejects.toMatchObject({ name: 'NotImplemented' });
  });

  it('keeps staged results and receipts as objects; a deleted one is undefined (its delete marker is current)', async () => {
    await objects.put('outbox/v1/a.xml.receipt.json', '{"status":"applied"}');
    await objects.put('outbox/v1/a.xml.receipt.json', '{"status":"rejected"}');
    expect(await objects.get('outbox/v1/a.xml.receipt.json')).toBe('{"status":"rejected"}');
    await objects.put('work/v1/u/apply.json', ['{"a":', '1}']);
    await objects.delete('work/v1/u/apply.json');
    expect(await objects.get('work/v1/u/apply.json')).toBeUndefined();
    expect(s3.history('work/v1/u/apply.json')[0]?.deleteMarker).toBe(true);
    expect(await uploads.sizeOf('work/v1/u/apply.json')).toBeUndefined();
  });
});

const FUNCTIONS = IMPORT_FUNCTIONS;
type Functions = ImportFunctions;

const VENDOR = 'demo-vendor';

// The import workflow's handlers over the versioned bucket, on DynamoDB Local and the Step Functions fake: what
// the starter, the ordering check and the sweep make of versions and delete markers.
describe("the import workflow's handlers on a versioned bucket", () => {
  // An hour ago: every upload has settled for the sweep, and times still run forward.
  const clock = testClock(new Date(Math.floor(Date.now() / 1000) * 1000 - 60 * 60 * 1000).toISOString());
  let cloud: LocalCloud;
  let s3: VersionedS3;
  let sfn: StepFunctionsFake;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    const [{ local, client }, server, fake] = await Promise.all([
      dynamoDbForTests(),
      versionedS3({ pageSize: 3, now: clock.now }),
      stepFunctionsFake(),
    ]);
    s3 = server;
    sfn = fake;
    const s3client = s3Client({ endpoint: s3.endpoint, region: REGION, credentials: S3_CREDENTIALS });
    cloud = {
      dynamodb: client,
      dynamodbEndpoint: local.endpoint,
      s3: s3client,
      s3Server: s3,
      async stop() {
        client.destroy();
        s3client.destroy();
        await Promise.all([local.stop(), s3.stop()]);
      },
    };
    output = captureOutput();
  }, 120_000);

  afterAll(async () => {
    output?.restore();
    await Promise.all([sfn?.stop(), cloud?.stop()]);
  });

  async function deploy(): Promise<{ d: Deployment; h: Functions }> {
    const d = await freshDeployment(cloud);
    await onboardIn(d.ports.admin, [VENDOR], ['100042']);
    return { d, h: await coldStart(d.env({ SFN_ENDPOINT: sfn.endpoint }), FUNCTIONS) };
  }

  /** A vendor's upload as Transfer Family leaves it (the object, its version tagged completed by the workflow); its version id. */
  async function put(d: Deployment, file: string, body: string, completed = true): Promise<string> {
    const key = `inbox/${VENDOR}/${file}`;
    const { VersionId } = await cloud.s3.send(new PutObjectCommand({ Bucket: d.bucket, Key: key, Body: body }));
    if (completed) {
      await cloud.s3.send(
        new PutObjectTaggingCommand({
          Bucket: d.bucket,
          Key: key,
          VersionId,
          Tagging: { TagSet: [{ Key: COMPLETED_TAG.key, Value: COMPLETED_TAG.value }] },
        }),
      );
    }
    return VersionId!;
  }

  async function runSteps(h: Functions, upload: WorkflowUpload): Promise<unknown> {
    for (const step of [h.register, h.apply, h.judge, h.totals]) await invoke(step, { upload });
    return invoke(h.receipt, { upload });
  }

  const startedUpload = (name: string) =>
    (sfn.started.find((e) => e.name === name)!.input as { upload: WorkflowUpload }).upload;

  it('imports a file sent twice under one name before either event was handled: both, in order, each from its own version', async () => {
    const { d, h } = await deploy();
    const key = `inbox/${VENDOR}/club.xml`;
    const first = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8');
    const second = first.replace('<Place>Exempelvallen</Place>', '<Place>Nya vallen</Place>');
    clock.tick();
    const v1 = await put(d, 'club.xml', first);
    clock.tick();
    const v2 = await put(d, 'club.xml', second);

    // The events come in the wrong order; each starts the upload of the version with its ETag.
    const late = (await invoke(h.start, uploadCompletedEvent(d.bucket, key, VENDOR, second), 'StartUpload')) as {
      uploadId: string;
    };
    const early = (await invoke(h.start, uploadCompletedEvent(d.bucket, key, VENDOR, first), 'StartUpload')) as {
      uploadId: string;
    };
    const u1 = startedUpload(early.uploadId);
    const u2 = startedUpload(late.uploadId);
    expect([u1.source.versionId, u2.source.versionId]).toEqual([v1, v2]);
    expect(u1.completedAt < u2.completedAt).toBe(true);

    // The later upload is registered, then waits while the earlier one is in the inbox.
    await invoke(h.register, { upload: u2 });
    expect(await invokeFailing(h.apply, { upload: u2 })).toMatchObject({
      Error: 'UploadBlocked',
      Cause: expect.stringContaining(u1.uploadId),
    });
    expect(sfn.started.filter((e) => e.name === u1.uploadId)).toHaveLength(1);

    expect(await runSteps(h, u1)).toEqual({ status: 'applied', errors: 0 });
    // Done: its version left the inbox; the later one is still there, current, and may go on.
    expect(s3.history(key, d.bucket).map((v) => v.versionId)).toEqual([v2]);
    expect(await runSteps(h, u2)).toEqual({ status: 'applied', errors: 0 });
    expect(s3.history(key, d.bucket)).toEqual([]);

    expect(await d.ports.objects.get(archiveKey(u1))).toBe(first);
    expect(await d.ports.objects.get(archiveKey(u2))).toBe(second);
    // Both receipts were written to the one name; the later upload's is the one left, and it saw the first's records.
    const receipt = JSON.parse((await d.ports.objects.get(receiptKey(u2)))!) as Receipt;
    expect(receipt.counts.activities).toMatchObject({ updated: 1, unchanged: 2, created: 0 });
    const imports = await Promise.all([u1, u2].map((u) => d.ports.store.upload(VENDOR, u.uploadId, u.completedAt)));
    expect(imports.map((e) => e?.stage)).toEqual(['done', 'done']);
    expect(imports[0]!.finishedAt! <= imports[1]!.finishedAt!).toBe(true);
  }, 60_000);

  it('goes on when the earlier upload it would wait for finishes while it looks (its version gone before its tag is read)', async () => {
    const { d, h } = await deploy();
    const xml = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8');
    clock.tick();
    await put(d, 'one.xml', xml);
    clock.tick();
    await put(d, 'two.xml', xml.replace('<Place>Ängsvallen</Place>', '<Place>Nya vallen</Place>'));
    const one = startedUpload(
      (
        (await invoke(h.start, uploadCompletedEvent(d.bucket, `inbox/${VENDOR}/one.xml`, VENDOR, xml))) as {
          uploadId: string;
        }
      ).uploadId,
    );
    const two = startedUpload(
      (
        (await invoke(h.start, uploadCompletedEvent(d.bucket, `inbox/${VENDOR}/two.xml`, VENDOR, 1))) as {
          uploadId: string;
        }
      ).uploadId,
    );
    await invoke(h.register, { upload: two });
    // The later upload's apply lists the inbox and finds the earlier one, not in the ledger (its event not handled
    // yet); its whole import runs and ends before the apply step reads its tag.
    s3.beforeNext('GetObjectTagging', async () => {
      for (const step of [h.register, h.apply, h.judge, h.totals, h.receipt]) await invoke(step, { upload: one });
    });
    expect(await invoke(h.apply, { upload: two })).toEqual({ status: 'applied', errors: 0 });
    expect(s3.history(`inbox/${VENDOR}/one.xml`, d.bucket)).toEqual([]);
  }, 60_000);

  it('sweeps every completed version still waiting, in order, and none behind a delete marker or never completed', async () => {
    const { d, h } = await deploy();
    clock.tick();
    await put(d, 'removed.xml', 'the vendor took it back');
    clock.tick();
    await cloud.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: `inbox/${VENDOR}/removed.xml` }));
    clock.tick();
    await put(d, 'resent.xml', "a dropped session's part", false);
    clock.tick();
    await cloud.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: `inbox/${VENDOR}/resent.xml` }));
    clock.tick();
    const resent = await put(d, 'resent.xml', 'sent again, whole');
    clock.tick();
    const twice1 = await put(d, 'twice.xml', 'one');
    clock.tick();
    const twice2 = await put(d, 'twice.xml', 'two');
    clock.tick();
    await put(d, 'leftover.xml', 'a partial upload the workflow did not delete', false);

    const before = sfn.started.length;
    expect(await invoke(h.sweep, {}, 'Sweep')).toEqual({ started: 3, partial: 1 });
    const swept = sfn.started.slice(before).map((e) => (e.input as { upload: WorkflowUpload }).upload);
    expect(swept.map((u) => [u.file, u.source.versionId])).toEqual([
      ['resent.xml', resent],
      ['twice.xml', twice1],
      ['twice.xml', twice2],
    ]);
    // Swept again: the executions, named by upload id, are there already; no new one starts.
    await invoke(h.sweep, {}, 'Sweep');
    expect(sfn.started.length).toBe(before + 3);
  });
});
