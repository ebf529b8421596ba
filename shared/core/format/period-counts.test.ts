import { describe, expect, it } from 'vitest';
import { importFile, readEvents } from '../../../test/support/read-events.js';
import { LIMITS } from './limits.js';

const activity = (id: string, date: string | undefined, refs: string, extra = ''): string =>
  `<Activity id="${id}">${date ? `<Date>${date}</Date>` : ''}${extra}${refs}</Activity>`;

async function refusals(activities: string[]): Promise<{ id?: string; message: string }[]> {
  const events = await readEvents(importFile(`<Activities>${activities.join('\n')}</Activities>`));
  return events.flatMap((e) =>
    e.kind === 'refused' ? [{ ...(e.id !== undefined ? { id: e.id } : {}), message: e.errors[0]!.message }] : [],
  );
}

const many = (count: number, make: (i: number) => string): string[] => Array.from({ length: count }, (_, i) => make(i));

// A calendar (a person's or a camp group's activities in a period, for one vendor and club) is one item of the register.
describe('activities per person and period (LIMITS.activitiesPerPeriod)', () => {
  it('refuses the activity that would put a person past the limit in a period, and only that one', async () => {
    const refused = await refusals(
      many(LIMITS.activitiesPerPeriod + 1, (i) => activity(`A-${i}`, '2026-11-18', '<Participant ref="P-1"/>')),
    );
    expect(refused).toEqual([
      {
        id: `A-${LIMITS.activitiesPerPeriod}`,
        message: expect.stringContaining(`P-1 > ${LIMITS.activitiesPerPeriod} (2026-2)`),
      },
    ]);
  });

  it('counts a person named twice on one activity once, per period, and not on an undated activity', async () => {
    const twice = '<Leader ref="P-1"/><Participant ref="P-1"/><Participant ref="P-1"/>';
    const spring = activity('S', '2026-03-01', twice);
    const undated = activity('U', undefined, twice);
    const refused = await refusals([
      ...many(LIMITS.activitiesPerPeriod, (i) => activity(`A-${i}`, '2026-11-18', twice)),
      spring,
      undated,
    ]);
    expect(refused).toEqual([]);
  });

  it('counts a camp group as its calendar does, and a training group not at all', async () => {
    const group = (type: string) => `<Type>${type}</Type><Group id="G-1">P12</Group>`;
    const camps = many(LIMITS.activitiesPerPeriod, (i) =>
      activity(`C-${i}`, '2026-11-18', `<Participant ref="P-${i}"/>`, group('camp')),
    );
    expect(
      await refusals([...camps, activity('T', '2026-11-18', '<Participant ref="X"/>', group('training'))]),
    ).toEqual([]);
    expect(
      await refusals([...camps, activity('K', '2026-11-18', '<Participant ref="X"/>', group('competition'))]),
    ).toEqual([{ id: 'K', message: expect.stringContaining(`group G-1 > ${LIMITS.activitiesPerPeriod}`) }]);
  });
});
