import type { RegisterStore } from '../pipeline/ports.js';
import type { StoredVerdict } from '../pipeline/stored.js';
import { compareStrings } from '../rules/ordering.js';

export interface ActivityFilter {
  readonly club: string;
  /** LOK period, `2026-2`. */
  readonly period: string;
  readonly verdict?: 'approved' | 'rejected';
  /** Source system (vendor). */
  readonly vendor?: string;
  /** Only activities with this code (activity, leader or participant level). */
  readonly code?: string;
}

function codesOf(v: StoredVerdict): Set<string> {
  const codes = new Set<string>(v.verdict.reasons);
  for (const l of v.verdict.leaders) for (const c of l.reasons) codes.add(c);
  for (const p of v.verdict.participants) for (const c of p.reasons) codes.add(c);
  for (const w of v.verdict.warnings) codes.add(w);
  return codes;
}

/** A club's activities of a period with their verdicts, as IdrottOnline's attendance search offers them; by date and time. */
export async function clubActivities(store: RegisterStore, filter: ActivityFilter): Promise<StoredVerdict[]> {
  return (await store.verdictsOf(filter.club, filter.period))
    .filter(
      (v) =>
        (filter.verdict === undefined || v.verdict.verdict === filter.verdict) &&
        (filter.vendor === undefined || v.vendor === filter.vendor) &&
        (filter.code === undefined || codesOf(v).has(filter.code)),
    )
    .sort(
      (a, b) =>
        compareStrings(a.date ?? '', b.date ?? '') ||
        compareStrings(a.start ?? '', b.start ?? '') ||
        compareStrings(a.id, b.id) ||
        compareStrings(a.vendor, b.vendor),
    );
}
