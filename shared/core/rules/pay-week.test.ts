import { describe, expect, it } from 'vitest';
import { addDays } from '../calendar/dates.js';
import type { Amounts } from './amounts.js';
import { judgeDay } from './judge-day.js';
import type { JudgedActivity, JudgedPerson } from './judge-input.js';
import { payWeek } from './pay-week.js';
import {
  activity,
  activityWith,
  adult,
  anonymous,
  CLUB_A,
  CLUB_B,
  children,
  codesOf,
  context,
  isCounted,
  judge,
  judgeOne,
  leader,
  participant,
  participants,
  person,
} from './test-builders.js';
import { defaultAmountsByYear } from './amounts.js';
import { PeriodTotalsAccumulator } from './period-totals.js';

const FULL = 7.86;
const REDUCED = 3.93;

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `n` children with refs `${prefix}1` … `${prefix}n`. */
function crowd(n: number, prefix = 'p'): JudgedPerson[] {
  return Array.from({ length: n }, (_, i) => person({ key: `${prefix}${i + 1}` }));
}

describe('participant cap (OVER_PARTICIPANT_CAP)', () => {
  type Case = {
    readonly name: string;
    readonly date: string;
    readonly validLeaders: number;
    readonly invalidLeaders?: number;
    readonly persons: number;
    readonly anonymous?: number;
    readonly paid: number;
    readonly dropped: readonly string[];
  };
  const cases: Case[] = [
    { name: '20 per valid leader: 20 paid', date: '2024-03-12', validLeaders: 1, persons: 20, paid: 20, dropped: [] },
    {
      name: '20 per valid leader: the 21st unpaid',
      date: '2024-03-12',
      validLeaders: 1,
      persons: 21,
      paid: 20,
      dropped: ['p9'],
    },
    { name: 'from 2023-07-01 exactly', date: '2023-07-01', validLeaders: 1, persons: 21, paid: 20, dropped: ['p9'] },
    { name: '2 valid leaders: 40', date: '2024-03-12', validLeaders: 2, persons: 40, paid: 40, dropped: [] },
    {
      name: '2 valid leaders: the 41st unpaid',
      date: '2024-03-12',
      validLeaders: 2,
      persons: 41,
      paid: 40,
      dropped: ['p9'],
    },
    {
      name: 'an invalid leader does not raise the cap',
      date: '2024-03-12',
      validLeaders: 1,
      invalidLeaders: 1,
      persons: 21,
      paid: 20,
      dropped: ['p9'],
    },
    {
      name: '30 per activity before 2023-07-01',
      date: '2023-06-30',
      validLeaders: 1,
      persons: 30,
      paid: 30,
      dropped: [],
    },
    {
      name: '30 per activity: the 31st unpaid',
      date: '2023-06-30',
      validLeaders: 1,
      persons: 31,
      paid: 30,
      dropped: ['p9'],
    },
    {
      name: '30 per activity, whatever the number of leaders',
      date: '2023-06-30',
      validLeaders: 2,
      persons: 32,
      paid: 30,
      dropped: ['p8', 'p9'],
    },
    { name: '30 per activity in 2021', date: '2021-12-31', validLeaders: 1, persons: 31, paid: 30, dropped: ['p9'] },
    {
      name: 'anonymous participants are dropped first',
      date: '2024-03-12',
      validLeaders: 1,
      persons: 20,
      anonymous: 1,
      paid: 20,
      dropped: [],
    },
    {
      name: 'only anonymous participants dropped',
      date: '2024-03-12',
      validLeaders: 1,
      persons: 19,
      anonymous: 3,
      paid: 20,
      dropped: [],
    },
    {
      name: 'anonymous first, then the last person ids',
      date: '2024-03-12',
      validLeaders: 1,
      persons: 21,
      anonymous: 2,
      paid: 20,
      dropped: ['p9'],
    },
    {
      name: 'several persons dropped, last in string order',
      date: '2024-03-12',
      validLeaders: 1,
      persons: 23,
      paid: 20,
      dropped: ['p7', 'p8', 'p9'],
    },
  ];

  it.each(cases)('$name', ({ date, validLeaders, invalidLeaders = 0, persons, anonymous: anon = 0, paid, dropped }) => {
    const crowdOf = crowd(persons);
    const leaders = [
      ...Array.from({ length: validLeaders }, () => leader(adult())),
      ...Array.from({ length: invalidLeaders }, () => leader(adult({ birthDate: '2015-01-01' }))),
    ];
    // Sent in reverse order: the order of the vendor's ids decides, not the order in the file.
    const a = activity({
      date,
      leaders,
      participants: participants([...crowdOf].reverse()),
      anonymous: anon > 0 ? [anonymous(2012, anon)] : [],
    });
    const verdict = judgeOne(a);
    const counted = persons + anon;
    expect(verdict.verdict).toBe('approved');
    expect(verdict.countedParticipants).toBe(counted);
    expect(verdict.payment).toEqual({
      paidParticipants: paid,
      reducedParticipants: 0,
      unpaidParticipants: counted - paid,
      extraLeaderSupport: validLeaders >= 2,
      amountSek: round(21 + (validLeaders >= 2 ? 5 : 0) + paid * FULL),
      codes: counted > paid ? ['OVER_PARTICIPANT_CAP'] : [],
    });
    // Only the dropped persons carry the code; they are still counted.
    const withCodes = verdict.participants.filter((p) => p.reasons.length > 0);
    expect(withCodes).toEqual(dropped.map((ref) => ({ ref, counted: true, reasons: ['OVER_PARTICIPANT_CAP'] })));
  });

  it('a participant left unpaid by the cap still counts towards the weekly cap', () => {
    // 'z' sorts last, so it is the one left unpaid on Monday.
    const subject = person({ key: 'z' });
    const monday = activity({
      date: '2024-03-11',
      participants: [...participants(crowd(20, 'm')), participant(subject)],
    });
    const tuesday = activityWith(subject, { date: '2024-03-12' });
    const wednesday = activityWith(subject, { date: '2024-03-13' });
    const { of } = judge([wednesday, tuesday, monday]);
    expect(codesOf(of(monday), subject)).toEqual(['OVER_PARTICIPANT_CAP']);
    expect(codesOf(of(tuesday), subject)).toEqual([]);
    expect(codesOf(of(wednesday), subject)).toEqual(['WEEKLY_CAP_REDUCED']);
  });
});

