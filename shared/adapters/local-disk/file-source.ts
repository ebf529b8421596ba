import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FileSource } from '../../core/check/file-source.js';

/** A file on disk as a FileSource: streamed in 1 MiB chunks, hashed on the way, `onBytes` told of progress. */
export function fileSource(path: string, onBytes?: (bytes: number) => void): FileSource {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let bytes = 0;
  let done = false;
  async function next(): Promise<Buffer | undefined> {
    if (done) return undefined;
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
    name: basename(path),
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
