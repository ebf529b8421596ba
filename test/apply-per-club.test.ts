import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskObjectStore } from '../shared/adapters/local-disk/object-store.js';
import { readImport } from '../shared/core/format/read-import.js';
import { TransientError } from '../shared/core/errors/step-failures.js';
import { generateImport } from '../shared/core/generate/generate-import.js';
import { applyFile, readFile, type StagedRead } from '../shared/core/pipeline/apply-file.js';
import { IMPORT_MAX_BYTES } from '../shared/core/pipeline/import-steps.js';
import { clubContents, cutIntoParts, unitsOf } from '../shared/core/pipeline/file-parts.js';
import { inParallel } from '../shared/core/pipeline/in-parallel.js';
import { chunksOf } from '../shared/core/pipeline/judge-in-chunks.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import { rejudge } from '../shared/core/pipeline/rejudge.js';
import { stagedKey, type StagedApply } from '../shared/core/pipeline/staging.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { interceptPorts } from './support/intercept.js';
import { clockAt, noWait, registerFor, uploadOf, type TestRegister } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';

const VENDOR = 'demo-vendor';
const CLUBS = ['100042', '100043', '100044', '100045', '100046'];
const clock = clockAt('2026-11-25');
const xml = [
  ...generateImport({
    clubs: CLUBS.length,
    persons: 200,
    activities: 300,
    badShare: 0.05,
    seed: 'per-club',
    vendor: VENDOR,
  }),
].join('');

/** A receipt without what differs between two uploads of the same bytes (ids, names, times). */
function comparable(receipt: Receipt) {
  const { file, receivedAt, completedAt, ...rest } = receipt as Receipt & { receivedAt?: string; completedAt?: string };
  void file;
  void receivedAt;
  void completedAt;
  return rest;
}

