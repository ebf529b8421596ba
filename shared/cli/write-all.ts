import { once } from 'node:events';

/** Writes text pieces to a stream in batches of about 1 MiB, waiting whenever the stream asks to. */
export async function writeAll(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    batch.push(piece);
    size += piece.length;
    if (size >= 1 << 20) {
      if (!stream.write(batch.join(''))) await once(stream, 'drain');
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0 && !stream.write(batch.join(''))) await once(stream, 'drain');
}