describe('extra ledarstöd', () => {
  it.each([
    [1, 0, false],
    [1, 1, false],
    [2, 0, true],
    [3, 0, true],
    [2, 1, true],
  ])('%i valid and %i invalid leaders: extra %s', (valid, invalid, extra) => {
    const leaders = [
      ...Array.from({ length: valid }, () => leader(adult())),
      ...Array.from({ length: invalid }, () => leader(adult({ memberships: {} }))),
    ];
    const payment = judgeOne(activity({ leaders })).payment;
    expect(payment?.extraLeaderSupport).toBe(extra);
    expect(payment?.amountSek).toBe(round(21 + (extra ? 5 : 0) + 3 * FULL));
  });
});

type Rate = 'F' | 'R' | 'U';
const CODES: Record<Rate, readonly string[]> = { F: [], R: ['WEEKLY_CAP_REDUCED'], U: ['WEEKLY_CAP_REACHED'] };

/** One activity per date, with the subject and three other children; returns the subject's rate on each. */
function ratesOver(
  subject: JudgedPerson,
  dates: readonly string[],
  options: {
    readonly disabilityOn?: readonly number[];
    readonly club?: (i: number) => string;
    readonly sport?: (i: number) => string;
    readonly everyoneDisabled?: readonly string[];
  } = {},
): { rates: Rate[]; activities: JudgedActivity[] } {
  const activities = dates.map((date, i) =>
    activity({
      date,
      club: options.club?.(i) ?? CLUB_A,
      sport: options.sport?.(i) ?? 'fotboll',
      participants: [
        ...participants(children(3)),
        participant(subject, { disability: options.disabilityOn?.includes(i) ?? false }),
      ],
    }),
  );
  // Judged in reverse input order: the ordering decides, not the input.
  const { of } = judge([...activities].reverse(), { everyoneDisabled: options.everyoneDisabled ?? [] });
  const rates = activities.map((a): Rate => {
    const verdict = of(a);
    expect(verdict.verdict).toBe('approved');
    expect(isCounted(verdict, subject)).toBe(true);
    const codes = codesOf(verdict, subject);
    const rate = (Object.keys(CODES) as Rate[]).find((r) => JSON.stringify(CODES[r]) === JSON.stringify(codes));
    if (!rate) throw new Error(`unexpected codes ${codes.join()}`);
    // The activity's payment agrees with the subject's rate (the three other children are paid in full).
    expect(verdict.payment).toMatchObject({
      paidParticipants: rate === 'U' ? 3 : 4,
      reducedParticipants: rate === 'R' ? 1 : 0,
      unpaidParticipants: rate === 'U' ? 1 : 0,
      codes: CODES[rate],
      amountSek: round(21 + 3 * FULL + (rate === 'F' ? FULL : rate === 'R' ? REDUCED : 0)),
    });
    return rate;
  });
  return { rates, activities };
}

