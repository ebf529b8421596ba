import { ageOn, parseTime, yearOf } from '../calendar/dates.js';
import type { ActivityCode, LeaderCode, ParticipantCode } from '../errors/codes.js';
import type { Membership } from '../format/records.js';
import type { JudgeContext, JudgedActivity, JudgedAnonymous, JudgedParticipant, JudgedPerson } from './judge-input.js';
import { compareActivities, compareStrings } from './ordering.js';
import { isPeriodClosed, periodOf } from './periods.js';
import { LEADER_MIN_AGE, MIN_COUNTED_PARTICIPANTS, PARTICIPANT_AGE, ruleSetFor } from './rule-sets.js';
import type { LeaderVerdict } from './verdict.js';

/** The day-level judgement of one activity, with what the weekly payment step needs. */
export interface DayJudgement {
  readonly activity: JudgedActivity;
  readonly approved: boolean;
  readonly reasons: readonly ActivityCode[];
  readonly leaders: readonly LeaderVerdict[];
  /** Every named participant, sorted by ref, with the codes that kept them from being counted. */
  readonly participants: readonly { readonly participant: JudgedParticipant; readonly reasons: readonly ParticipantCode[] }[];
  readonly anonymous: readonly { readonly group: JudgedAnonymous; readonly reasons: readonly ParticipantCode[] }[];
  readonly countedParticipants: number;
  readonly validLeaders: number;
}

interface Interval {
  readonly start: number;
  readonly end: number;
}

/** What earlier approved activities of the day hold: only they can block a later one. */
class DayState {
  readonly countedIn = new Map<JudgedPerson, Interval[]>();
  /** Person → sports they were counted in today. */
  readonly countedSports = new Map<JudgedPerson, Set<string>>();
  readonly leadingIn = new Map<JudgedPerson, Interval[]>();
  readonly groupEvents = new Set<string>();
}

function overlaps(intervals: readonly Interval[] | undefined, time: Interval | undefined): boolean {
  if (!intervals || !time) return false;
  return intervals.some((i) => i.start < time.end && time.start < i.end);
}

function add(map: Map<JudgedPerson, Interval[]>, key: JudgedPerson, interval: Interval): void {
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
  return [...activities].sort(compareActivities).map((activity) => judgeOne(activity, state, context));
}

