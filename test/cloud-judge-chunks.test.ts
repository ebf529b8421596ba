import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../shared/core/calendar/dates.js';
import { generateImport } from '../shared/core/generate/generate-import.js';
import { periodOfDate } from '../shared/core/pipeline/activity-content.js';
import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { finishUpload, receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { inParallel } from '../shared/core/pipeline/in-parallel.js';
import { JUDGE_CHUNKS_IN_PARALLEL } from '../shared/core/pipeline/import-steps.js';
import { joinJudge, judgeChunk, splitJudge } from '../shared/core/pipeline/judge-in-chunks.js';
import { judgeUpload } from '../shared/core/pipeline/judge-upload.js';
import type { PipelinePorts } from '../shared/core/pipeline/ports.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { UNDATED } from '../shared/core/pipeline/stored.js';
import { totalUpload } from '../shared/core/pipeline/total-upload.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import {
  captureOutput,
  deployedWith,
  IMPORT_STEPS,
  invoke,
  putInInbox,
  startLocalCloud,
  type LocalCloud,
} from './support/cloud.js';
import { clockAt, registerFor, uploadOf, type TestRegister } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';

const CLUBS = ['100042', '100043'];
const VENDOR = 'demo-vendor';
const TODAY = '2026-11-25';
// Every period the generated files' dates fall in (2026-08-17 … 2026-11-20), and the undated one.
const PERIODS = [...new Set(Array.from({ length: 100 }, (_, i) => periodOfDate(addDays('2026-08-17', i))))].concat(
  UNDATED,
);

const generated = (seed: string, persons: number, activities: number) =>
  [...generateImport({ clubs: CLUBS.length, persons, activities, badShare: 0.05, seed, vendor: VENDOR })].join('');

/** What judging leaves in the register: every verdict and every period's totals, in a fixed order. */
async function judged(ports: PipelinePorts) {
  const verdicts = [];
  const totals = [];
  for (const club of CLUBS) {
    for (const period of PERIODS) verdicts.push(...(await ports.store.verdictsOf(club, period)).map((v) => ({ ...v })));
    totals.push(...(await ports.store.totalsOf(club)));
  }
  verdicts.sort((a, b) =>
    `${a.club}|${a.period}|${a.vendor}|${a.id}` < `${b.club}|${b.period}|${b.vendor}|${b.id}` ? -1 : 1,
  );
  return { verdicts, totals };
}

function timeless(receipt: Receipt) {
  const { receivedAt: _r, completedAt: _c, duplicateOf, ...rest } = receipt;
  return { ...rest, ...(duplicateOf ? { duplicateOf: { ...duplicateOf, receivedAt: undefined } } : {}) };
}

