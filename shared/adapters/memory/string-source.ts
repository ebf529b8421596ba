import { createHash } from 'node:crypto';
import type { FileSource } from '../../core/check/file-source.js';

/** A file held in memory as a FileSource, delivered in pieces of `size` bytes (tests and the bench). */
export function stringSource(name: string, text: string, size = 4096): FileSource {
  const bytes = new TextEncoder().encode(text);
  return {
    name,
    chunks: (async function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
    sha256: async () => createHash('sha256').update(bytes).digest('hex'),
  };
}