describe('the apply step, club by club (DynamoDB Local)', () => {
  const db = dynamoDbForFile();
  const folders: string[] = [];
  afterAll(() => {
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });

  const register = (): Promise<TestRegister> => registerFor(db.client, [VENDOR], CLUBS);

  it("a unit that dies mid-club is retried from the parts, not the file; the clubs staged before it are not applied again; the receipt is a clean run's", async () => {
    const clean = await register();
    const cleanRun = await runImport(
      clean.ports,
      uploadOf(VENDOR, 'clean.xml'),
      () => stringSource('clean.xml', xml),
      clock,
      noWait,
    );
    expect(cleanRun.kind).toBe('done');

    const r = await register();
    const upload = uploadOf(VENDOR, 'dies.xml');
    let reads = 0;
    let writes = 0;
    const writesPerAttempt: number[] = [];
    let died = false;
    const dying = interceptPorts(r.ports, async (call, proceed) => {
      // The third club's phase-two write (links and activities) dies once: its first phase is written by then.
      if (call.port === 'store' && call.method === 'write') {
        writes++;
        if (!died && writes === 3 * 2) {
          died = true;
          throw new TransientError('died');
        }
      }
      return proceed();
    });
    const counted = () => {
      const source = stringSource(upload.file, xml);
      return {
        ...source,
        chunks: (async function* () {
          reads++;
          yield* source.chunks;
        })(),
      };
    };
    const run = await runImport(dying, upload, counted, clock, {
      ...noWait,
      onStep: (e) => {
        if (e.step === 'apply' && e.outcome !== 'start') writesPerAttempt.push(writes);
      },
    });
    expect(run.kind).toBe('done');
    expect(died).toBe(true);
    // The file was read once: the retry applied the clubs from their parts.
    expect(reads).toBe(1);
    // The first attempt wrote two clubs whole and the third's first phase (two writes per club); the retry wrote
    // the third club again (its records are not marked done before phase two) and clubs four and five, not the
    // two clubs staged before.
    const [first, second] = writesPerAttempt;
    expect(first).toBe(6);
    expect(second! - first!).toBe(3 * 2);
    if (run.kind !== 'done' || cleanRun.kind !== 'done') throw new Error('not done');
    expect(comparable(run.receipt)).toEqual(comparable(cleanRun.receipt));
    clean.dispose();
    r.dispose();
  }, 60_000);

  it("a person new to the register in two clubs of one file is settled in neither: each club's chunk looks the other's activities up", async () => {
    const r = await register();
    const upload = uploadOf(VENDOR, 'two-clubs.xml');
    // The second club's element is the first's under another id: the same persons (personnummer) in both.
    const first = xml.slice(xml.indexOf('<Club '), xml.indexOf('</Club>') + '</Club>'.length);
    const twoClubs = `${xml.slice(0, xml.indexOf('<Club '))}${first}${first.replace(`<Club id="${CLUBS[0]}"`, `<Club id="${CLUBS[1]}"`)}</Import>`;
    const calls: string[] = [];
    const watched = interceptPorts(r.ports, async (call, proceed) => {
      if (call.port === 'store' && (call.method === 'write' || call.method === 'bumpHeads')) calls.push(call.method);
      return proceed();
    });
    const run = await runImport(watched, upload, () => stringSource(upload.file, twoClubs), clock, noWait);
    expect(run.kind).toBe('done');
    // The heads move once, after both clubs are written (judge writes come after): moved per club, the second
    // club's move would be skipped as the same upload's, and a judge elsewhere could miss its writes.
    expect(calls.filter((c) => c === 'bumpHeads')).toHaveLength(1);
    expect(calls.slice(0, calls.indexOf('bumpHeads'))).toEqual(['write', 'write', 'write', 'write']);
    const staged = JSON.parse((await r.ports.objects.get(stagedKey(upload, 'apply')))!) as StagedApply;
    expect(staged.clubs).toEqual(CLUBS.slice(0, 2));
    // Persons with a personnummer are one person in both clubs: none is settled. Those sent with a birth date
    // only are a person per club (no identity to match on): each is settled in its club.
    const pidsOf = async (club: string) =>
      new Set((await r.ports.store.linksOf(VENDOR, club)).persons.map((l) => l.pid));
    const [inFirst, inSecond] = [await pidsOf(CLUBS[0]!), await pidsOf(CLUBS[1]!)];
    const inBoth = [...inFirst].filter((pid) => inSecond.has(pid));
    expect(inBoth.length).toBeGreaterThan(0);
    expect(staged.seeds.settled.filter((s) => inBoth.includes(s.pid))).toEqual([]);
    for (const s of staged.seeds.settled) expect((s.club === CLUBS[0] ? inFirst : inSecond).has(s.pid)).toBe(true);
    // Judging both clubs' activities again from scratch writes nothing: the chunks judged the shared weeks whole.
    const everything = staged.activities.map((x) => ({ vendor: VENDOR, club: x.club, id: x.id }));
    expect((await rejudge(r.ports, { activities: everything, persons: [] }, '2026-11-25')).written).toBe(0);
    r.dispose();
  }, 60_000);

  it('a file over IMPORT_MAX_BYTES is FILE_TOO_LARGE: rejected whole, without reading it to the end', async () => {
    const r = await register();
    const upload = uploadOf(VENDOR, 'huge.xml');
    const head = new TextEncoder().encode(xml.slice(0, xml.indexOf('<Club ')));
    const blank = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const huge = {
      name: upload.file,
      chunks: (async function* () {
        yield head;
        sent += head.length;
        // Whitespace between the header and the first club, past the limit, then the clubs and the end.
        while (sent <= IMPORT_MAX_BYTES) {
          yield blank;
          sent += blank.length;
        }
        yield new TextEncoder().encode(xml.slice(xml.indexOf('<Club ')));
      })(),
      sha256: async () => 'not-read',
    };
    const run = await runImport(r.ports, upload, () => huge, clock, noWait);
    if (run.kind !== 'done') throw new Error(run.kind);
    expect(run.receipt.status).toBe('rejected');
    expect(run.receipt.errors.map((e) => e.code)).toEqual(['FILE_TOO_LARGE']);
    for (const club of CLUBS) expect((await r.ports.store.linksOf(VENDOR, club)).persons).toEqual([]);
    r.dispose();
  }, 120_000);

  it('a file rejected at its last byte applies nothing and leaves no parts', async () => {
    const r = await register();
    const upload = uploadOf(VENDOR, 'cut.xml');
    const cut = xml.slice(0, xml.lastIndexOf('</Import>'));
    const run = await runImport(r.ports, upload, () => stringSource(upload.file, cut), clock, noWait);
    expect(run.kind).toBe('done');
    if (run.kind !== 'done') return;
    expect(run.receipt.status).toBe('rejected');
    for (const club of CLUBS) expect((await r.ports.store.linksOf(VENDOR, club)).persons).toEqual([]);
    const work = join(r.folder, 'work', VENDOR, upload.uploadId);
    expect(readdirSync(work)).toContain('read.json');
    const parts = readdirSync(work, { recursive: true, withFileTypes: true }).filter(
      (e) => e.isFile() && e.name.startsWith('part-'),
    );
    expect(parts).toEqual([]);
    r.dispose();
  }, 60_000);

  it('a second upload of a club waits for the first, from its read on: the read of the first is all the second needs', async () => {
    const r = await register();
    const first = uploadOf(VENDOR, 'first.xml');
    const second = uploadOf(VENDOR, 'second.xml');
    await registerUpload(r.ports, first, clock);
    await registerUpload(r.ports, second, clock);
    const read = await readFile(r.ports, first, stringSource(first.file, xml), clock);
    expect(read.kind).toBe('read');
    expect((await applyFile(r.ports, second, stringSource(second.file, xml), clock)).kind).toBe('blocked');
    expect(await r.ports.objects.get(stagedKey(second, 'read'))).toBeUndefined();
    const staged = JSON.parse((await r.ports.objects.get(stagedKey(first, 'read')))!) as StagedRead;
    expect(staged.clubs.map((c) => c.club)).toEqual(CLUBS);
    r.dispose();
  }, 60_000);
});

