import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FileSource } from '../../core/check/file-source.js';
import { hashedSource } from '../crypto/hashed-source.js';

/** A file on disk as a FileSource: streamed in 1 MiB chunks, hashed on the way, `onBytes` told of progress. */
export function fileSource(path: string, onBytes?: (bytes: number) => void): FileSource {
  return hashedSource(
    basename(path),
    () => createReadStream(path, { highWaterMark: 1024 * 1024 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>,
    onBytes,
  );
}
