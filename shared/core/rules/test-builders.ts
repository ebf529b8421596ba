/**
 * Test-only builders for the rules engine: persons, refs, activities and contexts with sensible defaults, so that
 * a test spells out only what it is about. Every default activity is approved on its own: a valid adult leader,
 * three counted children, a 60-minute training on a weekday, an open period.
 */
import type { Membership } from '../format/records.js';
import { defaultAmountsByYear, type AmountsByYear } from './amounts.js';
import { judgeActivities } from './judge-activities.js';
import {
  activityKey,
  type ClubFacts,
  type JudgeContext,
  type JudgedActivity,
  type JudgedAnonymous,
  type JudgedParticipant,
  type JudgedPerson,
  type JudgedPersonRef,
} from './judge-input.js';
import type { ActivityVerdict, AnonymousVerdict, ParticipantVerdict } from './verdict.js';

export const CLUB_A = 'club-a';
export const CLUB_B = 'club-b';
/** A membership covering every date the tests use. */
export const ALWAYS: Membership = { from: '2000-01-01' };
/** A Tuesday in spring 2024, after every rule-set switch. */
export const DEFAULT_DATE = '2024-03-12';
/** An evaluation date before every period the tests use has closed. */
export const OPEN_TODAY = '2020-01-01';

let sequence = 0;
function next(prefix: string): string {
  sequence++;
  return `${prefix}${String(sequence).padStart(4, '0')}`;
}

export interface PersonOptions {
  readonly key?: string;
  readonly identity?: JudgedPerson['identity'];
  /** Ignored (left out) for identity `none` unless given explicitly. */
  readonly birthDate?: string;
  /** Club id → memberships; default: a member of club-a and club-b on every date. */
  readonly memberships?: Readonly<Record<string, readonly Membership[]>>;
}

/** A register person; by default a child born 2012-03-15 with a personnummer, member of both clubs. */
export function person(options: PersonOptions = {}): JudgedPerson {
  const identity = options.identity ?? 'personnummer';
  const birthDate = options.birthDate ?? (identity === 'none' ? undefined : '2012-03-15');
  const memberships = options.memberships ?? { [CLUB_A]: [ALWAYS], [CLUB_B]: [ALWAYS] };
  return {
    key: options.key ?? next('person-'),
    identity,
    ...(birthDate === undefined ? {} : { birthDate }),
    memberships: new Map(Object.entries(memberships)),
  };
}

/** An adult (born 1990), member of both clubs: a valid leader on any date the tests use. */
export function adult(options: PersonOptions = {}): JudgedPerson {
  return person({ birthDate: '1990-05-20', ...options });
}

/** `n` distinct children (born 2012 unless told), members of both clubs. */
export function children(n: number, options: PersonOptions = {}): JudgedPerson[] {
  return Array.from({ length: n }, () => person(options));
}

/** A leader ref; the ref defaults to the person's key. */
export function leader(who: JudgedPerson, ref: string = who.key): JudgedPersonRef {
  return { ref, person: who };
}

/** A participant ref; the ref defaults to the person's key. */
export function participant(
  who: JudgedPerson,
  options: { readonly ref?: string; readonly disability?: boolean } = {},
): JudgedParticipant {
  return { ref: options.ref ?? who.key, person: who, disability: options.disability ?? false };
}

export function participants(persons: readonly JudgedPerson[]): JudgedParticipant[] {
  return persons.map((p) => participant(p));
}

export function anonymous(birthYear: number, count = 1, gender: JudgedAnonymous['gender'] = 'F'): JudgedAnonymous {
  return { birthYear, gender, count };
}

/**
 * An activity; every field may be overridden, also with `undefined` for the optional ones. Defaults: club-a, a
 * fresh id, DEFAULT_DATE 17:00–18:00 fotboll training in "Hallen", one fresh adult leader, three fresh children,
 * received and created on its date, vendor-a.
 */
