import { ageOn, parseTime, yearOf } from '../calendar/dates.js';
import { PARTICIPANT_CODES, type ActivityCode, type LeaderCode, type ParticipantCode } from '../errors/codes.js';
import type { Membership } from '../format/records.js';
import type { JudgeContext, JudgedActivity, JudgedAnonymous, JudgedParticipant, JudgedPerson } from './judge-input.js';
import { none, orNone } from './empty-list.js';
import { compareActivities, compareAnonymous, compareStrings } from './ordering.js';
import { isClosedForActivity, periodOf, submissionsOf } from './periods.js';
import { LEADER_MIN_AGE, MIN_COUNTED_PARTICIPANTS, PARTICIPANT_AGE, ruleSetFor } from './rule-sets.js';
import type { ActivityVerdict, LeaderVerdict } from './verdict.js';

/** The day-level judgement of one activity, with what the weekly payment step needs. */
export interface DayJudgement {
  readonly activity: JudgedActivity;
  readonly approved: boolean;
  readonly reasons: readonly ActivityCode[];
  readonly leaders: readonly LeaderVerdict[];
  /**
   * Every named participant, in the order given (no rule depends on it: a participant is judged against earlier
   * activities and the leaders, never against the other participants); `participantReasons[i]` kept
   * `participants[i]` from being counted.
   */
  readonly participants: readonly JudgedParticipant[];
  readonly participantReasons: readonly (readonly ParticipantCode[])[];
  readonly anonymous: readonly JudgedAnonymous[];
  readonly anonymousReasons: readonly (readonly ParticipantCode[])[];
  /** Named and anonymous participants that pass every participant rule. */
  readonly countedParticipants: number;
  readonly countedAnonymous: number;
  readonly validLeaders: number;
}

/** The codes of a participant who is counted: none (nearly everyone: a million in a big file). */
export const COUNTED = none<ParticipantCode>();

interface Interval {
  readonly start: number;
  readonly end: number;
}

/** What earlier approved activities of the day hold: only they can block a later one. */
class DayState {
  /** Where each person was counted today: times and sports (plain arrays: a person has one or two a day). */
  readonly counted = new Map<JudgedPerson, { readonly times: Interval[]; readonly sports: string[] }>();
  readonly leadingIn = new Map<JudgedPerson, Led[]>();
  readonly groupEvents = new Set<string>();
}

/** An approved activity a valid leader leads today, and when. */
interface Led extends Interval {
  readonly club: string;
  readonly id: string;
}

function overlaps(intervals: readonly Interval[] | undefined, time: Interval | undefined): boolean {
  return firstOverlap(intervals, time) !== undefined;
}

function firstOverlap<T extends Interval>(
  intervals: readonly T[] | undefined,
  time: Interval | undefined,
): T | undefined {
  if (!intervals || !time) return undefined;
  return intervals.find((i) => i.start < time.end && time.start < i.end);
}

function add<T>(map: Map<JudgedPerson, T[]>, key: JudgedPerson, interval: T): void {
  const list = map.get(key);
  if (list) list.push(interval);
  else map.set(key, [interval]);
}

function isMember(person: JudgedPerson, club: string, date: string): boolean {
  const memberships: readonly Membership[] = person.memberships.get(club) ?? [];
  return memberships.some((m) => m.from <= date && (m.to === undefined || date <= m.to));
}

/** Sports are the same sport whatever their case or surrounding space ("Fotboll", "fotboll "). */
export function sameSportKey(sport: string | undefined): string {
  return (sport ?? '').trim().toLowerCase();
}

/**
 * Judges the activities of one day, one at a time in the ordering, each against its own data and the
 * activities before it that were approved. The verdicts of a day depend on nothing outside it but the
 * persons, the clubs and the evaluation date.
 */
export function judgeDay(activities: readonly JudgedActivity[], context: JudgeContext): DayJudgement[] {
  const state = new DayState();
  return [...activities]
    .sort(compareActivities)
    .map((activity) =>
      activity.frozen ? asFrozen(activity, activity.frozen, state) : judgeOne(activity, state, context),
    );
}

function intervalOf(activity: JudgedActivity): Interval | undefined {
  const start = activity.start === undefined ? undefined : parseTime(activity.start);
  const end = activity.end === undefined ? undefined : parseTime(activity.end);
  return start !== undefined && end !== undefined && end > start ? { start, end } : undefined;
}

/** A group's camp or competition: one approved a day (DUPLICATE_GROUP_DAY). */
function groupEventOf(activity: JudgedActivity): string | undefined {
  return activity.group !== undefined && (activity.type === 'camp' || activity.type === 'competition')
    ? `${activity.club}\u0000${activity.group}`
    : undefined;
}

