import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../calendar/dates.js';
import { ACTIVITY_CODES, PARTICIPANT_CODES, PAYMENT_CODES, type ActivityCode } from '../errors/codes.js';
import type { ActivityType, Membership } from '../format/records.js';
import { judgeActivities, rejudge, weekOf } from './judge-activities.js';
import { sameSportKey } from './judge-day.js';
import { activityKey, type JudgeContext, type JudgedActivity, type JudgedPerson } from './judge-input.js';
import { compareActivities } from './ordering.js';
import { CLUB_A, CLUB_B, context } from './test-builders.js';
import type { ActivityVerdict } from './verdict.js';

/*
 * Small random worlds: a few persons with birth dates and memberships in two clubs, and 1–25 activities on a few
 * dates around year ends (ISO weeks that span them) and the rule-set switches of 2022-01-01 and 2023-07-01.
 */

/**
 * Runs of days that a world's activities fall on. 2021-W52 (Mon 12-27 – Sun 2022-01-02) holds the switch to the
 * weekly cap and 2022-W01 begins on Mon 01-03; 2023-W26 (Mon 06-26 – Sun 07-02) holds the switch of 2023-07-01 and
 * 2023-W27 begins on Mon 07-03; Sun 2024-12-29 is in 2024-W52 and Mon 2024-12-30 – Sun 2025-01-05 is 2025-W01.
 */
const DATE_RUNS = [
  ['2021-12-29', '2021-12-30', '2021-12-31', '2022-01-01', '2022-01-02', '2022-01-03'],
  ['2023-06-28', '2023-06-29', '2023-06-30', '2023-07-01', '2023-07-02', '2023-07-03'],
  ['2024-12-29', '2024-12-30', '2024-12-31', '2025-01-01', '2025-01-02', '2025-01-05'],
] as const;
const DATES = DATE_RUNS.flat();
const STARTS = ['09:00', '16:00', '16:30', '17:00', '17:15', '18:00'] as const;
/** Minutes from start to end: mostly long enough, sometimes at the minimums or an invalid range. */
const LENGTHS = [60, 90, 61, 120] as const;
const EDGE_LENGTHS = [45, 59, 44, 0, -30] as const;
const CHILD_BIRTH_DATES = [
  '2012-03-15',
  '2013-06-01',
  '2014-12-31',
  '2010-07-01',
  '2015-01-01',
  '2012-03-15',
  '2008-12-31',
  '2016-06-01',
  '1998-12-31',
  '2017-12-31',
] as const;
const CLUBS = [CLUB_A, CLUB_B] as const;
const ADULTS = 2;
const PERSONS = 9;
const ALL_PERSONS = Array.from({ length: PERSONS }, (_, i) => i);

/**
 * True about one time in ten. fast-check biases small generators towards their first values, so the lists above
 * start with the ordinary case and this one is unbiased.
 */
const rare = fc.noBias(fc.integer({ min: 0, max: 9 })).map((n) => n === 0);

const membershipArb: fc.Arbitrary<Membership[]> = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Membership[]>([{ from: '2000-01-01' }]) },
  { weight: 1, arbitrary: fc.constant<Membership[]>([]) },
  { weight: 1, arbitrary: fc.constantFrom(...DATES).map((from) => [{ from }]) },
  { weight: 1, arbitrary: fc.constantFrom(...DATES).map((to) => [{ from: '2000-01-01', to }]) },
);

const personArb = (adult: boolean) =>
  fc.record({
    birthDate: adult
      ? fc.constantFrom('1990-05-20', '1985-01-01', '2010-07-01')
      : fc.constantFrom(...CHILD_BIRTH_DATES),
    identity: fc.oneof(
      { weight: 12, arbitrary: fc.constant<JudgedPerson['identity']>('personnummer') },
      {
        weight: 1,
        arbitrary: fc.constantFrom<JudgedPerson['identity']>('foreign', 'swedish-without-personnummer', 'none'),
      },
    ),
    a: membershipArb,
    b: membershipArb,
  });