describe('cutting a file into parts per club', () => {
  it('a club in two Club elements is one club; its records come back whole from several parts, in file order', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'lok-parts-'));
    const objects = new DiskObjectStore(folder);
    // The same five clubs again after the first five: each club has two elements.
    const twice = xml.replace(
      '</Import>',
      xml.slice(xml.indexOf('<Club '), xml.lastIndexOf('</Import>')).replace(/id="(A|P)-/g, 'id="$1x-') + '</Import>',
    );
    const upload = uploadOf(VENDOR, 'twice.xml');
    const events = () => readImport(stringSource('twice.xml', twice).chunks, { evaluationDate: '2026-11-25' });
    const read = await cutIntoParts(objects, { upload, readId: 'r1' }, events(), undefined, {
      part: 2_000,
      buffered: 10_000,
    });
    if (!read.ok) throw new Error('rejected');
    expect(read.clubs.map((c) => c.club)).toEqual(CLUBS);
    expect(read.clubs.every((c) => c.parts > 1)).toBe(true);

    const wanted = { persons: [] as string[], activities: [] as string[] };
    for await (const batch of events())
      for (const e of batch) {
        if (e.kind === 'person' && e.record.club === CLUBS[1]) wanted.persons.push(e.record.id);
        if (e.kind === 'activity' && e.record.club === CLUBS[1]) wanted.activities.push(e.record.id);
      }
    const contents = await clubContents(objects, { upload, readId: 'r1' }, read.header, read.clubs[1]!);
    expect(contents.persons.map((p) => p.id)).toEqual(wanted.persons);
    expect(contents.activities.map((a) => a.id)).toEqual(wanted.activities);
    expect(contents.clubs).toEqual([{ club: CLUBS[1], line: read.clubs[1]!.line }]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('units hold whole clubs in file order, a large club alone', () => {
    const club = (c: string, records: number) => ({ club: c, line: 1, records, parts: 1 });
    expect(unitsOf([club('a', 4), club('b', 4), club('c', 30), club('d', 1), club('e', 9)], 10)).toEqual([
      ['a', 'b'],
      ['c'],
      ['d', 'e'],
    ]);
    expect(unitsOf([], 10)).toEqual([]);
  });
});

describe('judging in chunks of whole clubs', () => {
  const a = (club: string, n: number) => Array.from({ length: n }, (_, i) => ({ club, id: `A${i}` }));
  it("packs whole clubs up to the size, settles a club's persons in its chunk only, cuts a larger club without settling it, and seeds persons everywhere last", () => {
    const chunks = chunksOf(
      {
        activities: [...a('1', 3), ...a('2', 3), ...a('3', 12), ...a('4', 2)],
        persons: [{ pid: 'p1', club: '1' }, { pid: 'everywhere' }, { pid: 'p3', club: '3' }],
        settled: [
          { pid: 's1', club: '1' },
          { pid: 's3', club: '3' },
          { pid: 's4', club: '4' },
        ],
      },
      8,
    );
    expect(chunks.map((c) => [c.activities.length, c.persons.map((p) => p.pid), c.settled])).toEqual([
      [6, ['p1'], ['s1']],
      [8, [], []],
      [4, [], []],
      [0, ['p3'], []],
      [2, [], ['s4']],
      [0, ['everywhere'], []],
    ]);
    expect(chunksOf({ activities: [], persons: [], settled: [] }, 8)).toEqual([
      { activities: [], persons: [], settled: [] },
    ]);
  });
});

describe('inParallel', () => {
  it('after a failure it starts nothing more and rejects only once the work in flight has ended', async () => {
    const ended: number[] = [];
    let started = 0;
    const failing = inParallel([0, 1, 2, 3, 4, 5], 3, async (i) => {
      started++;
      if (i === 0) throw new Error('first fails');
      await new Promise((resolve) => setTimeout(resolve, 30));
      ended.push(i);
      return i;
    });
    await expect(failing).rejects.toThrow('first fails');
    // Items 1 and 2 were in flight when item 0 failed: they ended before the rejection; nothing else started.
    expect(ended.sort()).toEqual([1, 2]);
    expect(started).toBe(3);
  });
});
