import type { JudgedActivity } from './judge-input.js';

/** Code-unit string order: the same on every machine and in every locale (never localeCompare). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The one ordering of all activities (every club): date and start, then end, then club id, then activity id (then vendor),
 * by code-unit string order. Judging follows it, so the first activity always wins whatever arrived first.
 */
export function compareActivities(a: JudgedActivity, b: JudgedActivity): number {
  return (
    compareStrings(a.date ?? '', b.date ?? '') ||
    compareStrings(a.start ?? '', b.start ?? '') ||
    compareStrings(a.end ?? '', b.end ?? '') ||
    compareStrings(a.club, b.club) ||
    compareStrings(a.id, b.id) ||
    // Two vendors of one club may use the same activity id; the register keeps both, so the vendor breaks the tie.
    compareStrings(a.vendor, b.vendor)
  );
}

interface AnonymousGroup {
  readonly birthYear: number;
  readonly gender: string;
  readonly count: number;
}

/** Groups of anonymous participants in one order: birth year, gender, count. */
export function compareAnonymous(a: AnonymousGroup, b: AnonymousGroup): number {
  return a.birthYear - b.birthYear || compareStrings(a.gender, b.gender) || a.count - b.count;
}
