import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { checkImport } from '../shared/core/check/check-import.js';
import { generateImport } from '../shared/core/generate/generate-import.js';
import { Random } from '../shared/core/generate/random.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { importFile } from './support/read-events.js';
import { stringSource } from './support/string-source.js';

const OPTIONS = { today: '2026-11-25', now: () => '2026-11-25T00:00:00.000Z', swedishDateOf: stockholmDateOf };

function check(text: string): Promise<Receipt> {
  return checkImport(stringSource('file.xml', text), OPTIONS);
}

/** What a receipt says about the file, without what depends on where things stand in it (lines, order). */
function meaning(receipt: Receipt) {
  const activities = Object.fromEntries(
    receipt.activities.map(({ club, id, ...verdict }) => [`${club}/${id}`, verdict]),
  );
  const errors = receipt.errors
    .map((e) => `${e.code} ${'club' in e ? e.club : ''} ${'record' in e ? e.record : ''}`)
    .sort();
  return { status: receipt.status, counts: receipt.counts, activities, errors, totals: receipt.totals };
}

function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** The same file with its records, and each activity's participants, in another order. */
function reorder(text: string, seed: string): string {
  const random = new Random(seed);
  const lines = text.split('\n');
  const out: string[] = [];
  let records: string[][] = [];
  const flush = () => {
    for (const record of shuffle(records, random)) {
      const participants = record.filter((l) => l.includes('<Participant '));
      const shuffled = shuffle([...participants], random);
      out.push(...record.map((l) => (l.includes('<Participant ') ? shuffled.shift()! : l)));
    }
    records = [];
  };
  for (const line of lines) {
    if (/^ {6}<(Person|DeletePerson|Activity|DeleteActivity)\b/.test(line)) records.push([line]);
    else if (/^ {6,}/.test(line) && records.length > 0) records[records.length - 1]!.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}

describe('check: no verdict depends on the order of the file', () => {
  it('shuffling records and participants in the XML gives the same receipt, line numbers aside', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const text = [
          ...generateImport({ clubs: 2, persons: 120, activities: 90, badShare: 0.05, seed: `order-${seed}` }),
        ].join('');
        const reordered = reorder(text, `shuffle-${seed}`);
        expect(reordered).not.toBe(text);
        expect(meaning(await check(reordered))).toEqual(meaning(await check(text)));
      }),
      { numRuns: 8 },
    );
  }, 120_000);

  it('a person given twice on an activity is marked if either mention is', async () => {
    const persons = `<Persons>
<Person id="P-1"><PersonalNumber>199501012349</PersonalNumber><FirstName>A</FirstName><LastName>B</LastName><Membership from="2020-01-01"/></Person>
<Person id="L-1"><PersonalNumber>198805125633</PersonalNumber><FirstName>C</FirstName><LastName>D</LastName><Membership from="2020-01-01"/></Person>
</Persons>`;
    const activity = (participants: string) =>
      importFile(`${persons}<Activities><Activity id="A-1">
<Date>2026-11-18</Date><Start>18:00</Start><End>19:00</End><Sport>Fotboll</Sport><Place>Hallen</Place><Leader ref="L-1"/>
${participants}<AnonymousParticipants birthYear="2012" gender="F" count="2"/></Activity></Activities>`);
    const first = await check(activity('<Participant ref="P-1"/><Participant ref="P-1" disability="true"/>'));
    const second = await check(activity('<Participant ref="P-1" disability="true"/><Participant ref="P-1"/>'));
    expect(first.activities[0]).toMatchObject({ verdict: 'approved', countedParticipants: 3 });
    expect(meaning(second).activities).toEqual(meaning(first).activities);
    expect(first.errors.map((e) => e.code)).toEqual(['DUPLICATE_PERSON_REF']);
  });
});

describe('check: dates are Swedish', () => {
  it('compares the file creation time in Swedish time for ACTIVITY_IN_FUTURE', async () => {
    const file = (created: string) =>
      importFile(
        '<Activities><Activity id="A-1"><Date>2026-11-21</Date><Start>10:00</Start><End>11:00</End><Sport>Fotboll</Sport><Place>P</Place></Activity></Activities>',
      ).replace('created="2026-11-20T02:00:00+01:00"', `created="${created}"`);
    // 23:30 UTC on the 20th is 00:30 on the 21st in Stockholm: the activity is not in the future.
    expect((await check(file('2026-11-20T23:30:00Z'))).activities[0]?.warnings).toEqual([]);
    expect((await check(file('2026-11-20T22:30:00Z'))).activities[0]?.warnings).toEqual(['ACTIVITY_IN_FUTURE']);
  });
});
