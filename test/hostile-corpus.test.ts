import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { fileSource } from '../shared/adapters/local-disk/file-source.js';
import { checkImport } from '../shared/core/check/check-import.js';
import { LIMITS, MAX_OCCURS } from '../shared/core/format/limits.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import { errorCount, RECEIPT_MAX_ERRORS } from '../shared/core/receipt/kept-errors.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { clockAt, noWait, registerForFile, uploadOf, type TestRegister } from './support/pipeline.js';
import { checkInChild } from './support/check-in-child.js';
import { ROOT } from './support/run-cli.js';
import { stringSource } from './support/string-source.js';
import { HOSTILE_CORPUS, type HostileCase } from './hostile/manifest.js';

const TODAY = '2026-11-25';
const VENDOR = 'hostile-vendor';
const CLUB = '100042';
const HOSTILE = join(ROOT, 'test', 'hostile');
/**
 * The heap a big case's `check` runs in, and the peak RSS it must stay under: a small file takes about 75 MB, the big
 * cases 76-154 MB on a quiet machine; the heap cap is what bounds them (past it the process dies), the RSS bound leaves
 * room for the collector on a busy one.
 */
const HEAP_MB = 96;
const RSS_LIMIT_MB = 256;
/**
 * DynamoDB's item limit, and the share of it the largest stored item may use: DynamoDB Local enforces the limit, and
 * the test measures every item so that the limits keep their headroom under it.
 */
