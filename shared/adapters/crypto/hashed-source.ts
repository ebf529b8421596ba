import { createHash } from 'node:crypto';
import type { FileSource } from '../../core/check/file-source.js';
import { IMPORT_MAX_BYTES } from '../../core/pipeline/import-steps.js';

/**
 * A stream of chunks as a FileSource: opened on the first read, hashed (SHA-256) on the way, `onBytes` told of
 * progress. `sha256()` reads what the reader left (a rejected file stops early) so the digest is of every byte, up
 * to `maxBytes` (the largest file imported): a file longer than that is FILE_TOO_LARGE, and its digest is of its
 * first `maxBytes` bytes, so no file is read further than that. A sparse upload (a header, a seek to 1 TiB, one
 * byte) was read to its last byte, a receipt taking longer than anyone waits (issue 15).
 */
export function hashedSource(
  name: string,
  open: () => AsyncIterator<Uint8Array> | Promise<AsyncIterator<Uint8Array>>,
  onBytes?: (bytes: number) => void,
  maxBytes = IMPORT_MAX_BYTES,
): FileSource {
  const hash = createHash('sha256');
  let stream: AsyncIterator<Uint8Array> | undefined;
  let bytes = 0;
  let done = false;
  async function next(): Promise<Uint8Array | undefined> {
    if (done) return undefined;
    stream ??= await open();
    const result = await stream.next();
    if (result.done) {
      done = true;
      return undefined;
    }
    if (bytes < maxBytes) hash.update(result.value.subarray(0, maxBytes - bytes));
    bytes += result.value.length;
    onBytes?.(bytes);
    return result.value;
  }
  let digest: string | undefined;
  return {
    name,
    chunks: {
      async *[Symbol.asyncIterator]() {
        for (let chunk = await next(); chunk; chunk = await next()) yield chunk;
      },
    },
    async sha256() {
      while (bytes <= maxBytes && (await next()));
      if (!done && stream?.return) await stream.return(undefined).catch(() => undefined);
      return (digest ??= hash.digest('hex'));
    },
  };
}
