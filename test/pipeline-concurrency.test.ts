import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { finishUpload } from '../shared/core/pipeline/finish-upload.js';
import { joinJudge, judgeChunk, splitJudge } from '../shared/core/pipeline/judge-in-chunks.js';
import { judgeUpload } from '../shared/core/pipeline/judge-upload.js';
import type { PipelinePorts } from '../shared/core/pipeline/ports.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { JudgeContended } from '../shared/core/errors/step-failures.js';
import { totalUpload } from '../shared/core/pipeline/total-upload.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { interceptPorts } from './support/intercept.js';
import { clockAt, registerFor, uploadOf } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';
import {
  CLUBS,
  PERSONS,
  TODAY,
  WorldModel,
  fileArb,
  outcomeFromScratch,
  storedOutcome,
  xmlOf,
  type ClubSpec,
  type FileSpec,
} from './support/world.js';

/** Three vendors, each activated for both clubs: every person of the world can be sent by all three. */
const VENDORS = ['v1', 'v2', 'v3'] as const;
const clock = clockAt(TODAY);

/** Every person of the world, as a first load sends them: what makes the vendors' activities meet. */
const everyone = (club: ClubSpec): ClubSpec => ({
  ...club,
  deletePersons: [],
  persons: Array.from({ length: PERSONS }, (_, n) => club.persons.find((p) => p.n === n) ?? { n, memberships: 0 }),
});

/** One vendor's files: the first a full load of every person (a first load when nothing came before), then changes. */
const vendorFilesArb = (vendor: string) =>
  fc
    .tuple(
      fileArb.map((f): FileSpec => ({ vendor, mode: 'full', clubs: f.clubs.map(everyone) })),
      fc.array(
        fileArb.map((f): FileSpec => ({ ...f, vendor })),
        { maxLength: 2 },
      ),
    )
    .map(([first, rest]) => [first, ...rest]);

/** How an upload's judge step runs: whole, or cut into chunks of this many seeds judged side by side. */
const judgeArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
);

const runArb = fc.record({
  files: fc.tuple(...VENDORS.map(vendorFilesArb)),
  judges: fc.array(judgeArb, { minLength: 9, maxLength: 9 }),
  /** Seed of the order in which the uploads' storage calls go (`CallScheduler`). */
  schedule: fc.integer({ min: 1, max: 2 ** 31 - 2 }),
});

/**
 * One storage call at a time, the next chosen at random among those waiting: any interleaving of the uploads'
 * calls can come out, and now and then an upload is paused for up to 80 calls of the others (long enough for
 * another vendor's whole import to pass between its reads and its writes). Seeded, so a failure replays.
 */
class CallScheduler {
  private readonly waiting: { owner: string; go: () => void }[] = [];
  private readonly paused = new Map<string, number>();
  private running = false;
  private state: number;

  constructor(seed: number) {
    this.state = seed;
  }

  /** The ports of one upload (the owner), every call waiting for its turn. */
  portsOf(ports: PipelinePorts, owner: string): PipelinePorts {
    return interceptPorts(ports, async (_call, proceed) => {
      await new Promise<void>((go) => {
        this.waiting.push({ owner, go });
        this.next();
      });
      try {
        return await proceed();
      } finally {
        this.running = false;
        this.next();
      }
    });
  }

  private random(): number {
    this.state = (this.state * 48271) % 2147483647;
    return this.state / 2147483647;
  }

  /** After the running call, and once the others have had their turn to queue theirs (setImmediate), one goes. */
  private next(): void {
    setImmediate(() => {
      if (this.running || this.waiting.length === 0) return;
      let candidates = this.waiting.filter((w) => !this.paused.has(w.owner));
      if (candidates.length === 0) candidates = this.waiting;
      const chosen = candidates[Math.floor(this.random() * candidates.length)]!;
      for (const [owner, left] of this.paused)
        if (left <= 1) this.paused.delete(owner);
        else this.paused.set(owner, left - 1);
      if (this.random() < 0.05 && candidates.length > 1) {
        this.paused.set(chosen.owner, 1 + Math.floor(this.random() * 80));
        this.next();
        return;
      }
      this.waiting.splice(this.waiting.indexOf(chosen), 1);
      this.running = true;
      chosen.go();
    });
  }
}

/** A step retried as the runner and the state machine retry it when heads kept moving under the judge. */
async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof JudgeContended) || attempt === 6) throw error;
    }
  }
}

/** Every step of one upload; the judge whole or in chunks side by side (the cloud's Distributed Map). */
async function runUpload(
  ports: PipelinePorts,
  upload: Upload,
  xml: string,
  chunkSize: number | undefined,
): Promise<void> {
  await registerUpload(ports, upload, clock);
  const applied = await applyFile(ports, upload, stringSource(upload.file, xml), clock);
  expect(applied.kind).toBe('applied');
  if (chunkSize === undefined) await retried(() => judgeUpload(ports, upload, clock));
  else {
    const { chunks } = await splitJudge(ports, upload, chunkSize);
    await Promise.all(Array.from({ length: chunks }, (_, i) => retried(() => judgeChunk(ports, upload, i, clock))));
    await joinJudge(ports, upload, chunks);
  }
  await totalUpload(ports, upload);
  await finishUpload(ports, upload, clock);
}

// Issue 12: verdicts never depend on arrival order or on which vendor ran first. test/pipeline-race holds the
// two scenarios of the issue as fixed examples.
describe('several vendors at once = judging the final state from scratch (DynamoDB Local)', () => {
  const db = dynamoDbForFile();

  it("three vendors' files for two clubs sharing persons, leaders and groups, first loads included, run side by side, their storage calls in a random order", async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({ files, judges, schedule }) => {
        const register = await registerFor(db.client, VENDORS, CLUBS);
        try {
          const scheduler = new CallScheduler(schedule);
          let n = 0;
          // Each vendor's files one after another (as the blocked rule orders them), the vendors side by side.
          await Promise.all(
            files.map(async (vendorFiles) => {
              for (const file of vendorFiles) {
                const upload = uploadOf(file.vendor, `c${n}.xml`);
                await runUpload(
                  scheduler.portsOf(register.ports, upload.uploadId),
                  upload,
                  xmlOf(file),
                  judges[n++ % judges.length],
                );
              }
            }),
          );
          const model = new WorldModel();
          for (const file of files.flat()) model.apply(file);
          expect(await storedOutcome(register.ports.store)).toEqual(outcomeFromScratch(model));
        } finally {
          register.dispose();
        }
      }),
      { numRuns: 25, interruptAfterTimeLimit: 240_000, markInterruptAsFailure: true },
    );
  }, 300_000);
});
