import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { schemaFiles } from '../scripts/schemas.js';
import { stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { fileSource } from '../shared/adapters/local-disk/file-source.js';
import { checkImport } from '../shared/core/check/check-import.js';
import { messageFor, type Code } from '../shared/core/errors/codes.js';
import { SCHEMAS } from '../shared/core/format/record-draft.js';
import { generateImport } from '../shared/core/generate/generate-import.js';
import type { ChangeReport } from '../shared/core/pipeline/verdict-changes.js';
import { RECEIPT_FORMAT_VERSION, type Receipt } from '../shared/core/receipt/receipt.js';
import { receiptJson } from '../shared/core/receipt/receipt-json.js';

const XSD = readFileSync(new URL('../schemas/importer-v1.xsd', import.meta.url), 'utf8');

async function validate(fileName: string, contents: string) {
  return validateXML({ xml: [{ fileName, contents }], schema: [{ fileName: 'importer-v1.xsd', contents: XSD }] });
}

// The XSD is what vendors validate against; the reader is what judges. They must agree on the format.
describe('schemas/importer-v1.xsd', () => {
  it('accepts the valid sample and a generated file without bad records', async () => {
    expect(
      (await validate('club-valid.xml', readFileSync(new URL('../samples/club-valid.xml', import.meta.url), 'utf8')))
        .errors,
    ).toEqual([]);
    const generated = [...generateImport({ clubs: 2, persons: 200, activities: 150, badShare: 0, seed: 'xsd' })].join(
      '',
    );
    expect((await validate('generated.xml', generated)).errors).toEqual([]);
  });

  it('refuses the sample with record errors', async () => {
    const result = await validate(
      'club-errors.xml',
      readFileSync(new URL('../samples/club-errors.xml', import.meta.url), 'utf8'),
    );
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(/ShoeSize|Actvity/);
  });

  it('declares exactly the elements and attributes the reader accepts', () => {
    const declared = new Set([...XSD.matchAll(/<xs:element name="(\w+)"/g)].map((m) => m[1]));
    const read = new Set([
      'Import',
      'Club',
      'Persons',
      'Activities',
      ...Object.keys(SCHEMAS),
      ...Object.values(SCHEMAS).flatMap((children) => [...children.keys()]),
    ]);
    expect([...declared].sort()).toEqual([...read].sort());
    const attributes = new Set([...XSD.matchAll(/<xs:attribute name="(\w+)"/g)].map((m) => m[1]));
    const readAttributes = [
      'vendor',
      'created',
      'mode',
      'id',
      ...Object.values(SCHEMAS).flatMap((children) => [...children.values()].flatMap((c) => c.attributes)),
    ];
    expect([...attributes].sort()).toEqual([...new Set(readAttributes)].sort());
  });
});

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLES = `${ROOT}samples/`;
const published = (name: string): string => readFileSync(`${ROOT}schemas/${name}`, 'utf8');

describe('the files generated into schemas/ by npm run build:check', () => {
  // Generated from the code (scripts/schemas.ts): a change to the Receipt type or to a code's text fails here until
  // `npm run build:check` is run and its output committed.
  it.each(Object.entries(schemaFiles(ROOT)))('schemas/%s is a fresh generation', (name, text) => {
    expect(published(name)).toBe(text);
  });
});

/** A published JSON Schema, compiled by ajv in strict mode (a schema ajv finds unclear fails here too). */
const compiled = (name: string) =>
  new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(published(name)) as object);

/** What `check --json` prints for a sample file: the receipt through the same writer, read back. */
async function checked(file: string): Promise<Receipt> {
  const receipt = await checkImport(fileSource(`${SAMPLES}${file}`), {
    today: '2026-11-25',
    now: () => new Date().toISOString(),
    swedishDateOf: stockholmDateOf,
  });
  return JSON.parse([...receiptJson(receipt)].join('')) as Receipt;
}