function addMinutes(time: string, minutes: number): string {
  const total = parseTime(time)! + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

const activitySpecArb = fc.record({
  club: fc.constantFrom(0, 0, 1),
  idLetter: fc.constantFrom('A', 'B', 'C'),
  /** An index into the world's dates; -1 is undated. */
  date: fc.oneof({ weight: 30, arbitrary: fc.noBias(fc.nat(5)) }, { weight: 1, arbitrary: fc.constant(-1) }),
  start: fc.constantFrom(...STARTS),
  length: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...LENGTHS) },
    { weight: 1, arbitrary: fc.constantFrom(...EDGE_LENGTHS) },
  ),
  sport: fc.constantFrom('fotboll', 'fotboll', 'innebandy', 'Fotboll '),
  missingPlace: rare,
  type: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom<ActivityType>('training', 'competition', 'camp', 'other') },
    { weight: 1, arbitrary: fc.constantFrom<ActivityType>('meeting', 'education') },
  ),
  group: fc.constantFrom(undefined, 'g1', 'g2'),
  dropIn: rare,
  remote: rare,
  tryOut: rare,
  // Mostly the adults, sometimes anyone (children under 13 are invalid leaders).
  leaders: fc.oneof(
    { weight: 8, arbitrary: fc.subarray(ALL_PERSONS.slice(0, ADULTS), { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.subarray(ALL_PERSONS, { maxLength: 2 }) },
  ),
  // Mostly children; sometimes a leader too (PARTICIPANT_IS_LEADER).
  participants: fc
    .tuple(fc.subarray(ALL_PERSONS.slice(ADULTS), { minLength: 3, maxLength: 7 }), rare)
    .map(([children, withAdult]) => (withAdult ? [0, ...children] : children)),
  disability: fc.array(rare, { minLength: PERSONS, maxLength: PERSONS }),
  anonymous: fc.oneof(
    { weight: 4, arbitrary: fc.constant([]) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.record({ birthYear: fc.constantFrom(1990, 2012, 2018), count: fc.constantFrom(1, 2, 3, 25) }),
      ),
    },
  ),
  late: rare,
  future: rare,
  vendor: fc.constantFrom('v1', 'v2'),
});

interface World {
  readonly activities: JudgedActivity[];
  readonly context: JudgeContext;
}

const worldArb = (minActivities: number): fc.Arbitrary<World> =>
  fc
    .record({
      persons: fc.tuple(...ALL_PERSONS.map((i) => personArb(i < ADULTS))),
      // Each world uses some days of one run, so that activities meet on a day and in a week.
      dates: fc
        .constantFrom(...DATE_RUNS)
        .chain((run) => fc.shuffledSubarray([...run], { minLength: 1, maxLength: run.length })),
      activities: fc.array(activitySpecArb, { minLength: minActivities, maxLength: 25, size: 'max' }),
      today: fc.constantFrom('2022-06-10', '2022-06-20'),
      parasportB: fc.boolean(),
      submittedB: fc.boolean(),
    })
    .map(({ persons: personSpecs, dates, activities: specs, today, parasportB, submittedB }) => {
      const persons: JudgedPerson[] = personSpecs.map((p, i) => ({
        key: `k${i}`,
        identity: p.identity,
        ...(p.identity === 'none' ? {} : { birthDate: p.birthDate }),
        memberships: new Map([
          [CLUB_A, p.a],
          [CLUB_B, p.b],
        ]),
      }));
      const activities = specs.map((s, i): JudgedActivity => {
        const club = CLUBS[s.club]!;
        // Refs are the vendor's ids, per club; their order is not the order of the persons.
        const ref = (index: number) => `${club === CLUB_A ? 'a' : 'b'}-${(index * 7) % PERSONS}`;
        const date = s.date < 0 ? undefined : dates[s.date % dates.length];
        const endMinutes = Math.max(0, Math.min(parseTime(s.start)! + s.length, 23 * 60 + 59)) - parseTime(s.start)!;
        return {
          club,
          id: `${s.idLetter}-${i}`,
          date,
          start: s.start,
          end: addMinutes(s.start, endMinutes),
          sport: s.sport,
          place: s.missingPlace ? undefined : 'Hallen',
          type: s.type,
          group: s.group,
          dropIn: s.dropIn,
          remote: s.remote,
          tryOut: s.tryOut,
          leaders: s.leaders.map((index) => ({ ref: ref(index), person: persons[index]! })),
          participants: s.participants.map((index) => ({
            ref: ref(index),
            person: persons[index]!,
            disability: s.disability[index]!,
          })),
          anonymous: s.anonymous.map((a) => ({ ...a, gender: 'M' as const })),
          receivedOn: s.late ? '2026-01-01' : (date ?? '2022-01-01'),
          createdOn: s.future ? '2021-01-01' : (date ?? '2022-01-01'),
          vendor: s.vendor,
        };
      });
      // On 2022-06-20 the period 2021-2 has closed (after 2022-06-15); club-b may have submitted 2025-1.
      return {
        activities,
        context: context({
          today,
          everyoneDisabled: parasportB ? [CLUB_B] : [],
          submitted: submittedB ? { [CLUB_B]: ['2025-1'] } : {},
        }),
      };
    });