/** What an approved activity holds for the later ones of its day: its counted persons, its valid leaders, its group's event. */
function noteApproved(
  activity: JudgedActivity,
  time: Interval,
  participantReasons: readonly (readonly ParticipantCode[])[],
  validLeaders: readonly JudgedPerson[],
  state: DayState,
): void {
  const sportKey = sameSportKey(activity.sport);
  activity.participants.forEach(({ person }, i) => {
    if (participantReasons[i]!.length > 0) return;
    const day = state.counted.get(person);
    if (!day) state.counted.set(person, { times: [time], sports: [sportKey] });
    else {
      day.times.push(time);
      if (!day.sports.includes(sportKey)) day.sports.push(sportKey);
    }
  });
  for (const key of validLeaders) add(state.leadingIn, key, { ...time, club: activity.club, id: activity.id });
  const groupEvent = groupEventOf(activity);
  if (groupEvent !== undefined) state.groupEvents.add(groupEvent);
}

const isParticipantCode = (code: string): code is ParticipantCode => code in PARTICIPANT_CODES;

/**
 * An activity whose verdict is frozen (its period closed for its club: docs/lok-rules.md, "The application"): it is
 * not judged again, and the later activities of its day are judged against it as it stands, so that a participant
 * counted there is not counted again in a late-registered activity or another club's.
 */
function asFrozen(activity: JudgedActivity, verdict: ActivityVerdict, state: DayState): DayJudgement {
  const notCounted = new Map<string, readonly ParticipantCode[]>();
  const anonymousNotCounted: { birthYear: number; gender: string; reasons: readonly ParticipantCode[] }[] = [];
  for (const line of verdict.participants) {
    if (line.counted) continue;
    const codes = orNone(line.reasons.filter(isParticipantCode));
    if ('ref' in line) notCounted.set(line.ref, codes);
    else anonymousNotCounted.push({ ...line.anonymous, reasons: codes });
  }
  const participantReasons = activity.participants.map(({ ref }) => notCounted.get(ref) ?? COUNTED);
  const anonymous = [...activity.anonymous].sort(compareAnonymous);
  const anonymousReasons = anonymous.map(
    (g) => anonymousNotCounted.find((a) => a.birthYear === g.birthYear && a.gender === g.gender)?.reasons ?? COUNTED,
  );
  const validRefs = new Set(verdict.leaders.filter((l) => l.valid).map((l) => l.ref));
  const validLeaders = activity.leaders.filter((l) => validRefs.has(l.ref)).map((l) => l.person);
  const approved = verdict.verdict === 'approved';
  const time = intervalOf(activity);
  if (approved && time && activity.sport !== undefined)
    noteApproved(activity, time, participantReasons, validLeaders, state);
  return {
    activity,
    approved,
    reasons: verdict.reasons,
    leaders: verdict.leaders,
    participants: activity.participants,
    participantReasons,
    anonymous,
    anonymousReasons,
    countedParticipants: verdict.countedParticipants,
    countedAnonymous: anonymous.reduce((sum, g, i) => sum + (anonymousReasons[i]!.length === 0 ? g.count : 0), 0),
    validLeaders: validLeaders.length,
  };
}