function days(from: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => addDays(from, i));
}

describe('weekly cap (WEEKLY_CAP_REDUCED, WEEKLY_CAP_REACHED)', () => {
  it.each([
    // name, birth date, dates, expected rates
    ['12-year-old, six days (docs example)', '2012-06-01', days('2024-03-11', 6), 'FFRRRU'],
    ['8-year-old, four days (docs example)', '2016-06-01', days('2024-03-11', 4), 'FFRU'],
    ['7-year-old, five days', '2017-12-31', days('2024-03-11', 5), 'FFRUU'],
    ['9-year-old: cap 3', '2015-01-01', days('2024-03-11', 5), 'FFRUU'],
    ['10-year-old: cap 5', '2014-12-31', days('2024-03-11', 7), 'FFRRRUU'],
    ['25-year-old: cap 5', '1999-01-01', days('2024-03-11', 6), 'FFRRRU'],
    ['two activities: both full', '2016-06-01', days('2024-03-11', 2), 'FF'],
    ['Mon 2024-12-30 … Sun 2025-01-05 is one week (2025-W01)', '2012-06-01', days('2024-12-30', 7), 'FFRRRUU'],
    ['Sun 2023-12-31 and Mon 2024-01-01 are different weeks', '2012-06-01', days('2023-12-29', 5), 'FFRFF'],
    ['docs: born 2016, 29 Dec 2025 – 3 Jan 2026 (age 9 then 10)', '2016-06-01', days('2025-12-29', 6), 'FFRRRU'],
    ['no weekly cap before 2022', '2012-06-01', days('2021-03-08', 7), 'FFFFFFF'],
    ['no weekly cap on 2021-12-31', '2012-06-01', ['2021-12-29', '2021-12-30', '2021-12-31'], 'FFF'],
    // 2021-W52 runs Mon 2021-12-27 – Sun 2022-01-02. The 2022-01-01 activity is the person's 3rd counted one in that
    // ISO week, and its rule set has a weekly cap: reduced (the earlier 2021 activities themselves are paid in full).
    [
      'weekly cap from 2022-01-01, in a week that began in 2021',
      '2012-06-01',
      ['2021-12-30', '2021-12-31', '2022-01-01'],
      'FFR',
    ],
    [
      '8 in 2021, 9 in 2022: the 6th counted activity of the week is beyond 3',
      '2013-06-01',
      days('2021-12-27', 7),
      'FFFFFUU',
    ],
  ])('%s', (_name, birthDate, dates, expected) => {
    const { rates } = ratesOver(person({ birthDate }), dates);
    expect(rates.join('')).toBe(expected);
  });

  it.each([
    ['on the first activity', [0]],
    ['on the last activity', [5]],
    ['on a middle activity', [2]],
  ])('a person marked with a disability %s has the limit 5', (_name, disabilityOn) => {
    const { rates } = ratesOver(person({ birthDate: '2016-06-01' }), days('2024-03-11', 6), { disabilityOn });
    expect(rates.join('')).toBe('FFRRRU');
  });

  it('a parasport club marks everyone, so the limit is 5', () => {
    const { rates } = ratesOver(person({ birthDate: '2016-06-01' }), days('2024-03-11', 6), {
      everyoneDisabled: [CLUB_A],
    });
    expect(rates.join('')).toBe('FFRRRU');
  });

  it('counts per sport', () => {
    const sports = ['fotboll', 'fotboll', 'innebandy', 'innebandy', 'fotboll', 'innebandy'];
    const { rates } = ratesOver(person(), days('2024-03-11', 6), { sport: (i) => sports[i]! });
    expect(rates.join('')).toBe('FFFFRR');
  });

  it('counts across clubs', () => {
    const { rates } = ratesOver(person(), days('2024-03-11', 3), { club: (i) => (i === 1 ? CLUB_B : CLUB_A) });
    expect(rates.join('')).toBe('FFR');
  });

  it('rejected activities and activities where the person was not counted do not count', () => {
    const subject = person({ memberships: { [CLUB_A]: [{ from: '2000-01-01' }] } });
    const make = (date: string, extra: Partial<JudgedActivity> = {}) => activityWith(subject, { date, ...extra });
    const monday = make('2024-03-11');
    const tuesday = make('2024-03-12', { remote: true });
    const wednesday = make('2024-03-13', { club: CLUB_B });
    const thursday = make('2024-03-14');
    const friday = make('2024-03-15');
    const { of } = judge([monday, tuesday, wednesday, thursday, friday]);
    expect(of(tuesday).verdict).toBe('rejected');
    expect(codesOf(of(wednesday), subject)).toEqual(['PARTICIPANT_NOT_MEMBER']);
    expect(codesOf(of(thursday), subject)).toEqual([]);
    expect(codesOf(of(friday), subject)).toEqual(['WEEKLY_CAP_REDUCED']);
  });

  it('anonymous participants are outside the weekly cap', () => {
    const acts = days('2024-03-11', 6).map((date) =>
      activity({ date, participants: [], anonymous: [anonymous(2012, 3)] }),
    );
    const { of } = judge(acts);
    for (const a of acts)
      expect(of(a).payment).toMatchObject({ paidParticipants: 3, reducedParticipants: 0, codes: [] });
  });
});