// A large file's judge fanned out (split, chunks side by side, join) must judge exactly as the single judge step.
describe('judging in chunks = judging at once', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startLocalCloud();
  }, 120_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  it('in the core, over many small chunks judged side by side, for a first load, a full file that changes it and a duplicate', async () => {
    const registers: TestRegister[] = [];
    try {
      const [single, chunked] = [
        await registerFor(cloud.dynamodb, [VENDOR], CLUBS),
        await registerFor(cloud.dynamodb, [VENDOR], CLUBS),
      ];
      registers.push(single, chunked);
      const clock = clockAt(TODAY);
      // A first load, a full file that changes it, and that file again (a duplicate: nothing to judge, one empty chunk).
      for (const [seed, persons, activities, minChunks] of [
        ['chunks-1', 60, 110, 6],
        ['chunks-2', 55, 120, 6],
        ['chunks-2', 55, 120, 1],
      ] as const) {
        const xml = generated(seed, persons, activities);
        const upload: Upload = uploadOf(VENDOR, `${seed}-${minChunks}.xml`);
        const receipts: Receipt[] = [];
        for (const r of [single, chunked]) {
          await registerUpload(r.ports, upload, clock);
          const applied = await applyFile(r.ports, upload, stringSource(upload.file, xml), clock);
          expect(applied.kind).toBe('applied');
          if (r === single) await judgeUpload(r.ports, upload, clock);
          else {
            const { chunks } = await splitJudge(r.ports, upload, 16);
            expect(chunks).toBeGreaterThanOrEqual(minChunks);
            // As the Distributed Map runs them: several at once, in no particular order, one of them twice.
            const order = Array.from({ length: chunks }, (_, i) => i)
              .reverse()
              .concat([0]);
            await inParallel(order, JUDGE_CHUNKS_IN_PARALLEL, (chunk) => judgeChunk(r.ports, upload, chunk, clock));
            await joinJudge(r.ports, upload, chunks);
          }
          await totalUpload(r.ports, upload);
          receipts.push(await finishUpload(r.ports, upload, clock));
        }
        expect(timeless(receipts[1]!)).toEqual(timeless(receipts[0]!));
        const [a, b] = [await judged(single.ports), await judged(chunked.ports)];
        expect(a.verdicts.length).toBeGreaterThan(80);
        if (minChunks === 1) expect(receipts[0]!.status).toBe('duplicate');
        expect(b).toEqual(a);
      }
    } finally {
      for (const r of registers) r.dispose();
    }
  }, 60_000);

  it('through the handlers: split, the manifest read as the Distributed Map reads it, chunks, join = the judge step', async () => {
    const FUNCTIONS = {
      ...IMPORT_STEPS,
      split: 'judge-split-step',
      chunk: 'judge-chunk-step',
      join: 'judge-join-step',
    } as const;
    const output = captureOutput();
    try {
      // A first load, then a full file that changes persons and activities: its seeds are activities and persons,
      // cut into two chunks (JUDGE_CHUNK_SEEDS is far above either count: a file that exceeds it is too big here).
      const files = [generated('chunks-handlers-1', 150, 200), generated('chunks-handlers-2', 140, 220)];
      const run = async (fanOut: boolean) => {
        const { d, h } = await deployedWith(cloud, { vendors: [VENDOR], clubs: CLUBS }, {}, FUNCTIONS);
        const receipts: Receipt[] = [];
        const chunkCounts: number[] = [];
        for (const [i, xml] of files.entries()) {
          const upload = await putInInbox(cloud, d, VENDOR, `large-${i}.xml`, xml);
          await invoke(h.register, { upload });
          await invoke(h.apply, { upload });
          if (!fanOut) await invoke(h.judge, { upload });
          else {
            const split = (await invoke(h.split, { upload })) as { chunks: number; manifest: string };
            chunkCounts.push(split.chunks);
            // The Distributed Map's S3 JSON Lines reader: one item per line.
            const items = (await d.ports.objects.get(split.manifest))!
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line) as { chunk: number });
            expect(items).toHaveLength(split.chunks);
            // ItemSelector: { upload: $.upload, chunk: $$.Map.Item.Value.chunk }, items side by side.
            const results = await Promise.all(items.map((item) => invoke(h.chunk, { upload, chunk: item.chunk })));
            expect(results).toEqual(items);
            // Retried (each state retries on transient errors): the same result.
            expect(await invoke(h.split, { upload })).toEqual(split);
            expect(await invoke(h.chunk, { upload, chunk: 0 })).toEqual({ chunk: 0 });
            const joined = await invoke(h.join, { upload, chunks: split.chunks });
            expect(await invoke(h.join, { upload, chunks: split.chunks })).toEqual(joined);
          }
          await invoke(h.totals, { upload });
          await invoke(h.receipt, { upload });
          receipts.push(JSON.parse((await d.ports.objects.get(receiptKey(upload)))!) as Receipt);
        }
        return { d, receipts, chunkCounts };
      };
      const single = await run(false);
      const chunked = await run(true);
      expect(chunked.chunkCounts).toEqual([1, 2]);
      expect(single.receipts[1]!.counts.persons.updated).toBeGreaterThan(0);
      expect(chunked.receipts.map(timeless)).toEqual(single.receipts.map(timeless));
      expect(await judged(chunked.d.ports)).toEqual(await judged(single.d.ports));
    } finally {
      output.restore();
    }
  }, 60_000);
});
