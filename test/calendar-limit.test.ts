import { describe, expect, it } from 'vitest';
import { LIMITS } from '../shared/core/format/limits.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { importText, registerForFile } from './support/pipeline.js';

// Issue 15: the reader bounds a person's activities of a club and period per file (TOO_MANY_ACTIVITIES), but the
// register keeps them, per vendor and club, as one calendar item across files: past about 5 200 activities with
// 64-character ids it went over DynamoDB's 400 KB and the file failed with IMPORT_FAILED. The apply step refuses
// the activity that would take a calendar past LIMITS.activitiesPerPeriod, with the same code.

const VENDOR = 'calendar-vendor';
const CLUB = '100301';
const PERIOD = '2026-2';
const DATES = ['2026-09-01', '2026-09-02', '2026-09-03', '2026-09-04', '2026-09-07', '2026-09-08', '2026-09-09'];
/** A 64-character activity id (the longest the reader takes): the calendar's largest entries. */
const longId = (prefix: string, n: number) =>
  `${prefix}-${String(n).padStart(62 - prefix.length, '0')}`.padEnd(64, 'x');

const person = (id: string, pnr: string) =>
  `<Person id="${id}"><PersonalNumber>${pnr}</PersonalNumber><FirstName>A</FirstName><LastName>B</LastName><Membership from="2020-01-01"/></Person>`;
const activity = (id: string, date: string, leader: string, participants: readonly string[]) =>
  `<Activity id="${id}"><Date>${date}</Date><Start>18:00</Start><End>19:00</End><Sport>Fotboll</Sport><Leader ref="${leader}"/>${participants.map((p) => `<Participant ref="${p}"/>`).join('')}</Activity>`;

function fileOf(persons: readonly string[], activities: readonly string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="${VENDOR}" created="2026-11-22T02:00:00+01:00" mode="delta">\n` +
    `<Club id="${CLUB}"><Persons>\n${persons.join('\n')}\n</Persons><Activities>\n${activities.join('\n')}\n</Activities></Club>\n</Import>\n`
  );
}

describe(`a person's calendar across files: at most ${LIMITS.activitiesPerPeriod} activities of a club and period (DynamoDB Local)`, () => {
  const db = registerForFile([VENDOR], [CLUB]);

  const receiptOf = async (name: string, xml: string): Promise<Receipt> => {
    const result = await importText(db.register, VENDOR, name, xml);
    if (result.kind !== 'done') throw new Error(`the import ended ${result.kind}`);
    return result.receipt;
  };

  const entriesOf = async (ref: string): Promise<number> => {
    const { persons } = await db.register.ports.store.linksOf(VENDOR, CLUB);
    const pid = persons.find((p) => p.ref === ref)!.pid;
    const calendars = await db.register.ports.store.calendarsOf(pid, PERIOD);
    return calendars.reduce((n, c) => n + c.entries.length, 0);
  };

  it('refuses the activity that would take a calendar past the limit, in file order, and keeps the rest of the file', async () => {
    // A full calendar, one file at the reader's limit: leader L-1 and participant P-1 in every activity.
    const full = Array.from({ length: LIMITS.activitiesPerPeriod }, (_, n) =>
      activity(longId('A', n), DATES[n % DATES.length]!, 'L-1', ['P-1']),
    );
    const first = await receiptOf(
      'first.xml',
      fileOf([person('L-1', '198805125633'), person('P-1', '201003151238')], full),
    );
    expect({ status: first.status, created: first.counts.activities.created }).toEqual({
      status: 'applied',
      created: LIMITS.activitiesPerPeriod,
    });
    expect(await entriesOf('P-1')).toBe(LIMITS.activitiesPerPeriod);

    // Another file: one more activity for P-1 (refused), one of other persons (applied), one of P-1's moved to
    // another day of the period (its entry moves: the calendar does not grow, so it is applied).
    const second = await receiptOf(
      'second.xml',
      fileOf(
        [person('L-2', '197001011233'), person('P-2', '201501017857')],
        [
          activity(longId('B', 1), '2026-09-10', 'L-2', ['P-1', 'P-2']),
          activity(longId('B', 2), '2026-09-10', 'L-2', ['P-2']),
          activity(longId('A', 0), '2026-09-11', 'L-1', ['P-1']),
        ],
      ),
    );
    expect(second.status).toBe('partially_applied');
    expect(second.errors).toHaveLength(1);
    expect(second.errors[0]).toMatchObject({
      code: 'TOO_MANY_ACTIVITIES',
      line: 7,
      club: CLUB,
      record: longId('B', 1),
    });
    expect(second.errors[0]!.message).toContain(`P-1 > ${LIMITS.activitiesPerPeriod} (${PERIOD})`);
    expect(second.counts.activities).toMatchObject({ created: 1, updated: 1, refused: 1 });
    expect(second.activities.map((a) => a.id)).toEqual([longId('B', 2), longId('A', 0)]);
    expect(await entriesOf('P-1')).toBe(LIMITS.activitiesPerPeriod);
    expect(await entriesOf('P-2')).toBe(1);

    // Two thousand more for P-1 (the old code stored them, and failed the file with IMPORT_FAILED past 400 KB at
    // about 5 200): every one refused with the code, none stored, the file not failed.
    const more = Array.from({ length: LIMITS.activitiesPerPeriod }, (_, n) =>
      activity(longId('C', n), DATES[n % DATES.length]!, 'L-1', ['P-1']),
    );
    const third = await receiptOf('third.xml', fileOf([], more));
    expect(third.status).toBe('partially_applied');
    expect(third.counts.activities).toMatchObject({ created: 0, refused: LIMITS.activitiesPerPeriod });
    expect(new Set(third.errors.map((e) => e.code))).toEqual(new Set(['TOO_MANY_ACTIVITIES']));
    expect(await entriesOf('P-1')).toBe(LIMITS.activitiesPerPeriod);
  }, 180_000);
});