describe('schemas/receipt-v1.schema.json', () => {
  const validate = compiled('receipt-v1.schema.json');
  const valid = (receipt: unknown) => (validate(receipt) ? [] : validate.errors);

  const xmlSamples = readdirSync(SAMPLES).filter((f) => f.endsWith('.xml'));
  const expectedReceipts = readdirSync(`${SAMPLES}expected`).filter((f) => f.endsWith('.json'));

  it('has samples to hold against', () => {
    expect(xmlSamples.length).toBeGreaterThanOrEqual(4);
    expect(expectedReceipts.length).toBe(xmlSamples.length);
  });

  it.each(expectedReceipts)('accepts samples/expected/%s', (file) => {
    expect(valid(JSON.parse(readFileSync(`${SAMPLES}expected/${file}`, 'utf8')))).toEqual([]);
  });

  it.each(xmlSamples)('accepts the receipt check gives samples/%s', async (file) => {
    expect(valid(await checked(file))).toEqual([]);
  });

  it('refuses what is not such a receipt: a field missing or unknown, an unknown code, a wrong type', async () => {
    const receipt = await checked('club-errors.xml');
    const { counts: _counts, ...withoutCounts } = receipt;
    const [firstError, ...otherErrors] = receipt.errors;
    for (const wrong of [
      withoutCounts,
      { ...receipt, extra: true },
      { ...receipt, errors: [{ ...firstError, code: 'NO_SUCH_CODE' }, ...otherErrors] },
      { ...receipt, status: 'accepted' },
      { ...receipt, formatVersion: 1 },
    ])
      expect(validate(wrong), JSON.stringify(Object.keys(wrong))).toBe(false);
  });
});

describe('schemas/changes-v1.schema.json', () => {
  const validate = compiled('changes-v1.schema.json');

  // The pipeline's own reports are written in test/verdict-changes.test.ts (DynamoDB Local); here one is made of
  // real verdicts, as the ChangeReport type shapes it, to hold the schema to.
  it('accepts a change report of real verdicts and refuses one with an unknown cause or a verdict missing', async () => {
    const before = (await checked('club-valid.xml')).activities[0]!;
    const after = (await checked('club-errors.xml')).activities.find((a) => a.verdict === 'rejected')!;
    const report: ChangeReport = {
      formatVersion: RECEIPT_FORMAT_VERSION,
      vendor: 'demo-vendor',
      cause: { by: 'other-upload', upload: 'u-1' },
      changes: [
        {
          club: before.club,
          id: before.id,
          period: '2026-2',
          date: '2026-11-09',
          receiptOf: 'club-valid.xml',
          before,
          after,
        },
      ],
    };
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...report, cause: { by: 'someone', upload: 'u-1' } })).toBe(false);
    expect(validate({ ...report, changes: [{ ...report.changes[0], after: undefined }] })).toBe(false);
  });
});

describe('schemas/error-codes.json', () => {
  const { codes } = JSON.parse(published('error-codes.json')) as {
    codes: Record<string, { group: string; sv: string; en: string }>;
  };

  it('has every code the sample receipts carry', () => {
    const seen = new Set<string>();
    for (const file of readdirSync(`${SAMPLES}expected`)) {
      const receipt = JSON.parse(readFileSync(`${SAMPLES}expected/${file}`, 'utf8')) as Receipt;
      for (const error of receipt.errors) seen.add(error.code);
      for (const activity of receipt.activities) {
        for (const code of [
          ...activity.reasons,
          ...activity.warnings,
          ...activity.participants.flatMap((p) => p.reasons),
          ...activity.leaders.flatMap((l) => l.reasons),
        ])
          seen.add(code);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].filter((code) => codes[code] === undefined)).toEqual([]);
  });

  it('says in which group each code is, with both texts as messageFor gives them', () => {
    expect(new Set(Object.values(codes).map((c) => c.group))).toEqual(
      new Set(['file', 'record', 'activity', 'leader', 'participant', 'payment', 'warning']),
    );
    for (const [code, { sv, en }] of Object.entries(codes)) expect(messageFor(code as Code)).toBe(`${sv} / ${en}`);
    expect(codes['UNKNOWN_VENDOR']).toBeUndefined(); // admin codes answer RF operations, never a vendor's file
  });
});