function plain(verdicts: ReadonlyMap<string, ActivityVerdict>): Record<string, ActivityVerdict> {
  return Object.fromEntries([...verdicts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A deterministic Fisher–Yates shuffle from a seed (mulberry32). */
function shuffler(seed: number): <T>(items: readonly T[]) => T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
}

const RUNS = { numRuns: 300 };

describe('judging properties', () => {
  it('shuffling the activities, their participants and leaders never changes a verdict', () => {
    fc.assert(
      fc.property(worldArb(1), fc.integer(), ({ activities, context: ctx }, seed) => {
        const shuffle = shuffler(seed);
        const shuffled = shuffle(activities).map((a) => ({
          ...a,
          leaders: shuffle(a.leaders),
          participants: shuffle(a.participants),
          anonymous: shuffle(a.anonymous),
        }));
        expect(plain(judgeActivities(shuffled, ctx))).toEqual(plain(judgeActivities(activities, ctx)));
      }),
      RUNS,
    );
  });

  it('rejudging the week of an added activity equals judging the larger set from scratch', () => {
    fc.assert(
      fc.property(worldArb(1), fc.nat(), ({ activities, context: ctx }, pick) => {
        const index = pick % activities.length;
        const added = activities[index]!;
        const before = activities.filter((_, i) => i !== index);
        const previous = judgeActivities(before, ctx);
        const next = rejudge(previous, activities, new Set([weekOf(added)]), ctx);
        expect(plain(next)).toEqual(plain(judgeActivities(activities, ctx)));
      }),
      RUNS,
    );
  });

  it('rejudging the week of a removed activity equals judging the smaller set from scratch', () => {
    fc.assert(
      fc.property(worldArb(1), fc.nat(), ({ activities, context: ctx }, pick) => {
        const index = pick % activities.length;
        const removed = activities[index]!;
        const after = activities.filter((_, i) => i !== index);
        const previous = judgeActivities(activities, ctx);
        const next = rejudge(previous, after, new Set([weekOf(removed)]), ctx);
        expect(next.has(activityKey(removed))).toBe(false);
        expect(plain(next)).toEqual(plain(judgeActivities(after, ctx)));
      }),
      RUNS,
    );
  });

  it('the verdicts of a day depend only on that day, and payments only on that ISO week', () => {
    const paymentCodes = new Set<string>(Object.keys(PAYMENT_CODES));
    /** The verdict without what the week decides: the payment and the participants' payment codes. */
    const dayPart = ({ payment: _payment, participants, ...rest }: ActivityVerdict) => ({
      ...rest,
      participants: participants
        .map((p) => ({ ...p, reasons: p.reasons.filter((r) => !paymentCodes.has(r)) }))
        .filter((p) => !p.counted || p.reasons.length > 0),
    });
    fc.assert(
      fc.property(worldArb(2), ({ activities, context: ctx }) => {
        const together = judgeActivities(activities, ctx);
        const byDay = new Map<string, JudgedActivity[]>();
        const byWeek = new Map<string, JudgedActivity[]>();
        for (const a of activities) {
          byDay.set(a.date ?? '', [...(byDay.get(a.date ?? '') ?? []), a]);
          byWeek.set(weekOf(a), [...(byWeek.get(weekOf(a)) ?? []), a]);
        }
        for (const day of byDay.values()) {
          for (const [key, verdict] of judgeActivities(day, ctx))
            expect(dayPart(verdict)).toEqual(dayPart(together.get(key)!));
        }
        for (const week of byWeek.values()) {
          for (const [key, verdict] of judgeActivities(week, ctx)) expect(verdict).toEqual(together.get(key));
        }
      }),
      RUNS,
    );
  });

  it('every verdict is well formed', () => {
    const order = Object.keys(ACTIVITY_CODES) as ActivityCode[];
    const participantCodes = new Set<string>(Object.keys(PARTICIPANT_CODES));
    const paymentCodes = new Set<string>(Object.keys(PAYMENT_CODES));
    fc.assert(
      fc.property(worldArb(1), ({ activities, context: ctx }) => {
        const verdicts = judgeActivities(activities, ctx);
        expect(verdicts.size).toBe(activities.length);
        for (const a of activities) {
          const v = verdicts.get(activityKey(a))!;
          // Activity codes: unique, in the order of ACTIVITY_CODES; approved exactly when there are none.
          const indexes = v.reasons.map((r) => order.indexOf(r));
          expect(indexes.every((x, i) => x >= 0 && (i === 0 || x > indexes[i - 1]!))).toBe(true);
          expect(v.verdict === 'approved').toBe(v.reasons.length === 0);
          expect(v.payment !== undefined).toBe(v.verdict === 'approved');
          expect(v.leaders.map((l) => l.ref)).toEqual(a.leaders.map((l) => l.ref).sort());
          for (const l of v.leaders) if (a.date !== undefined) expect(l.valid).toBe(l.reasons.length === 0);
          if (v.verdict === 'approved') {
            expect(v.countedParticipants).toBeGreaterThanOrEqual(3);
            expect(v.leaders.some((l) => l.valid)).toBe(true);
          }
          for (const p of v.participants) {
            const own = p.reasons.filter((r) => participantCodes.has(r));
            // Undated: nobody can be judged, so nobody is counted, and nobody has codes of their own.
            expect(p.counted).toBe(a.date !== undefined && own.length === 0);
            expect(p.reasons.every((r) => participantCodes.has(r) || paymentCodes.has(r))).toBe(true);
            // Payment codes only for counted participants of approved activities.
            if (p.reasons.some((r) => paymentCodes.has(r))) expect(p.counted && v.verdict === 'approved').toBe(true);
          }
          const notCounted = v.participants
            .filter((p) => !p.counted)
            .reduce((n, p) => n + ('count' in p ? p.count : 1), 0);
          const all = a.participants.length + a.anonymous.reduce((n, g) => n + g.count, 0);
          if (a.date !== undefined) expect(v.countedParticipants).toBe(all - notCounted);
          if (v.payment) {
            const {
              paidParticipants: paid,
              reducedParticipants: reduced,
              unpaidParticipants: unpaid,
              extraLeaderSupport,
              amountSek,
            } = v.payment;
            expect(paid + unpaid).toBe(v.countedParticipants);
            expect(reduced).toBeLessThanOrEqual(paid);
            expect(extraLeaderSupport).toBe(v.leaders.filter((l) => l.valid).length >= 2);
            expect(amountSek).toBeCloseTo(
              21 + (extraLeaderSupport ? 5 : 0) + (paid - reduced) * 7.86 + reduced * 3.93,
              2,
            );
          }
        }
      }),
      RUNS,
    );
  });

  it('approved activities never share a counted person, a busy leader or a group event they should not', () => {
    fc.assert(
      fc.property(worldArb(2), ({ activities, context: ctx }) => {
        const verdicts = judgeActivities(activities, ctx);
        const approved = [...activities]
          .sort(compareActivities)
          .filter((a) => verdicts.get(activityKey(a))!.verdict === 'approved');
        const countedPersons = (a: JudgedActivity) => {
          const v = verdicts.get(activityKey(a))!;
          return new Set(
            a.participants
              .filter((p) => v.participants.every((line) => !('ref' in line) || line.ref !== p.ref || line.counted))
              .map((p) => p.person),
          );
        };
        const validLeaders = (a: JudgedActivity) => {
          const v = verdicts.get(activityKey(a))!;
          return new Set(
            a.leaders.filter((l) => v.leaders.find((line) => line.ref === l.ref)!.valid).map((l) => l.person),
          );
        };
        const overlap = (a: JudgedActivity, b: JudgedActivity) =>
          parseTime(a.start!)! < parseTime(b.end!)! && parseTime(b.start!)! < parseTime(a.end!)!;
        const groupEvent = (a: JudgedActivity) =>
          a.group !== undefined && (a.type === 'camp' || a.type === 'competition');
        approved.forEach((a, i) => {
          for (const b of approved.slice(i + 1)) {
            if (a.date !== b.date) continue;
            const shared = [...countedPersons(a)].filter((p) => countedPersons(b).has(p));
            if (shared.length > 0) {
              expect(overlap(a, b)).toBe(false);
              expect(sameSportKey(a.sport)).not.toBe(sameSportKey(b.sport));
            }
            if ([...validLeaders(a)].some((l) => validLeaders(b).has(l))) expect(overlap(a, b)).toBe(false);
            if (groupEvent(a) && groupEvent(b) && a.club === b.club) expect(a.group).not.toBe(b.group);
          }
        });
      }),
      RUNS,
    );
  });
});
