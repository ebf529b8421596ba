import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { FileSource } from '../../core/check/file-source.js';
import { hashedSource } from '../crypto/hashed-source.js';

/** An object (one version of it) as a FileSource: requested on the first read, streamed as S3 sends it, hashed on the way. */
export function s3FileSource(
  client: S3Client,
  object: { readonly bucket: string; readonly key: string; readonly versionId?: string; readonly name: string },
): FileSource {
  return hashedSource(object.name, async () => {
    const response = await client.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(object.versionId ? { VersionId: object.versionId } : {}),
      }),
    );
    return (response.Body as Readable)[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  });
}