describe('amounts', () => {
  it('docs example: 2 valid leaders, 12 full and 2 reduced = 128.18 SEK', () => {
    const twice = children(2);
    const earlier = ['2024-03-11', '2024-03-12'].map((date) =>
      activity({ date, participants: [...participants(twice), ...participants(children(1))] }),
    );
    const big = activity({
      date: '2024-03-13',
      leaders: [leader(adult()), leader(adult())],
      participants: [...participants(twice), ...participants(children(12))],
    });
    const { of } = judge([big, ...earlier]);
    expect(of(big).payment).toEqual({
      paidParticipants: 14,
      reducedParticipants: 2,
      unpaidParticipants: 0,
      extraLeaderSupport: true,
      amountSek: 128.18,
      codes: ['WEEKLY_CAP_REDUCED'],
    });
  });

  it.each([
    [1, 3, 44.58],
    [1, 20, 178.2],
    [2, 3, 49.58],
  ])('%i leader(s), %i participants: %f SEK', (leaders, n, sek) => {
    const a = activity({
      leaders: Array.from({ length: leaders }, () => leader(adult())),
      participants: participants(children(n)),
    });
    expect(judgeOne(a).payment?.amountSek).toBe(sek);
  });

  it("uses the amounts of the activity's year", () => {
    const y2025: Amounts = {
      leaderSupport: 100,
      extraLeaderSupport: 50,
      participantSupport: 10,
      reducedParticipantSupport: 1,
    };
    const amounts = (year: number): Amounts => (year === 2025 ? y2025 : defaultAmountsByYear(year));
    // Sun 2024-12-29 (2024-W52) and Mon 2024-12-30 … Wed 2025-01-01 (2025-W01) for one child.
    const subject = person();
    const acts = ['2024-12-29', '2024-12-30', '2024-12-31', '2025-01-01'].map((date) =>
      activity({ date, participants: [...participants(children(2)), participant(subject)] }),
    );
    const { of } = judge(acts, {}, amounts);
    expect(acts.map((a) => of(a).payment?.amountSek)).toEqual([
      round(21 + 3 * FULL),
      round(21 + 3 * FULL),
      round(21 + 3 * FULL),
      // 2025: the subject's 3rd in 2025-W01, reduced; the two others full.
      100 + 2 * 10 + 1,
    ]);
  });

  it('a rejected activity has no payment', () => {
    expect(judgeOne(activity({ leaders: [] })).payment).toBeUndefined();
  });
});

