import { yearOf } from '../calendar/dates.js';
import type { ClubFacts } from './judge-input.js';

/** LOK periods: spring `YYYY-1` (1 Jan–30 Jun), autumn `YYYY-2` (1 Jul–31 Dec). */
export function periodOf(date: string): string {
  return `${yearOf(date)}-${date.slice(5, 7) <= '06' ? 1 : 2}`;
}

function split(period: string): { year: number; half: 1 | 2 } {
  return { year: Number(period.slice(0, 4)), half: period.endsWith('-1') ? 1 : 2 };
}

/** The last day activities of the period can be applied for: spring 15 Dec, autumn 15 Jun the year after. */
export function finalDateOf(period: string): string {
  const { year, half } = split(period);
  return half === 1 ? `${year}-12-15` : `${year + 1}-06-15`;
}

/** The application deadline: spring 25 Aug, autumn 25 Feb the year after. */
export function applicationDeadlineOf(period: string): string {
  const { year, half } = split(period);
  return half === 1 ? `${year}-08-25` : `${year + 1}-02-25`;
}

/** Closed when its final date has passed (the final date itself is open) or the club has submitted it. */
export function isPeriodClosed(period: string, today: string, submitted: boolean): boolean {
  return submitted || today > finalDateOf(period);
}

/** The activity reached the importer after its period's application deadline (REGISTERED_LATE). */
export function isRegisteredLate(period: string, receivedOn: string): boolean {
  return receivedOn > applicationDeadlineOf(period);
}

/** Which of a period's applications a club has submitted: the main one, and the supplementary one after it. */
export interface PeriodSubmissions {
  readonly main: boolean;
  readonly supplementary: boolean;
}

export function submissionsOf(facts: ClubFacts, period: string): PeriodSubmissions {
  return { main: facts.submittedPeriods.has(period), supplementary: facts.supplementedPeriods?.has(period) ?? false };
}

/**
 * Whether an activity of the period, first received on `receivedOn`, is closed for its club (docs/lok-rules.md,
 * Decisions, "The application"): after the period's final date, always; once the main application is submitted,
 * except for activities registered late, which stay open for the supplementary application until it is submitted.
 */
export function isClosedForActivity(
  period: string,
  today: string,
  receivedOn: string,
  submitted: PeriodSubmissions,
): boolean {
  if (today > finalDateOf(period)) return true;
  if (!submitted.main) return false;
  return submitted.supplementary || !isRegisteredLate(period, receivedOn);
}
