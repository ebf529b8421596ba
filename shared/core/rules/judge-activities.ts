import { isoWeek } from '../calendar/dates.js';
import type { WarningCode } from '../errors/codes.js';
import { defaultAmountsByYear, type AmountsByYear } from './amounts.js';
import { judgeDay, type DayJudgement } from './judge-day.js';
import { activityKey, type JudgeContext, type JudgedActivity } from './judge-input.js';
import { payWeek } from './pay-week.js';
import { applicationDeadlineOf, periodOf } from './periods.js';
import type { ActivityVerdict, AnonymousVerdict, ParticipantVerdict } from './verdict.js';

/** The unit of judging: a day decides verdicts and an ISO week decides payments, so a week decides both. */
export function weekOf(activity: JudgedActivity): string {
  return activity.date === undefined ? 'undated' : isoWeek(activity.date);
}

function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function warningsOf(activity: JudgedActivity): WarningCode[] {
  const warnings: WarningCode[] = [];
  if (activity.date === undefined) return warnings;
  if (activity.receivedOn > applicationDeadlineOf(periodOf(activity.date))) warnings.push('REGISTERED_LATE');
  if (activity.date > activity.createdOn) warnings.push('ACTIVITY_IN_FUTURE');
  return warnings;
}

/** Judges the activities of one ISO week (or the undated ones): verdicts day by day, then payments. */
export function judgeWeek(activities: readonly JudgedActivity[], context: JudgeContext, amounts: AmountsByYear = defaultAmountsByYear): ActivityVerdict[] {
  const days: DayJudgement[] = [];
  for (const day of groupBy(activities, (a) => a.date ?? '').values()) days.push(...judgeDay(day, context));
  const payments = payWeek(days.filter((d) => d.approved), context, amounts);
  return days.map((day) => {
    const paid = payments.get(day);
    const paymentCodes = paid?.participantCodes;
    const participants: (ParticipantVerdict | AnonymousVerdict)[] = [];
    for (const { participant, reasons } of day.participants) {
      const codes = [...reasons, ...(paymentCodes?.get(participant.ref) ?? [])];
      if (reasons.length > 0 || codes.length > 0) participants.push({ ref: participant.ref, counted: reasons.length === 0, reasons: codes });
    }
    for (const { group, reasons } of day.anonymous) {
      if (reasons.length > 0) participants.push({ anonymous: { birthYear: group.birthYear, gender: group.gender }, count: group.count, counted: false, reasons });
    }
    const payment = paid?.payment;
    return {
      club: day.activity.club,
      id: day.activity.id,
      verdict: day.approved ? 'approved' : 'rejected',
      reasons: day.reasons,
      countedParticipants: day.countedParticipants,
      leaders: day.leaders,
      participants,
      warnings: warningsOf(day.activity),
      ...(payment ? { payment } : {}),
    };
  });
}

/**
 * Judges a set of activities of every club together. Verdicts never depend on the order of the input: each
 * week is judged on its own, and within it the ordering of compareActivities decides.
 */
export function judgeActivities(activities: readonly JudgedActivity[], context: JudgeContext, amounts: AmountsByYear = defaultAmountsByYear): Map<string, ActivityVerdict> {
  const verdicts = new Map<string, ActivityVerdict>();
  for (const week of groupBy(activities, weekOf).values()) {
    for (const verdict of judgeWeek(week, context, amounts)) verdicts.set(activityKey(verdict), verdict);
  }
  return verdicts;
}

/**
 * Brings earlier verdicts up to date after some activities were added, changed or removed: only the weeks
 * those activities were and are in are judged again. `activities` is the whole set after the change.
 */
export function rejudge(
  previous: ReadonlyMap<string, ActivityVerdict>, activities: readonly JudgedActivity[], touchedWeeks: ReadonlySet<string>,
  context: JudgeContext, amounts: AmountsByYear = defaultAmountsByYear,
): Map<string, ActivityVerdict> {
  const next = new Map(previous);
  const present = new Set(activities.map(activityKey));
  for (const key of next.keys()) if (!present.has(key)) next.delete(key);
  const affected = activities.filter((a) => touchedWeeks.has(weekOf(a)));
  for (const [key, verdict] of judgeActivities(affected, context, amounts)) next.set(key, verdict);
  return next;
}