const ITEM_LIMIT_BYTES = 400 * 1024;
const ITEM_HEADROOM = 0.75;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'lok-hostile-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The case's file: committed, or generated into the scratch folder (removed again by `done`). */
function fileOf(c: HostileCase): { path: string; done: () => void } {
  if (!c.generate) return { path: join(HOSTILE, `${c.name}.xml`), done: () => undefined };
  const path = join(scratch, `${c.name}.xml`);
  const fd = openSync(path, 'w');
  try {
    for (const piece of c.generate()) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
  return { path, done: () => rmSync(path, { force: true }) };
}

/** What the manifest says of a receipt, and that a partly bad file kept its good activity. */
function expectOutcome(c: HostileCase, receipt: Receipt): void {
  const first = receipt.errors[0];
  expect({ status: receipt.status, code: first?.code, line: first?.line }).toEqual({
    status: c.status,
    code: c.code,
    line: c.line,
  });
  // Past RECEIPT_MAX_ERRORS the receipt lists the first ones and counts them all (errorsTotal).
  if (c.errors !== undefined)
    expect({ total: errorCount(receipt), listed: receipt.errors.length }).toEqual({
      total: c.errors,
      listed: Math.min(c.errors, RECEIPT_MAX_ERRORS),
    });
  if (c.detail !== undefined) expect(first?.message).toContain(c.detail);
  if (c.status === 'rejected') {
    expect(receipt.errors).toHaveLength(1);
    expect(receipt.activities).toEqual([]);
  } else {
    expect(receipt.activities.find((a) => a.id === 'A-1')).toMatchObject({ club: CLUB, verdict: 'approved' });
  }
}

const checkOptions = {
  today: TODAY,
  now: () => `${TODAY}T12:00:00.000Z`,
  swedishDateOf: (iso: string) => iso.slice(0, 10),
};

describe('the hostile corpus (test/hostile/manifest.ts)', () => {
  it('holds at least 40 files, each committed file has its case and each case its file or generator', () => {
    expect(HOSTILE_CORPUS.length).toBeGreaterThanOrEqual(40);
    const names = HOSTILE_CORPUS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const committed = readdirSync(HOSTILE)
      .filter((f) => f.endsWith('.xml'))
      .map((f) => f.slice(0, -4));
    expect(committed.sort()).toEqual(
      HOSTILE_CORPUS.filter((c) => !c.generate)
        .map((c) => c.name)
        .sort(),
    );
    for (const c of HOSTILE_CORPUS)
      if (!c.generate) expect(readFileSync(join(HOSTILE, `${c.name}.xml`)).length).toBeLessThan(1024 * 1024);
  });

  describe('schemas/importer-v1.xsd states the record limits the reader enforces', () => {
    const xsd = readFileSync(join(ROOT, 'schemas', 'importer-v1.xsd'), 'utf8');
    const validate = (name: string, xml: string) =>
      validateXML({
        xml: [{ fileName: `${name}.xml`, contents: xml }],
        schema: [{ fileName: 'importer-v1.xsd', contents: xsd }],
      });
    const generated = (name: string) => [...HOSTILE_CORPUS.find((c) => c.name === name)!.generate!()].join('');

    it('as maxOccurs and maxLength', () => {
      for (const [element, max] of Object.entries(MAX_OCCURS))
        expect(xsd).toMatch(new RegExp(`<xs:element name="${element}"[^>]* maxOccurs="${max}"`));
      expect([...xsd.matchAll(/<xs:maxLength value="(\d+)"\/>/g)].map((m) => Number(m[1])).sort()).toEqual(
        [LIMITS.fieldChars, LIMITS.fieldChars, LIMITS.fieldChars, LIMITS.idChars].sort(),
      );
    });

    it('so that the activity at every limit is valid, and one participant more is not', async () => {
      expect((await validate('maximal-activity', generated('maximal-activity'))).errors).toEqual([]);
      expect(
        (await validate('participants-over-limit', readFileSync(join(HOSTILE, 'participants-over-limit.xml'), 'utf8')))
          .valid,
      ).toBe(false);
      expect((await validate('name-too-long', readFileSync(join(HOSTILE, 'name-too-long.xml'), 'utf8'))).valid).toBe(
        false,
      );
      expect((await validate('id-too-long', readFileSync(join(HOSTILE, 'id-too-long.xml'), 'utf8'))).valid).toBe(false);
    });
  });

  describe('check', () => {
    it.each(HOSTILE_CORPUS.filter((c) => !c.big).map((c) => [c.name, c] as const))('%s', async (_, c) => {
      const file = fileOf(c);
      try {
        expectOutcome(c, await checkImport(fileSource(file.path), checkOptions));
      } finally {
        file.done();
      }
    });
  });

  describe(`check by the CLI in a process of ${HEAP_MB} MB heap, peak RSS under ${RSS_LIMIT_MB} MB`, () => {
    it.each(HOSTILE_CORPUS.filter((c) => c.big).map((c) => [c.name, c] as const))(
      '%s',
      async (_, c) => {
        const file = fileOf(c);
        try {
          const { code, stdout, stderr, rssMb } = await checkInChild(file.path, {
            heapMb: HEAP_MB,
            today: TODAY,
            scratch,
          });
          expect(stderr).toBe('');
          expect(code).toBe(c.status === 'rejected' ? 1 : 0);
          expectOutcome(c, JSON.parse(stdout) as Receipt);
          console.log(`hostile corpus: ${c.name} peak RSS ${rssMb.toFixed(0)} MB`);
          expect(rssMb).toBeLessThan(RSS_LIMIT_MB);
        } finally {
          file.done();
        }
      },
      60_000,
    );
  });

  describe(`import into DynamoDB Local: the outcome of check, nothing stored when rejected, the good records applied, items under ${ITEM_HEADROOM * 100} % of 400 KB`, () => {
    const db = registerForFile([VENDOR], [CLUB]);

    it.each(HOSTILE_CORPUS.filter((c) => c.pipeline).map((c) => [c.name, c] as const))(
      '%s',
      async (_, c) => {
        const file = fileOf(c);
        try {
          // Each case in a club of its own would need its own onboarding; instead every case starts from a register
          // without the vendor's records of the club (a full load of nothing clears them).
          await clearClub(db.register);
          const result = await runImport(
            db.register.ports,
            uploadOf(VENDOR, `${c.name}.xml`),
            () => fileSource(file.path),
            clockAt(TODAY),
            noWait,
          );
          if (result.kind !== 'done') throw new Error(`the import ended ${result.kind}`);
          expectOutcome(c, result.receipt);
          const stored = await db.register.ports.store.linksOf(VENDOR, CLUB);
          const live = {
            persons: stored.persons.filter((p) => !p.deleted).map((p) => p.ref),
            activities: stored.activities.filter((a) => a.content).map((a) => a.id),
          };
          if (c.status === 'rejected') expect(live).toEqual({ persons: [], activities: [] });
          else expect(live.persons).toEqual(expect.arrayContaining(['P-1', 'P-2', 'P-3', 'L-1']));
          if (c.status !== 'rejected') expect(live.activities).toContain('A-1');
          // Whatever a file holds within the limits, the register can store it (the maximal activity is the test).
          const largest = await largestItemBytes(db.client, db.register.table);
          if (c.name === 'maximal-activity')
            console.log(`hostile corpus: the largest stored item is ${(largest / 1024).toFixed(1)} KB`);
          expect(largest).toBeLessThan(ITEM_LIMIT_BYTES * ITEM_HEADROOM);
        } finally {
          file.done();
        }
      },
      60_000,
    );
  });
});

let clears = 0;

/** The vendor's records of the club removed, as a full load of nothing does, so that each case starts clean. */
async function clearClub(register: TestRegister): Promise<void> {
  // A comment of its own each time: the same bytes again would be a duplicate, which changes nothing.
  const xml = `<?xml version="1.0"?><!-- clear ${++clears} --><Import xmlns="urn:lok-importer:import:1" vendor="${VENDOR}" created="2026-11-22T02:00:00+01:00" mode="full"><Club id="${CLUB}"/></Import>`;
  const result = await runImport(
    register.ports,
    uploadOf(VENDOR, 'clear.xml'),
    () => stringSource('clear.xml', xml),
    clockAt(TODAY),
    noWait,
  );
  expect(result.kind).toBe('done');
}

/** The size DynamoDB counts for an item: its attribute names and values in UTF-8. */
function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.S ?? value.N ?? (value.BOOL === undefined ? JSON.stringify(value) : '1'));
  return bytes;
}

async function largestItemBytes(client: DynamoDBClient, table: string): Promise<number> {
  let largest = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) largest = Math.max(largest, itemBytes(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return largest;
}