function judgeOne(activity: JudgedActivity, state: DayState, context: JudgeContext): DayJudgement {
  const { date, start, end, sport } = activity;
  const clubFacts = context.club(activity.club);
  const startMinutes = start === undefined ? undefined : parseTime(start);
  const endMinutes = end === undefined ? undefined : parseTime(end);
  const timesValid = startMinutes !== undefined && endMinutes !== undefined && endMinutes > startMinutes;
  const time: Interval | undefined = timesValid ? { start: startMinutes, end: endMinutes } : undefined;
  const reasons: ActivityCode[] = [];

  if (
    date === undefined ||
    start === undefined ||
    end === undefined ||
    sport === undefined ||
    activity.place === undefined
  )
    reasons.push('MISSING_REQUIRED_DATA');
  if (startMinutes !== undefined && endMinutes !== undefined && !timesValid) reasons.push('INVALID_TIME_RANGE');
  const rules = date === undefined ? undefined : ruleSetFor(date);
  if (rules && time && time.end - time.start < rules.minimumMinutes) reasons.push('TOO_SHORT');
  if (rules?.commonStartEndRequired && activity.dropIn) reasons.push('NO_COMMON_START_END');

  const leaderKeys = new Set(activity.leaders.map((l) => l.person));
  const validLeaderKeys: JudgedPerson[] = [];
  const leaders: LeaderVerdict[] = [...activity.leaders]
    .sort((a, b) => compareStrings(a.ref, b.ref))
    .map((leader) => {
      const codes: LeaderCode[] = [];
      const { person } = leader;
      if (date === undefined) return { ref: leader.ref, valid: false, reasons: none<LeaderCode>() };
      if (person.birthDate === undefined) codes.push('LEADER_IDENTITY_MISSING');
      else if (ageOn(person.birthDate, date) < LEADER_MIN_AGE) codes.push('LEADER_TOO_YOUNG');
      if (!isMember(person, activity.club, date)) codes.push('LEADER_NOT_MEMBER');
      const busy = firstOverlap(state.leadingIn.get(leader.person), time);
      if (busy) codes.push('LEADER_OVERLAPPING_ACTIVITY');
      if (codes.length === 0) validLeaderKeys.push(person);
      const line: LeaderVerdict = { ref: leader.ref, valid: codes.length === 0, reasons: orNone(codes) };
      return busy
        ? { ...line, overlapsWith: busy.club === activity.club ? { id: busy.id } : { anotherClub: true } }
        : line;
    });

  const sportKey = sameSportKey(sport);
  const everyoneDisabled = clubFacts.countsEveryoneAsDisabled;
  const participants = activity.participants;
  const participantReasons = participants.map((participant) =>
    date === undefined
      ? COUNTED
      : participantCodes(participant, activity, date, time, sportKey, leaderKeys, state, everyoneDisabled),
  );
  const anonymous = [...activity.anonymous].sort(compareAnonymous);
  const anonymousReasons = anonymous.map((group) =>
    date === undefined ? COUNTED : anonymousCodes(group, date, everyoneDisabled),
  );

  // An undated activity is judged on nothing but its missing date: nobody is counted.
  let countedPersons = 0;
  let countedAnonymous = 0;
  if (date !== undefined) {
    for (const codes of participantReasons) if (codes.length === 0) countedPersons++;
    anonymousReasons.forEach((codes, i) => {
      if (codes.length === 0) countedAnonymous += anonymous[i]!.count;
    });
  }
  const countedParticipants = countedPersons + countedAnonymous;

  if (activity.leaders.length === 0) reasons.push('NO_LEADER');
  else if (validLeaderKeys.length === 0) reasons.push('NO_VALID_LEADER');
  if (countedParticipants < MIN_COUNTED_PARTICIPANTS) reasons.push('TOO_FEW_PARTICIPANTS');
  const groupEvent = groupEventOf(activity);
  if (groupEvent !== undefined && state.groupEvents.has(groupEvent)) reasons.push('DUPLICATE_GROUP_DAY');
  if (
    date !== undefined &&
    isClosedForActivity(periodOf(date), context.today, activity.receivedOn, submissionsOf(clubFacts, periodOf(date)))
  )
    reasons.push('PERIOD_CLOSED');
  if (activity.type === 'meeting' || activity.type === 'education') reasons.push('NOT_SPORT_ACTIVITY');
  if (activity.remote) reasons.push('REMOTE_ACTIVITY');

  const approved = reasons.length === 0;
  if (approved && time && sport !== undefined) noteApproved(activity, time, participantReasons, validLeaderKeys, state);
  return {
    activity,
    approved,
    reasons: orNone(reasons),
    leaders,
    participants,
    participantReasons,
    anonymous,
    anonymousReasons,
    countedParticipants,
    countedAnonymous,
    validLeaders: validLeaderKeys.length,
  };
}

function ageCode(age: number, disabled: boolean): ParticipantCode | undefined {
  if (age < PARTICIPANT_AGE.min) return 'PARTICIPANT_TOO_YOUNG';
  if (age > PARTICIPANT_AGE.max && !disabled) return 'PARTICIPANT_TOO_OLD';
  return undefined;
}

function participantCodes(
  participant: JudgedParticipant,
  activity: JudgedActivity,
  date: string,
  time: Interval | undefined,
  sportKey: string,
  leaderKeys: ReadonlySet<JudgedPerson>,
  state: DayState,
  everyoneDisabled: boolean,
): readonly ParticipantCode[] {
  const { person } = participant;
  let codes: ParticipantCode[] | undefined;
  const note = (code: ParticipantCode | undefined): void => {
    if (code !== undefined) (codes ??= []).push(code);
  };
  if (person.identity === 'none' || person.birthDate === undefined) note('PARTICIPANT_IDENTITY_MISSING');
  else {
    if (person.identity === 'swedish-without-personnummer') note('PARTICIPANT_INCOMPLETE_PERSONNUMMER');
    note(ageCode(yearOf(date) - yearOf(person.birthDate), participant.disability || everyoneDisabled));
  }
  if (!activity.tryOut && !isMember(person, activity.club, date)) note('PARTICIPANT_NOT_MEMBER');
  if (leaderKeys.has(person)) note('PARTICIPANT_IS_LEADER');
  const today = state.counted.get(person);
  if (today) {
    if (overlaps(today.times, time)) note('PARTICIPANT_OVERLAPPING_ACTIVITY');
    if (activity.sport !== undefined && today.sports.includes(sportKey)) note('PARTICIPANT_ALREADY_COUNTED_TODAY');
  }
  return codes ?? COUNTED;
}

/** Protected identities: judged on birth year alone, taken as members, outside the overlap and once-a-day rules. */
function anonymousCodes(group: JudgedAnonymous, date: string, everyoneDisabled: boolean): readonly ParticipantCode[] {
  const code = ageCode(yearOf(date) - group.birthYear, everyoneDisabled);
  return code === undefined ? COUNTED : [code];
}
