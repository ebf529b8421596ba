import { createHash } from 'node:crypto';
import type { FileSource } from '../../core/check/file-source.js';

/**
 * A stream of chunks as a FileSource: opened on the first read, hashed (SHA-256) on the way, `onBytes` told of
 * progress. `sha256()` reads what the reader left (a rejected file stops early) so the digest is of every byte.
 */
export function hashedSource(name: string, open: () => AsyncIterator<Uint8Array> | Promise<AsyncIterator<Uint8Array>>, onBytes?: (bytes: number) => void): FileSource {
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
    hash.update(result.value);
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
      while (await next());
      return (digest ??= hash.digest('hex'));
    },
  };
}
