import { describe, expect, it } from 'vitest';
import type { ActivityType } from '../format/records.js';
import type { JudgedActivity } from './judge-input.js';
import { periodTotals } from './period-totals.js';
import { applicationDeadlineOf, finalDateOf, isClosedForActivity, isPeriodClosed, periodOf } from './periods.js';
import { activity, adult, CLUB_A, CLUB_B, children, judge, leader, participants } from './test-builders.js';

describe('periods', () => {
  it.each([
    ['2024-01-01', '2024-1'],
    ['2024-06-30', '2024-1'],
    ['2024-07-01', '2024-2'],
    ['2024-12-31', '2024-2'],
    ['2021-12-31', '2021-2'],
  ])('%s is in period %s', (date, period) => {
    expect(periodOf(date)).toBe(period);
  });

  it.each([
    ['2024-1', '2024-12-15', '2024-08-25'],
    ['2024-2', '2025-06-15', '2025-02-25'],
  ])('%s: final date %s, application deadline %s', (period, finalDate, deadline) => {
    expect(finalDateOf(period)).toBe(finalDate);
    expect(applicationDeadlineOf(period)).toBe(deadline);
  });

  it.each([
    ['2024-1', '2024-06-30', false, false],
    ['2024-1', '2024-12-15', false, false],
    ['2024-1', '2024-12-16', false, true],
    ['2024-1', '2025-01-01', false, true],
    ['2024-2', '2024-12-31', false, false],
    ['2024-2', '2025-06-15', false, false],
    ['2024-2', '2025-06-16', false, true],
    ['2024-1', '2024-03-01', true, true],
    ['2024-2', '2024-07-01', true, true],
  ])('%s on %s, submitted %s: closed %s', (period, today, submitted, closed) => {
    expect(isPeriodClosed(period, today, submitted)).toBe(closed);
  });
});

