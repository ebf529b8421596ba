import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { archiveKey, type Upload } from '../../core/pipeline/upload.js';

/** The tag Transfer Family's upload workflow puts on a completed upload (a dropped session's object has none). */
export const COMPLETED_TAG = { key: 'lok-upload', value: 'completed' } as const;

/** One version of an object in a vendor's inbox: `inbox/<vendor>/<file>`. */
export interface InboxObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly lastModified: string;
}

export type InboxUpload = Upload & { readonly source: InboxObject };

const INBOX = /^inbox\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/([^/]+)$/;

/**
 * The upload id of one version of an object: the same bucket, key and version always give the same id, so
 * however often S3, Transfer Family or the nightly sweep report the upload, it starts one workflow execution
 * (the id is the execution's name: 80 characters at most, letters, digits, `-`). Without versioning (an
 * S3-compatible server, a bucket not yet versioned) a file sent again under the same name has no new version id:
 * its time of writing tells the uploads apart instead.
 */
export function uploadIdOf(object: Pick<InboxObject, 'bucket' | 'key' | 'versionId' | 'lastModified'>): string {
  const version = object.versionId ?? `unversioned@${object.lastModified}`;
  const digest = createHash('sha256').update(`${object.bucket}\n${object.key}\n${version}`).digest('hex');
  return `u-${digest.slice(0, 48)}`;
}

/** The upload an inbox object is, or undefined for a key outside any vendor's inbox (or in a sub-folder). */
export function inboxUploadOf(object: InboxObject): InboxUpload | undefined {
  const match = INBOX.exec(object.key);
  if (!match) return undefined;
  const file = match[2]!;
  if (file.startsWith('.')) return undefined;
  return { vendor: match[1]!, file, uploadId: uploadIdOf(object), completedAt: object.lastModified, source: object };
}

/** The upload's object was overwritten (same key, no versioning) before it was archived: its bytes are gone. */
export class UploadReplaced extends Error {
  override readonly name = 'UploadReplaced';
  constructor() {
    super('the inbox object was replaced by a newer upload before it was archived');
  }
}

/** The bucket's side of uploads: what a completed upload is, its archiving, and what waits in the inboxes. */
export class S3Uploads {
  constructor(readonly client: S3Client, readonly bucket: string) {}

  /** The current version of an inbox key, or undefined when it is gone (already archived, or removed). */
  async head(key: string): Promise<InboxObject | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bucket: this.bucket, key, ...(head.VersionId && head.VersionId !== 'null' ? { versionId: head.VersionId } : {}), lastModified: head.LastModified!.toISOString() };
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
      throw error;
    }
  }

  /** Whether Transfer Family's workflow marked the object a completed upload. */
  async isCompleted(object: InboxObject): Promise<boolean> {
    const tags = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: object.key, ...(object.versionId ? { VersionId: object.versionId } : {}) }));
    return (tags.TagSet ?? []).some((t) => t.Key === COMPLETED_TAG.key && t.Value === COMPLETED_TAG.value);
  }

  /**
   * Moves the upload's version from the inbox to `archive/<vendor>/<upload>/<file>` (kept 7 years): copied, then
   * that version deleted. A retry after either half finds the copy and only deletes. Without versioning the key
   * names whatever was written to it last: only the upload's own object (by its time) is copied or deleted, and
   * an upload whose object was replaced before it could be moved is an `UploadReplaced` error (its bytes are gone;
   * the newer file is an upload of its own).
   */
  async archive(upload: InboxUpload): Promise<void> {
    const target = archiveKey(upload);
    const { key, versionId, lastModified } = upload.source;
    // A restarted upload (reconciliation) starts from its archived copy: nothing to move.
    if (key === target) return;
    const stillThere = async () => versionId !== undefined || (await this.head(key))?.lastModified === lastModified;
    const archived = await this.head(target);
    if (!archived) {
      if (!(await stillThere())) throw new UploadReplaced();
      const source = `${this.bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;
      try {
        await this.client.send(new CopyObjectCommand({
          Bucket: this.bucket, Key: target, CopySource: source, TaggingDirective: 'REPLACE', Tagging: '',
          ...(versionId ? {} : { CopySourceIfUnmodifiedSince: new Date(lastModified) }),
        }));
      } catch (error) {
        // The source is gone: an attempt running beside this one copied it and deleted it, and the copy is there.
        if (!(await this.head(target))) throw error;
      }
    }
    if (versionId) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
    else if (await stillThere()) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** The size of an object, or undefined when it is missing. */
  async sizeOf(key: string): Promise<number | undefined> {
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentLength;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
      throw error;
    }
  }

  /** Every key under a prefix (reports, in the nightly job). */
  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      keys.push(...(page.Contents ?? []).map((item) => item.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** Completed or not, every object in the inboxes (of one vendor), oldest first. */
  async inInbox(vendor?: string): Promise<InboxUpload[]> {
    const uploads: InboxUpload[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: vendor ? `inbox/${vendor}/` : 'inbox/', ...(token ? { ContinuationToken: token } : {}) }));
      for (const item of page.Contents ?? []) {
        const object = await this.head(item.Key!);
        const upload = object && inboxUploadOf(object);
        if (upload) uploads.push(upload);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return uploads.sort((a, b) => (a.completedAt < b.completedAt ? -1 : a.completedAt > b.completedAt ? 1 : 0));
  }
}
