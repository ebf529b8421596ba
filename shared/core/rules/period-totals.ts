import type { WarningCode } from '../errors/codes.js';
import { roundSek } from './amounts.js';
import { activityKey, type JudgedActivity } from './judge-input.js';
import { compareStrings } from './ordering.js';
import { periodOf } from './periods.js';
import type { ActivityVerdict } from './verdict.js';

export interface TotalsBreakdown {
  readonly approvedActivities: number;
  readonly participations: number;
  readonly forecastSek: number;
}

/** A club's application figures for one period: approved activities enter automatically. */
export interface PeriodTotals extends TotalsBreakdown {
  readonly club: string;
  readonly period: string;
  readonly paidParticipants: number;
  readonly reducedParticipants: number;
  readonly unpaidParticipants: number;
  readonly extraLeaderSupportActivities: number;
  readonly bySport: Readonly<Record<string, TotalsBreakdown>>;
  readonly byVendor: Readonly<Record<string, TotalsBreakdown>>;
  readonly warnings: readonly WarningCode[];
}

/** At most this share of a club's approved activities may be of type `other`. */
export const MAX_OTHER_SHARE = 0.25;

type Breakdown = { approvedActivities: number; participations: number; forecastSek: number };

function addTo(map: Record<string, Breakdown>, key: string, participations: number, sek: number): void {
  const entry = (map[key] ??= { approvedActivities: 0, participations: 0, forecastSek: 0 });
  entry.approvedActivities++;
  entry.participations += participations;
  entry.forecastSek = roundSek(entry.forecastSek + sek);
}

interface Running {
  club: string;
  period: string;
  approvedActivities: number;
  participations: number;
  forecastSek: number;
  paidParticipants: number;
  reducedParticipants: number;
  unpaidParticipants: number;
  extraLeaderSupportActivities: number;
  other: number;
  bySport: Record<string, Breakdown>;
  byVendor: Record<string, Breakdown>;
}

/** Period totals added up one judged activity at a time, so that the activities need not all be kept. */
export class PeriodTotalsAccumulator {
  private readonly running = new Map<string, Running>();

  add(activity: Pick<JudgedActivity, 'club' | 'date' | 'type' | 'sport' | 'vendor'>, verdict: ActivityVerdict): void {
    if (!verdict.payment || activity.date === undefined) return;
    const period = periodOf(activity.date);
    const key = `${activity.club}\u0000${period}`;
    let t = this.running.get(key);
    if (!t) this.running.set(key, (t = nothingYet(activity.club, period)));
    const { payment } = verdict;
    t.approvedActivities++;
    t.participations += verdict.countedParticipants;
    t.forecastSek = roundSek(t.forecastSek + payment.amountSek);
    t.paidParticipants += payment.paidParticipants;
    t.reducedParticipants += payment.reducedParticipants;
    t.unpaidParticipants += payment.unpaidParticipants;
    if (payment.extraLeaderSupport) t.extraLeaderSupportActivities++;
    if (activity.type === 'other') t.other++;
    addTo(t.bySport, activity.sport ?? '', verdict.countedParticipants, payment.amountSek);
    addTo(t.byVendor, activity.vendor, verdict.countedParticipants, payment.amountSek);
  }

  /** Sorted by club, then period. */
  totals(): PeriodTotals[] {
    return [...this.running.values()]
      .sort((a, b) => compareStrings(a.club, b.club) || compareStrings(a.period, b.period))
      .map(totalsOfRunning);
  }
}

function nothingYet(club: string, period: string): Running {
  return {
    club,
    period,
    approvedActivities: 0,
    participations: 0,
    forecastSek: 0,
    paidParticipants: 0,
    reducedParticipants: 0,
    unpaidParticipants: 0,
    extraLeaderSupportActivities: 0,
    other: 0,
    bySport: {},
    byVendor: {},
  };
}

function totalsOfRunning({ other, ...t }: Running): PeriodTotals {
  return { ...t, warnings: other > MAX_OTHER_SHARE * t.approvedActivities ? ['OTHER_SHARE_OVER_25'] : [] };
}

/** A club's totals for a period without an approved activity. */
export function emptyTotals(club: string, period: string): PeriodTotals {
  return totalsOfRunning(nothingYet(club, period));
}

/** Totals per club and period, from the activities and their verdicts; sorted by club, then period. */
export function periodTotals(
  activities: readonly JudgedActivity[],
  verdicts: ReadonlyMap<string, ActivityVerdict>,
): PeriodTotals[] {
  const accumulator = new PeriodTotalsAccumulator();
  for (const activity of activities) {
    const verdict = verdicts.get(activityKey(activity));
    if (verdict) accumulator.add(activity, verdict);
  }
  return accumulator.totals();
}
