import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordError, type RecordError } from '../shared/core/errors/record-error.js';
import { KeptErrors, RECEIPT_MAX_ERRORS } from '../shared/core/receipt/kept-errors.js';
import { receiptText } from '../shared/core/receipt/receipt-text.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { readStaged, stagedKey, type StagedApply } from '../shared/core/pipeline/staging.js';
import { importText, registerForFile, uploadOf } from './support/pipeline.js';
import { checkInChild } from './support/check-in-child.js';

// Issue 15: errors found after reading (unknown or duplicate refs) had no bound: a 31 MB file of a million
// unknown refs made `check` hold 697 MB and write a receipt of 290 MB. The receipt lists the first
// RECEIPT_MAX_ERRORS by line and counts the rest per code (`errorsTotal`, `errorsLeftOut`).

const TODAY = '2026-11-25';
const VENDOR = 'limit-vendor';
const CLUBS = ['100201', '100202'];
/**
 * The heap `check` runs in, and the peak RSS it must stay under: the old code held 697 MB for this file; now it is
 * about 350 MB, mostly the file's million refs as records (the receipt of 3.3 MB is no longer 290 MB).
 */
const HEAP_MB = 192;
const RSS_LIMIT_MB = 450;

/** A file of one good activity and then `activities` activities per club of `refs` refs each to persons that are not there. */
function* unknownRefs(clubs: readonly string[], activities: number, refs: number): Generator<string> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="${VENDOR}" created="2026-11-22T02:00:00+01:00" mode="delta">\n`;
  for (const club of clubs) {
    yield `<Club id="${club}"><Persons>\n<Person id="L-1"><PersonalNumber>198805125633</PersonalNumber><FirstName>H</FirstName><LastName>W</LastName></Person>\n</Persons><Activities>\n`;
    for (let a = 0; a < activities; a++) {
      let text = `<Activity id="A-${a}"><Date>2026-11-18</Date><Start>18:00</Start><End>19:30</End><Sport>Fotboll</Sport><Leader ref="L-1"/>\n`;
      for (let r = 0; r < refs; r++) text += `<Participant ref="X${a}-${r}"/>\n`;
      yield `${text}</Activity>\n`;
    }
    yield '</Activities></Club>\n';
  }
  yield '</Import>\n';
}

const ref = (line: number, code: RecordError['code'] = 'UNKNOWN_PERSON_REF') =>
  recordError(code, line, { club: '1', record: `A-${line}` });

describe('KeptErrors: the first errors by line, the rest counted per code', () => {
  it('keeps the same first ones whatever order they come in, and counts what it leaves out', () => {
    const lines = Array.from({ length: 50 }, (_, i) => 100 - i * 2);
    const kept = new KeptErrors(5);
    for (const line of lines) kept.push(ref(line, line % 4 === 0 ? 'DUPLICATE_PERSON_REF' : 'UNKNOWN_PERSON_REF'));
    const summary = kept.summary();
    expect(summary.errors.map((e) => e.line)).toEqual([2, 4, 6, 8, 10]);
    expect(summary.errorsTotal).toBe(50);
    expect(summary.errorsLeftOut).toEqual({ DUPLICATE_PERSON_REF: 23, UNKNOWN_PERSON_REF: 22 });
  });

  it('says nothing of left-out errors when it lists them all', () => {
    const kept = new KeptErrors(5);
    for (const line of [3, 1, 2]) kept.push(ref(line));
    expect(kept.summary()).toEqual({ errors: [ref(1), ref(2), ref(3)] });
  });

  it('merging summaries kept the same way (a club each) gives what one collection of all their errors gives', () => {
    const all = new KeptErrors(4);
    const parts = [new KeptErrors(4), new KeptErrors(4), new KeptErrors(4)];
    for (let line = 1; line <= 30; line++) {
      const error = ref((line * 7) % 31, line % 3 === 0 ? 'DUPLICATE_PERSON_REF' : 'UNKNOWN_PERSON_REF');
      all.push(error);
      parts[line % 3]!.push(error);
    }
    const joined = new KeptErrors(4);
    for (const part of parts) joined.merge(part.summary());
    expect(joined.summary()).toEqual(all.summary());
  });

  it('the human receipt says how many errors there are and which it does not list', () => {
    const kept = new KeptErrors(2);
    for (const line of [1, 2, 3, 4]) kept.push(ref(line));
    const receipt = {
      formatVersion: '1.0',
      file: 'f.xml',
      sha256: 'x',
      vendor: 'v',
      status: 'partially_applied',
      receivedAt: 't',
      completedAt: 't',
      counts: {
        persons: { created: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0 },
        activities: { created: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0, approved: 0, rejected: 0 },
      },
      ...kept.summary(),
      activities: [],
    } satisfies Receipt;
    const text = receiptText(receipt);
    expect(text).toContain('errors (4, the first 2 by line listed):');
    expect(text).toContain('  not listed: UNKNOWN_PERSON_REF 2');
  });
});

describe(`a file of a million unknown refs: check by the CLI in a process of ${HEAP_MB} MB heap`, () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'lok-errors-limit-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it(`lists ${RECEIPT_MAX_ERRORS} errors, counts the rest, peak RSS under ${RSS_LIMIT_MB} MB`, async () => {
    const path = join(scratch, 'million-unknown-refs.xml');
    const fd = openSync(path, 'w');
    try {
      for (const piece of unknownRefs(CLUBS.slice(0, 1), 1000, 1000)) writeSync(fd, piece);
    } finally {
      closeSync(fd);
    }
    const { code, stdout, stderr, rssMb } = await checkInChild(path, { heapMb: HEAP_MB, today: TODAY, scratch });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    console.log(
      `errors limit: a million unknown refs (${(readFileSync(path).length / 1e6).toFixed(0)} MB): receipt ${(stdout.length / 1e6).toFixed(1)} MB, peak RSS ${rssMb.toFixed(0)} MB`,
    );
    const receipt = JSON.parse(stdout) as Receipt;
    expect(receipt.status).toBe('partially_applied');
    expect(receipt.errors).toHaveLength(RECEIPT_MAX_ERRORS);
    expect(receipt.errors.every((e) => e.code === 'UNKNOWN_PERSON_REF')).toBe(true);
    expect(receipt.errorsTotal).toBe(1_000_000);
    expect(receipt.errorsLeftOut).toEqual({ UNKNOWN_PERSON_REF: 1_000_000 - RECEIPT_MAX_ERRORS });
    // The first by line: every ref of the first ten activities (each ref on a line of its own).
    expect(receipt.errors.map((e) => e.line)).toEqual([...receipt.errors.map((e) => e.line)].sort((a, b) => a - b));
    expect(receipt.errors.at(-1)).toMatchObject({ record: 'A-9' });
    expect(stdout.length).toBeLessThan(10e6);
    expect(rssMb).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);
});

describe("the pipeline's receipt and its staged apply are bounded the same way (DynamoDB Local)", () => {
  const db = registerForFile([VENDOR], CLUBS);

  it('two clubs of 7 500 unknown refs each: the first errors of the file over both clubs, the rest counted, the ledger counting all', async () => {
    const upload = uploadOf(VENDOR, 'unknown-refs.xml');
    const result = await importText(
      db.register,
      VENDOR,
      upload.file,
      [...unknownRefs(CLUBS, 15, 500)].join(''),
      TODAY,
      upload,
    );
    if (result.kind !== 'done') throw new Error(`the import ended ${result.kind}`);
    const { receipt } = result;
    expect(receipt.status).toBe('partially_applied');
    expect(receipt.errors).toHaveLength(RECEIPT_MAX_ERRORS);
    expect(receipt.errorsTotal).toBe(15_000);
    expect(receipt.errorsLeftOut).toEqual({ UNKNOWN_PERSON_REF: 15_000 - RECEIPT_MAX_ERRORS });
    // All of the first club (7 500, lines before the second club's), then the second club's first.
    expect(receipt.errors.filter((e) => 'club' in e && e.club === CLUBS[0])).toHaveLength(7_500);
    expect(receipt.errors.map((e) => e.line)).toEqual([...receipt.errors.map((e) => e.line)].sort((a, b) => a - b));
    expect(receipt.activities).toHaveLength(30);
    const staged = await readStaged<StagedApply>(db.register.ports.objects, stagedKey(upload, 'apply'));
    expect({ errors: staged.errors.length, total: staged.errorsTotal }).toEqual({
      errors: RECEIPT_MAX_ERRORS,
      total: 15_000,
    });
    const entry = await db.register.ports.store.upload(VENDOR, upload.uploadId, upload.completedAt);
    expect(entry?.errors).toBe(15_000);
  }, 120_000);
});