export function activity(overrides: Partial<JudgedActivity> = {}): JudgedActivity {
  const date = 'date' in overrides ? overrides.date : DEFAULT_DATE;
  return {
    club: CLUB_A,
    id: next('A-'),
    date,
    start: '17:00',
    end: '18:00',
    sport: 'fotboll',
    place: 'Hallen',
    type: 'training',
    dropIn: false,
    remote: false,
    tryOut: false,
    leaders: [leader(adult())],
    participants: participants(children(3)),
    anonymous: [],
    receivedOn: date ?? DEFAULT_DATE,
    createdOn: date ?? DEFAULT_DATE,
    vendor: 'vendor-a',
    ...overrides,
  };
}

/** An activity (see `activity`) whose participants are three fresh children and then `who`. */
export function activityWith(who: JudgedPerson, overrides: Partial<JudgedActivity> = {}): JudgedActivity {
  return activity({ ...overrides, participants: [...participants(children(3)), participant(who)] });
}

export interface ContextOptions {
  readonly today?: string;
  /** Clubs of the parasport and deaf-sport federations. */
  readonly everyoneDisabled?: readonly string[];
  /** Club → periods whose application it has submitted. */
  readonly submitted?: Readonly<Record<string, readonly string[]>>;
}

export function context(options: ContextOptions = {}): JudgeContext {
  const everyone = new Set(options.everyoneDisabled ?? []);
  return {
    today: options.today ?? OPEN_TODAY,
    club: (id: string): ClubFacts => ({
      countsEveryoneAsDisabled: everyone.has(id),
      submittedPeriods: new Set(options.submitted?.[id] ?? []),
    }),
  };
}

/** Judges the activities together and returns a lookup by activity. */
export function judge(
  activities: readonly JudgedActivity[],
  options: ContextOptions = {},
  amounts: AmountsByYear = defaultAmountsByYear,
): {
  readonly all: Map<string, ActivityVerdict>;
  readonly of: (activity: JudgedActivity) => ActivityVerdict;
} {
  const all = judgeActivities(activities, context(options), amounts);
  return {
    all,
    of: (a) => {
      const verdict = all.get(activityKey(a));
      if (!verdict) throw new Error(`no verdict for ${a.club}/${a.id}`);
      return verdict;
    },
  };
}

/** Judges one activity alone. */
export function judgeOne(a: JudgedActivity, options: ContextOptions = {}): ActivityVerdict {
  return judge([a], options).of(a);
}

/** The verdict line of a named participant, or undefined when it has none (counted without codes). */
export function participantLine(verdict: ActivityVerdict, ref: string): ParticipantVerdict | undefined {
  return verdict.participants.find((p): p is ParticipantVerdict => 'ref' in p && p.ref === ref);
}

/** The verdict lines of anonymous groups. */
export function anonymousLines(verdict: ActivityVerdict): AnonymousVerdict[] {
  return verdict.participants.filter((p): p is AnonymousVerdict => 'anonymous' in p);
}

/** A participant's codes in a verdict (empty when counted without codes). */
export function codesOf(verdict: ActivityVerdict, who: JudgedPerson | string): readonly string[] {
  return participantLine(verdict, typeof who === 'string' ? who : who.key)?.reasons ?? [];
}

/** Whether a participant was counted (a participant without a line was counted). */
export function isCounted(verdict: ActivityVerdict, who: JudgedPerson | string): boolean {
  return participantLine(verdict, typeof who === 'string' ? who : who.key)?.counted ?? true;
}

/** The verdict of a leader. */
export function leaderLine(
  verdict: ActivityVerdict,
  who: JudgedPerson | string,
): { readonly valid: boolean; readonly reasons: readonly string[] } {
  const ref = typeof who === 'string' ? who : who.key;
  const line = verdict.leaders.find((l) => l.ref === ref);
  if (!line) throw new Error(`no leader ${ref}`);
  return { valid: line.valid, reasons: line.reasons };
}
