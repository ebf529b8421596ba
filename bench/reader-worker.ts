/**
 * Child process of the bench: the reader alone. Streams FILE with fs.createReadStream in 64 KiB chunks (the same
 * source as the plain read) through `readImport` and consumes every batch of events. Prints one JSON line on
 * stdout: bytes, seconds (reading only, not Node's start-up or module loading), event counts and the process's
 * peak RSS (`process.resourceUsage().maxRSS`, KiB).
 *
 * Usage: node dist/bench/reader-worker.js FILE YYYY-MM-DD
 */
import { createReadStream, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readImport } from '../shared/core/format/read-import.js';

const CHUNK_BYTES = 64 * 1024;
/** The kinds that are one record of the file each; header, club and error events are not records. */
const RECORD_KINDS = new Set(['person', 'activity', 'delete-person', 'delete-activity', 'refused']);

const [file, evaluationDate] = process.argv.slice(2);
if (file === undefined || evaluationDate === undefined) {
  process.stderr.write('usage: reader-worker FILE YYYY-MM-DD\n');
  process.exit(2);
}

const bytes = statSync(file).size;
const started = performance.now();
let events = 0;
let records = 0;
let batches = 0;
let errors = 0;
let rejected: string | undefined;
const source = createReadStream(file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>;
for await (const batch of readImport(source, { evaluationDate })) {
  batches++;
  events += batch.length;
  for (const event of batch) {
    if (RECORD_KINDS.has(event.kind)) records++;
    else if (event.kind === 'error') errors++;
    else if (event.kind === 'rejected') rejected = `${event.error.code}: ${event.error.message}`;
  }
}
const seconds = (performance.now() - started) / 1000;

process.stdout.write(
  `${JSON.stringify({ bytes, seconds, batches, events, records, errors, rejected, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
