import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  NotFound,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { REGISTER_ID } from '../../core/admin/register-id.js';
import { archiveKey, folderPrefix, inboxPrefix } from '../../core/storage/bucket-layout.js';
import { orderKeyOf, type Upload } from '../../core/pipeline/upload.js';

/** The tag Transfer Family's upload workflow puts on a completed upload (a dropped session's object has none). */
export const COMPLETED_TAG = { key: 'lok-upload', value: 'completed' } as const;

/** One version of an object in a vendor's inbox: `inbox/<vendor>/<file>`. */
export interface InboxObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly lastModified: string;
  /** Bytes, when the listing or head said. */
  readonly size?: number;
  /** The ETag without its quotes, when known. */
  readonly etag?: string;
}

export type InboxUpload = Upload & { readonly source: InboxObject };

/** `inbox/<vendor>/<file>`: a vendor id (the register's syntax), then a file name (no sub-folder). */
const INBOX = new RegExp(`^${folderPrefix('inbox')}(${REGISTER_ID.source.slice(1, -1)})/([^/]+)$`);

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

/** The bucket's side of uploads: what a completed upload is, its archive copy, and what waits in the inboxes. */
export class S3Uploads {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
  ) {}

  /** The current version of a key, or undefined when there is none. */
  async head(key: string): Promise<InboxObject | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        bucket: this.bucket,
        key,
        ...(head.VersionId && head.VersionId !== 'null' ? { versionId: head.VersionId } : {}),
        lastModified: head.LastModified!.toISOString(),
        ...(head.ContentLength !== undefined ? { size: head.ContentLength } : {}),
        ...(head.ETag ? { etag: unquote(head.ETag) } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * The version of `key` an upload event speaks of: the event has the ETag, not the version id. Usually the
   * current version; when the vendor sent the same name again before this event was handled, the older version
   * with that ETag (so each upload is imported, in its order). Undefined when no such version is left.
   */
  async versionOf(key: string, etag?: string): Promise<InboxObject | undefined> {
    const current = await this.head(key);
    if (!current || etag === undefined || current.etag === undefined || current.etag === unquote(etag)) return current;
    return (await this.versionsUnder(key)).find((v) => v.key === key && v.etag === unquote(etag));
  }

  /**
   * Whether Transfer Family's workflow marked the object a completed upload. A version gone since it was listed
   * (its upload finished meanwhile: `NoSuchVersion`) or a key behind a delete marker (`NoSuchKey`) is not.
   */
  async isCompleted(object: InboxObject): Promise<boolean> {
    try {
      const tags = await this.client.send(
        new GetObjectTaggingCommand({
          Bucket: this.bucket,
          Key: object.key,
          ...(object.versionId ? { VersionId: object.versionId } : {}),
        }),
      );
      return (tags.TagSet ?? []).some((t) => t.Key === COMPLETED_TAG.key && t.Value === COMPLETED_TAG.value);
    } catch (error) {
      if (isNotFound(error) || ['NoSuchKey', 'NoSuchVersion'].includes((error as { name?: string }).name ?? ''))
        return false;
      throw error;
    }
  }

  /**
   * Copies the upload's version to `archive/<vendor>/<upload>/<file>` (kept 7 years): the steps read it from
   * there, reconciliation resumes from it. The inbox object stays until the upload is done or failed (it is how
   * later uploads of the vendor know to wait). Without versioning the key names whatever was written to it
   * last: only the upload's own object (by its time) is copied, and an upload whose object was replaced before
   * the copy is an `UploadReplaced` error (its bytes are gone; the newer file is an upload of its own).
   */
  async copyToArchive(upload: InboxUpload): Promise<void> {
    const target = archiveKey(upload);
    const { key, versionId, lastModified } = upload.source;
    // A restarted upload (reconciliation) may start from its archived copy.
    if (key === target || (await this.head(target))) return;
    if (versionId === undefined && (await this.head(key))?.lastModified !== lastModified) throw new UploadReplaced();
    const source = `${this.bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: target,
          CopySource: source,
          TaggingDirective: 'REPLACE',
          Tagging: '',
          ...(versionId ? {} : { CopySourceIfUnmodifiedSince: new Date(lastModified) }),
        }),
      );
    } catch (error) {
      // An attempt running beside this one made the copy.
      if (!(await this.head(target))) throw error;
    }
  }

  /** The upload is done or failed: its version leaves the inbox (only its own object, never a newer upload's). */
  async removeFromInbox(upload: InboxUpload): Promise<void> {
    const { key, versionId, lastModified } = upload.source;
    if (key === archiveKey(upload)) return;
    if (versionId)
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
    else if ((await this.head(key))?.lastModified === lastModified)
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** The size of an object, or undefined when it is missing. */
  async sizeOf(key: string): Promise<number | undefined> {
    return (await this.head(key))?.size;
  }

  /** Every key under a prefix (reports, in the nightly job). */
  async keys(prefix: string): Promise<string[]> {
    return (await this.objectsUnder(prefix)).map((object) => object.key);
  }

  /**
   * Every upload waiting in the inboxes (of one vendor), completed or not, in the ledger's order: each version a
   * vendor wrote, also one it overwrote before it was imported, but none it removed (a version older than a
   * delete marker of its key). An upload leaves the inbox once done or failed.
   */
  async inInbox(vendor?: string): Promise<InboxUpload[]> {
    const uploads = (await this.versionsUnder(inboxPrefix(vendor)))
      .map((object) => inboxUploadOf(object))
      .filter((upload): upload is InboxUpload => upload !== undefined);
    return uploads.sort((a, b) => (orderKeyOf(a) < orderKeyOf(b) ? -1 : orderKeyOf(a) > orderKeyOf(b) ? 1 : 0));
  }

  /**
   * The live versions under a prefix: ListObjectVersions where the store keeps versions, else the objects. A key's
   * current version (`IsLatest`) is live whatever its date: S3 dates versions and delete markers to the second,
   * and a multipart upload by when it began, so a delete marker under the current version can look as new or
   * newer. An older version is live when it is dated after the key's latest delete marker: the SDK hands versions
   * and delete markers over in two lists, so their order within a key is known only by date.
   */
  private async versionsUnder(prefix: string): Promise<InboxObject[]> {
    const objects: InboxObject[] = [];
    const current = new Set<InboxObject>();
    const removedAt = new Map<string, string>();
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
        for (const marker of page.DeleteMarkers ?? []) {
          const at = marker.LastModified!.toISOString();
          if ((removedAt.get(marker.Key!) ?? '') < at) removedAt.set(marker.Key!, at);
        }
        for (const v of page.Versions ?? []) {
          const object: InboxObject = {
            bucket: this.bucket,
            key: v.Key!,
            ...(v.VersionId && v.VersionId !== 'null' ? { versionId: v.VersionId } : {}),
            lastModified: v.LastModified!.toISOString(),
            ...(v.Size !== undefined ? { size: v.Size } : {}),
            ...(v.ETag ? { etag: unquote(v.ETag) } : {}),
          };
          objects.push(object);
          if (v.IsLatest) current.add(object);
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (keyMarker);
    } catch (error) {
      // An S3-compatible store that keeps no versions (s3rver in tests answers MethodNotAllowed): its objects
      // are its only versions.
      if (!['NotImplemented', 'MethodNotAllowed'].includes((error as { name?: string }).name ?? '')) throw error;
      return this.objectsUnder(prefix);
    }
    return objects.filter((o) => current.has(o) || o.lastModified > (removedAt.get(o.key) ?? ''));
  }

  /** Every object under a prefix (its current version), page by page. */
  private async objectsUnder(prefix: string): Promise<InboxObject[]> {
    const objects: InboxObject[] = [];
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const item of page.Contents ?? []) {
        objects.push({
          bucket: this.bucket,
          key: item.Key!,
          lastModified: item.LastModified!.toISOString(),
          ...(item.Size !== undefined ? { size: item.Size } : {}),
          ...(item.ETag ? { etag: unquote(item.ETag) } : {}),
        });
      }
    }
    return objects;
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function isNotFound(error: unknown): boolean {
  return error instanceof NotFound || (error as { name?: string }).name === 'NotFound';
}
