import { describe, expect, it } from 'vitest';
import type { PipelinePorts } from '../shared/core/pipeline/ports.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { runImport, type RunOptions, type RunResult } from '../shared/core/pipeline/run-import.js';
import { InProcessTurns } from '../shared/core/pipeline/turns.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { gate, interceptPorts } from './support/intercept.js';
import { clockAt, noWait, registerFor, type TestRegister } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';
import { activitySpec, clubFile, TODAY, xmlOf } from './support/world.js';

const VENDOR = 'v1';
const CLUB = '100001';
const OTHER_CLUB = '100002';
const clock = clockAt(TODAY);
/** An hour without word before a waiter looks again: nothing here gets on by looking again. */
const NO_LOOKING_AGAIN = 3_600_000;

/** The n-th upload of the vendor: one activity A0 moved to another start each time, so that each changes something. */
function nth(n: number, club: string = CLUB): { upload: Upload; xml: string } {
  const activity = activitySpec({ date: n % 6, start: n % 3, leaders: [0], participants: [2, 3, 4] });
  const file = clubFile(VENDOR, club, [0, 2, 3, 4], [activity]);
  const upload = {
    vendor: VENDOR,
    uploadId: `turn-${String(n).padStart(3, '0')}`,
    file: `turn-${n}.xml`,
    completedAt: `2026-11-25T10:${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`,
  };
  return { upload, xml: xmlOf(file) };
}

interface Run {
  readonly upload: Upload;
  readonly result: RunResult;
  readonly blocked: number;
  readonly finishedAt: number;
}

async function run(
  ports: PipelinePorts,
  n: number,
  turns: InProcessTurns,
  options: Partial<RunOptions> = {},
  club = CLUB,
): Promise<Run> {
  const { upload, xml } = nth(n, club);
  let blocked = 0;
  const result = await runImport(ports, upload, () => stringSource(upload.file, xml), clock, {
    ...noWait,
    turns,
    ...options,
    onStep: (e) => {
      if (e.outcome === 'blocked') blocked++;
    },
  });
  return { upload, result, blocked, finishedAt: performance.now() };
}

// Issue 12: waiting is not polling. An upload whose predecessor is unfinished leaves word with it and is handed on
// when it ends; locally as in the state machine (test/state-machine-execution), the same rule (turns.ts).
describe("a vendor's uploads waiting for their turn (DynamoDB Local)", () => {
  const db = dynamoDbForFile();

  const setUp = (): Promise<TestRegister> => registerFor(db.client, [VENDOR], [CLUB]);

  it('twenty uploads of one club started at once, the last first: each is handed on by the one before it and imports in order, blocked twice at most', async () => {
    const register = await setUp();
    const turns = new InProcessTurns(NO_LOOKING_AGAIN);
    // In the ledger first, as their completion makes them (an upload entering the ledger later than one after it
    // is found by a look again, as in the cloud by the inbox).
    for (let n = 1; n <= 20; n++) await registerUpload(register.ports, nth(n).upload, clock);
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => run(register.ports, 20 - i, turns)));
    runs.sort((a, b) => a.finishedAt - b.finishedAt);
    expect(runs.map((r) => r.result.kind)).toEqual(runs.map(() => 'done'));
    expect(runs.map((r) => r.upload.uploadId)).toEqual([...runs.map((r) => r.upload.uploadId)].sort());
    // Once while the upload before it has not read its file (its clubs unknown), once more for that upload's end.
    expect(Math.max(...runs.map((r) => r.blocked))).toBeLessThanOrEqual(2);
    // Every word left was taken by the upload it was left with.
    for (const r of runs) expect(await register.ports.store.takeWaiters(r.upload)).toEqual([]);
    register.dispose();
  }, 120_000);

  it('a predecessor that fails hands on too: the upload after it imports', async () => {
    const register = await setUp();
    const turns = new InProcessTurns(NO_LOOKING_AGAIN);
    // The first upload's judge step fails every attempt (its register reads fail): it fails with IMPORT_FAILED.
    const failing = interceptPorts(register.ports, async (call, proceed) => {
      if (call.method === 'heads') throw Object.assign(new Error('injected'), { name: 'InjectedFault' });
      return proceed();
    });
    const [first, second] = await Promise.all([run(failing, 1, turns), run(register.ports, 2, turns)]);
    expect(first.result).toMatchObject({ kind: 'failed', error: 'InjectedFault' });
    expect(second.result.kind).toBe('done');
    expect(second.blocked).toBeGreaterThanOrEqual(1);
    register.dispose();
  }, 60_000);

  it('per club of a vendor: a later file of another club goes on while an earlier one is held; a later file of the same club waits for it', async () => {
    const register = await registerFor(db.client, [VENDOR], [CLUB, OTHER_CLUB]);
    const turns = new InProcessTurns(NO_LOOKING_AGAIN);
    for (const [n, club] of [
      [1, CLUB],
      [2, OTHER_CLUB],
      [3, CLUB],
    ] as const)
      await registerUpload(register.ports, nth(n, club).upload, clock);
    // The first upload is held once it has read its clubs (at its claim on the bytes) until the others have had their go.
    const held = gate();
    const holding = interceptPorts(register.ports, async (call, proceed) => {
      if (call.method === 'claimFile') await held.wait();
      return proceed();
    });
    const first = run(holding, 1, turns);
    await held.reached;
    const [otherClub, sameClub] = [run(register.ports, 2, turns, {}, OTHER_CLUB), run(register.ports, 3, turns)];
    const other = await otherClub;
    expect(other).toMatchObject({ result: { kind: 'done' }, blocked: 0 });
    const sameBefore = await Promise.race([
      sameClub.then(() => 'done'),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 500)),
    ]);
    expect(sameBefore).toBe('waiting');
    held.open();
    const [one, three] = await Promise.all([first, sameClub]);
    expect([one.result.kind, three.result.kind]).toEqual(['done', 'done']);
    expect(three.blocked).toBeGreaterThanOrEqual(1);
    expect(one.finishedAt).toBeLessThan(three.finishedAt);
    register.dispose();
  }, 60_000);

  it('without turns a blocked upload says so at once, naming its predecessor (found with one query)', async () => {
    const register = await setUp();
    const earlier = nth(1).upload;
    await register.ports.store.createUpload({ ...earlier, stage: 'queued', receivedAt: clock.now() });
    const { upload, xml } = nth(2);
    const result = await runImport(register.ports, upload, () => stringSource(upload.file, xml), clock, noWait);
    expect(result).toEqual({ kind: 'blocked', waitingFor: earlier.uploadId });
    expect(await register.ports.store.predecessorOf(upload)).toMatchObject({ uploadId: earlier.uploadId });
    expect(await register.ports.store.predecessorOf(earlier)).toBeUndefined();
    register.dispose();
  }, 60_000);
});
