import type { RegisterStore } from '../pipeline/ports.js';
import type { StoredTotals } from '../pipeline/stored.js';

/**
 * A club's application figures per period: approved activities, deltagartillfällen, paid per rate, activities
 * with extra ledarstöd, forecast SEK, per sport and per source system; `closed` once final.
 */
export async function clubTotals(store: RegisterStore, club: string, period?: string): Promise<StoredTotals[]> {
  return (await store.totalsOf(club))
    .filter((t) => period === undefined || t.totals.period === period)
    .sort((a, b) => (a.totals.period < b.totals.period ? -1 : 1));
}
