import { isoWeek } from '../calendar/dates.js';
import type { WarningCode } from '../errors/codes.js';
import { defaultAmountsByYear, type AmountsByYear } from './amounts.js';
import { orNone } from './empty-list.js';
import { compareAnonymous, compareStrings } from './ordering.js';
import { judgeDay, type DayJudgement } from './judge-day.js';
import { activityKey, type JudgeContext, type JudgedActivity } from './judge-input.js';
import { payWeek } from './pay-week.js';
import { isRegisteredLate, periodOf } from './periods.js';
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

function byParticipant(a: ParticipantVerdict | AnonymousVerdict, b: ParticipantVerdict | AnonymousVerdict): number {
  if ('ref' in a) return 'ref' in b ? compareStrings(a.ref, b.ref) : -1;
  if ('ref' in b) return 1;
  return compareAnonymous({ ...a.anonymous, count: a.count }, { ...b.anonymous, count: b.count });
}

function warningsOf(activity: JudgedActivity): readonly WarningCode[] {
  const warnings: WarningCode[] = [];
  if (activity.date === undefined) return orNone(warnings);
  if (isRegisteredLate(periodOf(activity.date), activity.receivedOn)) warnings.push('REGISTERED_LATE');
  if (activity.date > activity.createdOn) warnings.push('ACTIVITY_IN_FUTURE');
  return orNone(warnings);
}

export interface Judged {
  readonly activity: JudgedActivity;
  readonly verdict: ActivityVerdict;
}

/** Judges the activities of one ISO week (or the undated ones): verdicts day by day, then payments. */
export function judgeWeek(
  activities: readonly JudgedActivity[],
  context: JudgeContext,
  amounts: AmountsByYear = defaultAmountsByYear,
): Judged[] {
  const days: DayJudgement[] = [];
  for (const day of groupBy(activities, (a) => a.date ?? '').values()) days.push(...judgeDay(day, context));
  const payments = payWeek(
    days.filter((d) => d.approved),
    context,
    amounts,
  );
  return days.map((day) => {
    const paid = payments.get(day);
    const paymentCodes = paid?.participantCodes;
    const participants: (ParticipantVerdict | AnonymousVerdict)[] = [];
    // Without a date nobody can be judged, so nobody is counted: every participant is listed, without codes
    // of their own (the activity's MISSING_REQUIRED_DATA says why).
    const dated = day.activity.date !== undefined;
    day.participants.forEach(({ ref }, i) => {
      const reasons = day.participantReasons[i]!;
      const payment = paymentCodes?.get(ref);
      const counted = dated && reasons.length === 0;
      if (!counted || payment)
        participants.push({ ref, counted, reasons: payment ? [...reasons, ...payment] : reasons });
    });
    day.anonymous.forEach((group, i) => {
      const reasons = day.anonymousReasons[i]!;
      if (!dated || reasons.length > 0)
        participants.push({
          anonymous: { birthYear: group.birthYear, gender: group.gender },
          count: group.count,
          counted: false,
          reasons,
        });
    });
    const payment = paid?.payment;
    const verdict: ActivityVerdict = {
      club: day.activity.club,
      id: day.activity.id,
      verdict: day.approved ? 'approved' : 'rejected',
      reasons: day.reasons,
      countedParticipants: day.countedParticipants,
      leaders: day.leaders,
      // Listed in the order of the vendor's person ids, whatever order the file gave them in.
      participants: orNone(participants.sort(byParticipant)),
      warnings: warningsOf(day.activity),
      ...(payment ? { payment } : {}),
    };
    return { activity: day.activity, verdict };
  });
}

/**
 * Judges a set of activities of every club together. Verdicts never depend on the order of the input: each
 * week is judged on its own, and within it the ordering of compareActivities decides.
 */
export function judgeActivities(
  activities: readonly JudgedActivity[],
  context: JudgeContext,
  amounts: AmountsByYear = defaultAmountsByYear,
): Map<string, ActivityVerdict> {
  const verdicts = new Map<string, ActivityVerdict>();
  for (const week of judgeWeeks(activities, context, amounts)) {
    for (const { verdict } of week) verdicts.set(activityKey(verdict), verdict);
  }
  return verdicts;
}

/**
 * The same judging, handed out week by week: once a week is handed out, its activities are no longer held
 * here, so a caller that keeps only what it needs of each week (check keeps verdicts and running totals) never
 * holds every activity and every verdict at once. `activities` may be a one-shot iterable.
 */
export function* judgeWeeks(
  activities: Iterable<JudgedActivity>,
  context: JudgeContext,
  amounts: AmountsByYear = defaultAmountsByYear,
): Generator<readonly Judged[]> {
  const weeks = groupBy(activities, weekOf);
  for (const [key, week] of weeks) {
    weeks.delete(key);
    yield judgeWeek(week, context, amounts);
  }
}

/**
 * Brings earlier verdicts up to date after some activities were added, changed or removed: only the weeks
 * those activities were and are in are judged again. `activities` is the whole set after the change.
 */
export function rejudge(
  previous: ReadonlyMap<string, ActivityVerdict>,
  activities: readonly JudgedActivity[],
  touchedWeeks: ReadonlySet<string>,
  context: JudgeContext,
  amounts: AmountsByYear = defaultAmountsByYear,
): Map<string, ActivityVerdict> {
  const next = new Map(previous);
  const present = new Set(activities.map(activityKey));
  for (const key of next.keys()) if (!present.has(key)) next.delete(key);
  const affected = activities.filter((a) => touchedWeeks.has(weekOf(a)));
  for (const [key, verdict] of judgeActivities(affected, context, amounts)) next.set(key, verdict);
  return next;
}