function judgeOne(activity: JudgedActivity, state: DayState, context: JudgeContext): DayJudgement {
  const { date, start, end, sport } = activity;
  const clubFacts = context.club(activity.club);
  const startMinutes = start === undefined ? undefined : parseTime(start);
  const endMinutes = end === undefined ? undefined : parseTime(end);
  const timesValid = startMinutes !== undefined && endMinutes !== undefined && endMinutes > startMinutes;
  const time: Interval | undefined = timesValid ? { start: startMinutes, end: endMinutes } : undefined;
  const reasons: ActivityCode[] = [];

  if (date === undefined || start === undefined || end === undefined || sport === undefined || activity.place === undefined) reasons.push('MISSING_REQUIRED_DATA');
  if (startMinutes !== undefined && endMinutes !== undefined && !timesValid) reasons.push('INVALID_TIME_RANGE');
  const rules = date === undefined ? undefined : ruleSetFor(date);
  if (rules && time && time.end - time.start < rules.minimumMinutes) reasons.push('TOO_SHORT');
  if (rules?.commonStartEndRequired && activity.dropIn) reasons.push('NO_COMMON_START_END');

  const leaderKeys = new Set(activity.leaders.map((l) => l.person));
  const leaders: LeaderVerdict[] = [...activity.leaders].sort((a, b) => compareStrings(a.ref, b.ref)).map((leader) => {
    const codes: LeaderCode[] = [];
    const { person } = leader;
    if (date === undefined) return { ref: leader.ref, valid: false, reasons: codes };
    if (person.birthDate === undefined) codes.push('LEADER_IDENTITY_MISSING');
    else if (ageOn(person.birthDate, date) < LEADER_MIN_AGE) codes.push('LEADER_TOO_YOUNG');
    if (!isMember(person, activity.club, date)) codes.push('LEADER_NOT_MEMBER');
    if (overlaps(state.leadingIn.get(leader.person), time)) codes.push('LEADER_OVERLAPPING_ACTIVITY');
    return { ref: leader.ref, valid: codes.length === 0, reasons: codes };
  });
  const validLeaderKeys = activity.leaders.filter((l) => leaders.find((v) => v.ref === l.ref)?.valid).map((l) => l.person);

  const sportKey = sameSportKey(sport);
  const participants = [...activity.participants].sort((a, b) => compareStrings(a.ref, b.ref)).map((participant) => ({
    participant,
    reasons: date === undefined ? [] : participantCodes(participant, activity, date, time, sportKey, leaderKeys, state, clubFacts.countsEveryoneAsDisabled),
  }));
  const anonymous = [...activity.anonymous]
    .sort((a, b) => a.birthYear - b.birthYear || compareStrings(a.gender, b.gender) || a.count - b.count)
    .map((group) => ({ group, reasons: date === undefined ? [] : anonymousCodes(group, date, clubFacts.countsEveryoneAsDisabled) }));

  const countedPersons = date === undefined ? [] : participants.filter((p) => p.reasons.length === 0);
  const countedAnonymous = date === undefined ? 0 : anonymous.filter((a) => a.reasons.length === 0).reduce((n, a) => n + a.group.count, 0);
  const countedParticipants = countedPersons.length + countedAnonymous;

  if (activity.leaders.length === 0) reasons.push('NO_LEADER');
  else if (validLeaderKeys.length === 0) reasons.push('NO_VALID_LEADER');
  if (countedParticipants < MIN_COUNTED_PARTICIPANTS) reasons.push('TOO_FEW_PARTICIPANTS');
  const groupEvent = activity.group !== undefined && (activity.type === 'camp' || activity.type === 'competition')
    ? `${activity.club}\u0000${activity.group}` : undefined;
  if (groupEvent !== undefined && state.groupEvents.has(groupEvent)) reasons.push('DUPLICATE_GROUP_DAY');
  if (date !== undefined && isPeriodClosed(periodOf(date), context.today, clubFacts.submittedPeriods.has(periodOf(date)))) reasons.push('PERIOD_CLOSED');
  if (activity.type === 'meeting' || activity.type === 'education') reasons.push('NOT_SPORT_ACTIVITY');
  if (activity.remote) reasons.push('REMOTE_ACTIVITY');

  const approved = reasons.length === 0;
  if (approved && time && sport !== undefined) {
    const sportKey = sameSportKey(sport);
    for (const { participant } of countedPersons) {
      add(state.countedIn, participant.person, time);
      const sports = state.countedSports.get(participant.person);
      if (sports) sports.add(sportKey);
      else state.countedSports.set(participant.person, new Set([sportKey]));
    }
    for (const key of validLeaderKeys) add(state.leadingIn, key, time);
    if (groupEvent !== undefined) state.groupEvents.add(groupEvent);
  }
  return { activity, approved, reasons, leaders, participants, anonymous, countedParticipants, validLeaders: validLeaderKeys.length };
}

function ageCodes(age: number, disabled: boolean): ParticipantCode[] {
  const codes: ParticipantCode[] = [];
  if (age < PARTICIPANT_AGE.min) codes.push('PARTICIPANT_TOO_YOUNG');
  if (age > PARTICIPANT_AGE.max && !disabled) codes.push('PARTICIPANT_TOO_OLD');
  return codes;
}

function participantCodes(
  participant: JudgedParticipant, activity: JudgedActivity, date: string, time: Interval | undefined, sportKey: string,
  leaderKeys: ReadonlySet<JudgedPerson>, state: DayState, everyoneDisabled: boolean,
): ParticipantCode[] {
  const { person } = participant;
  const codes: ParticipantCode[] = [];
  if (person.identity === 'none' || person.birthDate === undefined) codes.push('PARTICIPANT_IDENTITY_MISSING');
  else {
    if (person.identity === 'swedish-without-personnummer') codes.push('PARTICIPANT_INCOMPLETE_PERSONNUMMER');
    codes.push(...ageCodes(yearOf(date) - yearOf(person.birthDate), participant.disability || everyoneDisabled));
  }
  if (!activity.tryOut && !isMember(person, activity.club, date)) codes.push('PARTICIPANT_NOT_MEMBER');
  if (leaderKeys.has(participant.person)) codes.push('PARTICIPANT_IS_LEADER');
  if (overlaps(state.countedIn.get(participant.person), time)) codes.push('PARTICIPANT_OVERLAPPING_ACTIVITY');
  if (activity.sport !== undefined && state.countedSports.get(participant.person)?.has(sportKey)) codes.push('PARTICIPANT_ALREADY_COUNTED_TODAY');
  return codes;
}

/** Protected identities: judged on birth year alone, taken as members, outside the overlap and once-a-day rules. */
function anonymousCodes(group: JudgedAnonymous, date: string, everyoneDisabled: boolean): ParticipantCode[] {
  return ageCodes(yearOf(date) - group.birthYear, everyoneDisabled);
}
