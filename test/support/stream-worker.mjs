// Reads an Importer XML file of `process.argv[2]` bytes, made as a stream and never stored, and reports what it
// read and the process's peak RSS. Run it capped: node --max-old-space-size=512 stream-worker.mjs BYTES.
import { generateImport } from '../../dist/shared/core/generate/generate-import.js';
import { readImport } from '../../dist/shared/core/format/read-import.js';

const target = Number(process.argv[2]);
const encoder = new TextEncoder();
const sample = [...generateImport({ clubs: 1, persons: 2000, activities: 2000, badShare: 0.02, seed: 'stream' })].join(
  '',
);
const head = sample.slice(0, sample.indexOf('  <Club '));
const clubOpen = /\s*<Club id="\d+">\n/.exec(sample.slice(head.length))[0];
const body = encoder.encode(sample.slice(head.length + clubOpen.length, sample.lastIndexOf('</Import>')));

let produced = 0;
let clubs = 0;
async function* file() {
  const first = encoder.encode(head);
  produced += first.length;
  yield first;
  while (produced < target) {
    const open = encoder.encode(`  <Club id="${200000 + clubs++}">\n`);
    produced += open.length + body.length;
    yield open;
    // The same bytes again: only the club id differs, which is all a structural read can tell apart.
    for (let i = 0; i < body.length; i += 65536) yield body.subarray(i, i + 65536);
  }
  const tail = encoder.encode('</Import>\n');
  produced += tail.length;
  yield tail;
}

const started = performance.now();
const counts = {};
for await (const batch of readImport(file(), { evaluationDate: '2026-11-25' })) {
  for (const event of batch) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
}
process.stdout.write(
  JSON.stringify({
    bytes: produced,
    clubs,
    counts,
    seconds: (performance.now() - started) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