describe('payWeek', () => {
  it('pays exactly the approved judgements it is given, as judgeActivities does', () => {
    const acts = [activity(), activity({ start: '18:00', end: '19:00', participants: participants(crowd(21, 'q')) })];
    const ctx = context();
    const dayJudgements = judgeDay(acts, ctx);
    const payments = payWeek(dayJudgements, ctx, defaultAmountsByYear);
    expect(payments.size).toBe(2);
    const { of } = judge(acts);
    for (const judgement of dayJudgements)
      expect(payments.get(judgement)?.payment).toEqual(of(judgement.activity).payment);
    expect([...payments.get(dayJudgements[1]!)!.participantCodes]).toEqual([['q9', ['OVER_PARTICIPANT_CAP']]]);
  });
});

// lok-rules.md, "Decisions on payments": one test per decision the spec records.
describe('the payment decisions of lok-rules.md', () => {
  it('the weekly cap counts counted activities in the judging order, whatever order they are given in', () => {
    const subject = person({ birthDate: '2012-06-01' });
    const acts = days('2024-03-11', 4).map((date) => activityWith(subject, { date }));
    for (const given of [acts, [...acts].reverse(), [acts[2]!, acts[0]!, acts[3]!, acts[1]!]]) {
      const { of } = judge(given);
      expect(acts.map((a) => codesOf(of(a), subject).join() || 'full')).toEqual([
        'full',
        'full',
        'WEEKLY_CAP_REDUCED',
        'WEEKLY_CAP_REDUCED',
      ]);
    }
  });

  it('anonymous participants are outside the weekly cap, also beside named ones who reach it', () => {
    const named = children(3);
    const acts = days('2024-03-11', 6).map((date) =>
      activity({ date, participants: participants(named), anonymous: [anonymous(2012, 2)] }),
    );
    const { of } = judge(acts);
    // The named 12-year-olds: full, full, reduced × 3, unpaid; the two anonymous are paid in full every day.
    expect(acts.map((a) => of(a).payment?.paidParticipants)).toEqual([5, 5, 5, 5, 5, 2]);
  });

  it('ledarstöd is paid for every approved activity, also when no participant is paid', () => {
    const named = children(3, { birthDate: '2012-06-01' });
    const acts = days('2024-03-11', 6).map((date) => activity({ date, participants: participants(named) }));
    const sixth = judge(acts).of(acts[5]!);
    expect(sixth.verdict).toBe('approved');
    expect(sixth.payment).toMatchObject({ paidParticipants: 0, unpaidParticipants: 3, amountSek: 21 });
  });

  it('amounts are exact in öre, and totals are sums of activity amounts', () => {
    // Whole-öre rates whose sums are inexact in binary floating point (0.1 + 0.2 ≠ 0.3).
    const odd: Amounts = {
      leaderSupport: 0.1,
      extraLeaderSupport: 0.2,
      participantSupport: 0.07,
      reducedParticipantSupport: 0.01,
    };
    const acts = days('2024-03-04', 21).map((date, i) =>
      activity({
        date,
        id: `A-${i}`,
        leaders: [leader(adult()), leader(adult())],
        participants: participants(children(3, { birthDate: '2012-06-01' })),
      }),
    );
    const { of } = judge(acts, {}, () => odd);
    const verdicts = acts.map(of);
    for (const v of verdicts) expect(Math.round(v.payment!.amountSek * 100)).toBeCloseTo(v.payment!.amountSek * 100, 9);
    const sumOre = verdicts.reduce((sum, v) => sum + Math.round(v.payment!.amountSek * 100), 0);
    const accumulator = new PeriodTotalsAccumulator();
    acts.forEach((a, i) => accumulator.add(a, verdicts[i]!));
    const [totals] = accumulator.totals();
    expect(totals!.forecastSek).toBe(sumOre / 100);
    expect(totals!.forecastSek.toFixed(10)).toBe((sumOre / 100).toFixed(10));
  });
});
