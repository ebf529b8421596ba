import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { fileSource } from '../shared/adapters/local-disk/file-source.js';
import { checkImport } from '../shared/core/check/check-import.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { receiptJson } from '../shared/core/receipt/receipt-json.js';

const TODAY = '2026-11-25';
const NOW = '2026-11-25T00:00:00.000Z';

async function check(name: string): Promise<Receipt> {
  return checkImport(fileSource(new URL(`../samples/${name}.xml`, import.meta.url).pathname), {
    today: TODAY,
    now: () => NOW,
    swedishDateOf: stockholmDateOf,
  });
}

function expected(name: string): Receipt {
  return JSON.parse(
    readFileSync(new URL(`../samples/expected/${name}.receipt.json`, import.meta.url), 'utf8'),
  ) as Receipt;
}

describe('samples and their expected receipts', () => {
  it.each(['club-valid', 'club-errors', 'rejected-doctype', 'rejected-unknown-element'])(
    '%s.xml gives samples/expected/%s.receipt.json',
    async (name) => {
      const receipt = await check(name);
      expect(JSON.parse(JSON.stringify(receipt))).toEqual(expected(name));
      expect([...receiptJson(receipt)].join('')).toBe(`${JSON.stringify(receipt, null, 2)}\n`);
    },
  );

  it('club-valid: applied, every activity approved, the third of the week paid reduced', async () => {
    const receipt = await check('club-valid');
    expect(receipt.status).toBe('applied');
    expect(receipt.errors).toEqual([]);
    expect(receipt.counts.activities).toMatchObject({ created: 3, approved: 3, rejected: 0 });
    const a5003 = receipt.activities.find((a) => a.id === 'A-5003');
    expect(a5003?.participants).toEqual([
      { ref: 'P-1001', counted: true, reasons: ['WEEKLY_CAP_REDUCED'] },
      { ref: 'P-1003', counted: true, reasons: ['WEEKLY_CAP_REDUCED'] },
    ]);
    expect(receipt.activities.find((a) => a.id === 'A-5002')?.payment?.extraLeaderSupport).toBe(true);
    expect(receipt.totals?.[0]).toMatchObject({
      club: '100042',
      period: '2026-2',
      approvedActivities: 3,
      participations: 11,
      forecastSek: 146.6,
    });
  });

  it('rejected-unknown-element: a misspelled container rejects the file whole, with its line and name', async () => {
    const receipt = await check('rejected-unknown-element');
    expect(receipt.status).toBe('rejected');
    expect(receipt.errors).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_ELEMENT', line: 15, message: expect.stringContaining('Activites') }),
    ]);
    expect(receipt.counts.persons.created + receipt.counts.activities.created).toBe(0);
  });

  it('club-errors: every record error code check can report, partially applied', async () => {
    const receipt = await check('club-errors');
    expect(receipt.status).toBe('partially_applied');
    expect(new Set(receipt.errors.map((e) => e.code))).toEqual(
      new Set([
        'INVALID_PERSONNUMMER',
        'MISSING_REQUIRED_FIELD',
        'INVALID_VALUE',
        'UNKNOWN_ELEMENT',
        'UNKNOWN_ATTRIBUTE',
        'REPEATED_FIELD',
        'MISSING_ID',
        'DUPLICATE_RECORD_ID',
        'DUPLICATE_PERSON_IDENTITY',
        'DUPLICATE_PERSON_REF',
        'UNKNOWN_PERSON_REF',
      ]),
    );
    for (const error of receipt.errors) {
      expect(error.line).toBeGreaterThan(0);
      expect(error.message).toMatch(/ \/ /);
    }
    const verdicts = Object.fromEntries(receipt.activities.map((a) => [a.id, a.reasons]));
    expect(verdicts).toEqual({
      'A-6001': [],
      'A-6002': ['TOO_SHORT', 'NO_LEADER'],
      'A-6003': ['MISSING_REQUIRED_DATA'],
      'A-6005': ['NOT_SPORT_ACTIVITY'],
      'A-6006': ['NO_VALID_LEADER', 'TOO_FEW_PARTICIPANTS'],
      'A-7001': ['TOO_FEW_PARTICIPANTS'],
    });
    expect(receipt.activities.find((a) => a.id === 'A-7001')?.participants).toEqual([
      {
        ref: 'M-77',
        counted: false,
        reasons: ['PARTICIPANT_OVERLAPPING_ACTIVITY', 'PARTICIPANT_ALREADY_COUNTED_TODAY'],
      },
    ]);
    expect(JSON.stringify(receipt)).not.toMatch(/20100315|201003151239|Öberg|asa@example/);
  });

  it('rejected-doctype: nothing applied', async () => {
    const receipt = await check('rejected-doctype');
    expect(receipt.status).toBe('rejected');
    expect(receipt.errors).toEqual([expect.objectContaining({ code: 'XML_DOCTYPE_FORBIDDEN' })]);
    expect(receipt.activities).toEqual([]);
  });
});
