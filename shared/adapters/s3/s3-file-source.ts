import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileSource } from '../../core/check/file-source.js';

/** An object (one version of it) as a FileSource: streamed as S3 sends it, hashed on the way. */
export function s3FileSource(client: S3Client, object: { readonly bucket: string; readonly key: string; readonly versionId?: string; readonly name: string }): FileSource {
  const hash = createHash('sha256');
  let stream: AsyncIterator<Uint8Array> | undefined;
  let done = false;
  async function next(): Promise<Uint8Array | undefined> {
    if (done) return undefined;
    if (!stream) {
      const response = await client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key, ...(object.versionId ? { VersionId: object.versionId } : {}) }));
      stream = (response.Body as Readable)[Symbol.asyncIterator]();
    }
    const result = await stream.next();
    if (result.done) {
      done = true;
      return undefined;
    }
    hash.update(result.value);
    return result.value;
  }
  let digest: string | undefined;
  return {
    name: object.name,
    chunks: {
      async *[Symbol.asyncIterator]() {
        for (let chunk = await next(); chunk; chunk = await next()) yield chunk;
      },
    },
    async sha256() {
      while (await next());
      return (digest ??= hash.digest('hex'));
    },
  };
}