describe('period totals', () => {
  /** `n` approved activities of the given types for one club and date range, each with 3 participants. */
  function approvedOfTypes(types: readonly ActivityType[], extra: Partial<JudgedActivity> = {}): JudgedActivity[] {
    return types.map((type, i) => activity({ type, date: `2024-03-${String(11 + i).padStart(2, '0')}`, ...extra }));
  }

  it.each([
    // types of the approved activities, warning?
    [['training', 'training', 'training', 'other'], false],
    [['training', 'other', 'training', 'other'], true],
    [['training', 'training', 'other'], true],
    [['training', 'training', 'training', 'training', 'training', 'other', 'other'], true],
    [['training', 'training', 'training', 'training', 'training', 'training', 'other', 'other'], false],
    [['training', 'competition', 'camp'], false],
    [['other'], true],
  ] as const)('%j: OTHER_SHARE_OVER_25 %s', (types, warning) => {
    const acts = approvedOfTypes(types);
    const [totals] = periodTotals(acts, judge(acts).all);
    expect(totals?.approvedActivities).toBe(types.length);
    expect(totals?.warnings).toEqual(warning ? ['OTHER_SHARE_OVER_25'] : []);
  });

  it('rejected activities of type other do not count in the share', () => {
    const acts = [
      ...approvedOfTypes(['training', 'training', 'training', 'other']),
      activity({ type: 'other', date: '2024-03-20', remote: true }),
    ];
    const [totals] = periodTotals(acts, judge(acts).all);
    expect(totals?.approvedActivities).toBe(4);
    expect(totals?.warnings).toEqual([]);
  });

  it('sums approved activities per club and period, with breakdowns by sport and vendor', () => {
    const acts: JudgedActivity[] = [
      // club-a, 2024-1: three approved, one rejected.
      activity({ date: '2024-03-11', sport: 'fotboll', vendor: 'v1', participants: participants(children(3)) }),
      activity({
        date: '2024-03-12',
        sport: 'fotboll',
        vendor: 'v2',
        leaders: [leader(adult()), leader(adult())],
        participants: participants(children(5)),
      }),
      activity({
        date: '2024-03-13',
        sport: 'innebandy',
        vendor: 'v1',
        type: 'other',
        participants: participants(children(4)),
      }),
      activity({
        date: '2024-03-14',
        sport: 'innebandy',
        vendor: 'v1',
        remote: true,
        participants: participants(children(4)),
      }),
      // club-a, 2024-2.
      activity({ date: '2024-07-01', sport: 'fotboll', vendor: 'v1', participants: participants(children(3)) }),
      // club-b, 2024-1.
      activity({
        club: CLUB_B,
        date: '2024-03-11',
        sport: 'fotboll',
        vendor: 'v3',
        participants: participants(children(21)),
      }),
      // Undated: rejected, in no period.
      activity({ date: undefined }),
    ];
    const totals = periodTotals(acts, judge(acts).all);
    const a1 = 21 + 3 * 7.86;
    const a2 = 21 + 5 + 5 * 7.86;
    const a3 = 21 + 4 * 7.86;
    const r = (n: number) => Math.round(n * 100) / 100;
    expect(totals).toEqual([
      {
        club: CLUB_A,
        period: '2024-1',
        approvedActivities: 3,
        participations: 12,
        forecastSek: r(a1 + a2 + a3),
        paidParticipants: 12,
        reducedParticipants: 0,
        unpaidParticipants: 0,
        extraLeaderSupportActivities: 1,
        bySport: {
          fotboll: { approvedActivities: 2, participations: 8, forecastSek: r(a1 + a2) },
          innebandy: { approvedActivities: 1, participations: 4, forecastSek: r(a3) },
        },
        byVendor: {
          v1: { approvedActivities: 2, participations: 7, forecastSek: r(a1 + a3) },
          v2: { approvedActivities: 1, participations: 5, forecastSek: r(a2) },
        },
        warnings: ['OTHER_SHARE_OVER_25'],
      },
      {
        club: CLUB_A,
        period: '2024-2',
        approvedActivities: 1,
        participations: 3,
        forecastSek: r(a1),
        paidParticipants: 3,
        reducedParticipants: 0,
        unpaidParticipants: 0,
        extraLeaderSupportActivities: 0,
        bySport: { fotboll: { approvedActivities: 1, participations: 3, forecastSek: r(a1) } },
        byVendor: { v1: { approvedActivities: 1, participations: 3, forecastSek: r(a1) } },
        warnings: [],
      },
      {
        club: CLUB_B,
        period: '2024-1',
        approvedActivities: 1,
        participations: 21,
        forecastSek: r(21 + 20 * 7.86),
        paidParticipants: 20,
        reducedParticipants: 0,
        unpaidParticipants: 1,
        extraLeaderSupportActivities: 0,
        bySport: { fotboll: { approvedActivities: 1, participations: 21, forecastSek: r(21 + 20 * 7.86) } },
        byVendor: { v3: { approvedActivities: 1, participations: 21, forecastSek: r(21 + 20 * 7.86) } },
        warnings: [],
      },
    ]);
  });

  it('counts reduced and unpaid participants of the weekly cap', () => {
    const shared = children(3, { birthDate: '2016-06-01' });
    const acts = ['2024-03-11', '2024-03-12', '2024-03-13', '2024-03-14'].map((date) =>
      activity({ date, participants: participants(shared) }),
    );
    const totals = periodTotals(acts, judge(acts).all);
    // Three 8-year-olds on four days: full, full, reduced, unpaid.
    expect(totals).toHaveLength(1);
    expect(totals[0]).toMatchObject({
      approvedActivities: 4,
      participations: 12,
      paidParticipants: 9,
      reducedParticipants: 3,
      unpaidParticipants: 3,
      forecastSek: Math.round((4 * 21 + 6 * 7.86 + 3 * 3.93) * 100) / 100,
    });
  });

  it('a club without approved activities has no totals', () => {
    const acts = [activity({ leaders: [] })];
    expect(periodTotals(acts, judge(acts).all)).toEqual([]);
  });
});

describe('isClosedForActivity: the period for one activity of a club, with its applications', () => {
  const none = { main: false, supplementary: false };
  const main = { main: true, supplementary: false };
  const both = { main: true, supplementary: true };
  it.each([
    // period, today, received, submitted, closed
    ['2026-1', '2026-08-01', '2026-06-01', none, false],
    ['2026-1', '2026-08-01', '2026-06-01', main, true],
    ['2026-1', '2026-09-01', '2026-08-25', main, true],
    ['2026-1', '2026-09-01', '2026-08-26', main, false],
    ['2026-1', '2026-09-01', '2026-08-26', both, true],
    ['2026-1', '2026-12-15', '2026-12-15', main, false],
    ['2026-1', '2026-12-16', '2026-12-16', none, true],
  ] as const)('%s on %s, received %s, %o: closed %s', (period, today, received, submitted, closed) => {
    expect(isClosedForActivity(period, today, received, submitted)).toBe(closed);
  });
});
