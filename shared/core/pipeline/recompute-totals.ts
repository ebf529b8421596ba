import { emptyTotals, PeriodTotalsAccumulator, type PeriodTotals } from '../rules/period-totals.js';
import { inParallel } from './in-parallel.js';
import type { RegisterStore } from './ports.js';
import { UNDATED, type StoredVerdict } from './stored.js';

/** The application figures of a set of verdicts (the one sum, `PeriodTotalsAccumulator`): approved activities count. */
export function totalsOf(club: string, period: string, verdicts: readonly StoredVerdict[]): PeriodTotals {
  const accumulator = new PeriodTotalsAccumulator();
  for (const v of verdicts) {
    accumulator.add(
      {
        club: v.club,
        type: v.type,
        vendor: v.vendor,
        ...(v.date !== undefined ? { date: v.date } : {}),
        ...(v.sport !== undefined ? { sport: v.sport } : {}),
      },
      v.verdict,
    );
  }
  return accumulator.totals()[0] ?? emptyTotals(club, period);
}

/** A club's period totals from its stored verdicts. */
async function totalsFromVerdicts(store: RegisterStore, club: string, period: string): Promise<PeriodTotals> {
  return totalsOf(club, period, await store.verdictsOf(club, period));
}

const ATTEMPTS = 8;

/** Totals recomputed at once. */
const PERIODS_IN_PARALLEL = 4;

/** Recomputes the totals of every club period a re-judge touched (the undated one has none). */
export async function recomputeClubPeriods(
  store: RegisterStore,
  clubPeriods: readonly { club: string; period: string }[],
): Promise<void> {
  await inParallel(
    clubPeriods.filter((cp) => cp.period !== UNDATED),
    PERIODS_IN_PARALLEL,
    ({ club, period }) => recomputeTotals(store, club, period),
  );
}

/**
 * Recomputes and stores a club's period totals. Optimistic: the write holds only if nobody stored totals in
 * between, so two files re-judging the same club at once cannot leave the older sum behind.
 * Returns the totals before and after.
 */
export async function recomputeTotals(
  store: RegisterStore,
  club: string,
  period: string,
): Promise<{ before?: PeriodTotals; after: PeriodTotals }> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { value, revision } = await store.totals(club, period);
    const after = await totalsFromVerdicts(store, club, period);
    if (value && JSON.stringify(value.totals) === JSON.stringify(after)) return { before: value.totals, after };
    if (await store.putTotals(club, period, { totals: after, closed: value?.closed ?? false }, revision)) {
      return { ...(value ? { before: value.totals } : {}), after };
    }
  }
  throw new Error(`totals of ${club} ${period} kept changing under ${ATTEMPTS} attempts`);
}
