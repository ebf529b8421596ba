/**
 * Child process of the bench: the baseline. Streams FILE with fs.createReadStream in 64 KiB chunks and touches
 * every chunk, nothing else. Prints one JSON line on stdout: bytes, seconds (read only, not Node's start-up) and
 * the process's peak RSS (`process.resourceUsage().maxRSS`, KiB).
 *
 * Usage: node dist/bench/plain-read-worker.js FILE
 */
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';

const CHUNK_BYTES = 64 * 1024;

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: plain-read-worker FILE\n');
  process.exit(2);
}

const started = performance.now();
let bytes = 0;
let chunks = 0;
// A cheap fold over one byte per chunk, so that the loop provably consumes what it reads.
let fold = 0;
for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
  bytes += chunk.length;
  chunks++;
  fold = (fold + (chunk[chunk.length - 1] ?? 0)) & 0xff;
}
const seconds = (performance.now() - started) / 1000;

process.stdout.write(
  `${JSON.stringify({ bytes, chunks, fold, seconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
