import { GetObjectTaggingCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3FileSource } from '../shared/adapters/s3/s3-file-source.js';
import { S3ObjectStore } from '../shared/adapters/s3/s3-object-store.js';
import { COMPLETED_TAG, inboxUploadOf, S3Uploads, uploadIdOf } from '../shared/adapters/s3/s3-uploads.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import { s3AdaptersOf } from './support/cloud.js';
import { s3ForTests, type S3ForTests } from './support/s3-server.js';

// The S3 adapters against a real S3 API (s3rver on loopback): no versioning there, so no version ids.
describe('the S3 adapters on s3rver', () => {
  let s3: S3ForTests;
  let client: S3Client;
  let uploads: S3Uploads;
  let objects: S3ObjectStore;

  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  const tagCompleted = (key: string) =>
    client.send(
      new PutObjectTaggingCommand({
        Bucket: s3.bucket,
        Key: key,
        Tagging: { TagSet: [{ Key: COMPLETED_TAG.key, Value: COMPLETED_TAG.value }] },
      }),
    );

  beforeAll(async () => {
    s3 = await s3ForTests();
    ({ client, uploads, objects } = s3AdaptersOf(s3.endpoint, s3.bucket));
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('heads an inbox object (no version id without versioning) and names the same upload every time', async () => {
    await put('inbox/v1/a.xml', '<Import/>');
    const object = await uploads.head('inbox/v1/a.xml');
    expect(object).toEqual({
      bucket: s3.bucket,
      key: 'inbox/v1/a.xml',
      lastModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      size: 9,
      etag: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    // The version an upload event names by its ETag: the current one here; another ETag names none that is left.
    expect(await uploads.versionOf('inbox/v1/a.xml', `"${object!.etag!}"`)).toEqual(object);
    expect(await uploads.versionOf('inbox/v1/a.xml', '0123456789abcdef0123456789abcdef')).toBeUndefined();
    const upload = inboxUploadOf(object!);
    expect(upload).toMatchObject({
      vendor: 'v1',
      file: 'a.xml',
      uploadId: uploadIdOf(object!),
      completedAt: object!.lastModified,
    });
    expect(upload!.uploadId).toMatch(/^u-[0-9a-f]{48}$/);
    expect(inboxUploadOf((await uploads.head('inbox/v1/a.xml'))!)!.uploadId).toBe(upload!.uploadId);
    expect(await uploads.head('inbox/v1/missing.xml')).toBeUndefined();
  });

  it("knows a completed upload by the tag Transfer Family's workflow puts on it", async () => {
    await put('inbox/v1/b.xml', '<Import/>');
    const object = (await uploads.head('inbox/v1/b.xml'))!;
    expect(await uploads.isCompleted(object)).toBe(false);
    await tagCompleted('inbox/v1/b.xml');
    expect(await uploads.isCompleted(object)).toBe(true);
  });

  it('copies an upload to the archive, keeps it in the inbox until it is removed when done; both again change nothing', async () => {
    await put('inbox/v2/c.xml', 'bytes of c');
    await tagCompleted('inbox/v2/c.xml');
    const upload = inboxUploadOf((await uploads.head('inbox/v2/c.xml'))!)!;
    await uploads.copyToArchive(upload);
    expect(await objects.get(archiveKey(upload))).toBe('bytes of c');
    expect((await uploads.inInbox('v2')).map((u) => u.uploadId)).toEqual([upload.uploadId]);
    await uploads.removeFromInbox(upload);
    expect(await uploads.head('inbox/v2/c.xml')).toBeUndefined();
    await uploads.removeFromInbox(upload);
    // The archived copy carries no tag (s3rver copies none in any case: this shows no more than that).
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: archiveKey(upload) }));
    expect(tags.TagSet ?? []).toEqual([]);
    await uploads.copyToArchive(upload);
    expect(await objects.get(archiveKey(upload))).toBe('bytes of c');
    // A restarted upload whose source is its archived copy: nothing copied, and its archive is never removed.
    const restarted = { ...upload, source: { ...upload.source, key: archiveKey(upload) } };
    await uploads.copyToArchive(restarted);
    await uploads.removeFromInbox(restarted);
    expect(await objects.get(archiveKey(upload))).toBe('bytes of c');
  });

  it('without versioning, never copies or removes a newer upload written to the same key', async () => {
    await put('inbox/v4/members.xml', 'first');
    const first = inboxUploadOf((await uploads.head('inbox/v4/members.xml'))!)!;
    await uploads.copyToArchive(first);
    await uploads.removeFromInbox(first);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // S3 keeps times to the second
    await put('inbox/v4/members.xml', 'second');
    const second = inboxUploadOf((await uploads.head('inbox/v4/members.xml'))!)!;
    expect(second.uploadId).not.toBe(first.uploadId);
    // The first upload's copy and removal, retried: its copy is there; the newer object at its key is left alone.
    await uploads.copyToArchive(first);
    await uploads.removeFromInbox(first);
    expect(await objects.get('inbox/v4/members.xml')).toBe('second');
    expect(await objects.get(archiveKey(first))).toBe('first');

    await new Promise((resolve) => setTimeout(resolve, 1100));
    await put('inbox/v4/members.xml', 'third');
    // The second upload was overwritten before it was copied: its bytes are gone, nothing is copied or removed in its name.
    await expect(uploads.copyToArchive(second)).rejects.toMatchObject({ name: 'UploadReplaced' });
    await uploads.removeFromInbox(second);
    expect(await objects.get(archiveKey(second))).toBeUndefined();
    expect(await objects.get('inbox/v4/members.xml')).toBe('third');
  });

  it('copies a file whose name needs encoding in the copy source', async () => {
    await put('inbox/v2/medlemmar åäö 2026.xml', 'åäö');
    const upload = inboxUploadOf((await uploads.head('inbox/v2/medlemmar åäö 2026.xml'))!)!;
    await uploads.copyToArchive(upload);
    expect(await objects.get(archiveKey(upload))).toBe('åäö');
    await uploads.removeFromInbox(upload);
    expect(await uploads.head('inbox/v2/medlemmar åäö 2026.xml')).toBeUndefined();
  });

  it('lists what waits in the inboxes, oldest first, leaving out sub-folders and dot files', async () => {
    await put('inbox/v3/first.xml', '1');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // S3 times have a resolution of a second
    await put('inbox/v3/second.xml', '2');
    await put('inbox/v3/.uploading/part.xml', 'x');
    await put('inbox/v3/.hidden.xml', 'x');
    expect((await uploads.inInbox('v3')).map((u) => u.file)).toEqual(['first.xml', 'second.xml']);
    expect((await uploads.inInbox()).map((u) => `${u.vendor}/${u.file}`)).toEqual(
      expect.arrayContaining(['v1/a.xml', 'v3/first.xml', 'v3/second.xml']),
    );
    expect(await uploads.sizeOf('inbox/v3/first.xml')).toBe(1);
    expect(await uploads.sizeOf('inbox/v3/none.xml')).toBeUndefined();
    expect(await uploads.keys('inbox/v3/')).toEqual(
      expect.arrayContaining(['inbox/v3/first.xml', 'inbox/v3/second.xml', 'inbox/v3/.hidden.xml']),
    );
  });

  it('keeps staged results and receipts as objects; a missing one is undefined', async () => {
    await objects.put('work/v1/u/apply.json', ['{"a":', '1}']);
    expect(await objects.get('work/v1/u/apply.json')).toBe('{"a":1}');
    await objects.delete('work/v1/u/apply.json');
    expect(await objects.get('work/v1/u/apply.json')).toBeUndefined();
  });

  it('streams an object as a file source and hashes it', async () => {
    const text = 'x'.repeat(300_000) + 'åäö';
    await put('archive/v1/u/big.xml', text);
    const source = s3FileSource(client, { bucket: s3.bucket, key: 'archive/v1/u/big.xml', name: 'big.xml' });
    const parts: Uint8Array[] = [];
    for await (const chunk of source.chunks) parts.push(chunk);
    expect(Buffer.concat(parts).toString('utf8')).toBe(text);
    expect(await source.sha256()).toBe(createHash('sha256').update(text).digest('hex'));
    // Hashed without reading the chunks: it reads the whole object itself.
    const unread = s3FileSource(client, { bucket: s3.bucket, key: 'archive/v1/u/big.xml', name: 'big.xml' });
    expect(await unread.sha256()).toBe(createHash('sha256').update(text).digest('hex'));
  });
});
