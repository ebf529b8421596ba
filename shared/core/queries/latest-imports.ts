import type { RegisterStore } from '../pipeline/ports.js';
import type { LedgerEntry } from '../pipeline/upload.js';

/** How many imports `imports` lists unless told. */
export const DEFAULT_IMPORTS_LIMIT = 20;

/**
 * A vendor's or a club's latest imports, newest first, with status and counts: `limit` of them at most, read from
 * the newest on (never the whole ledger), however many that is.
 */
export async function latestImports(
  store: RegisterStore,
  owner: { vendor: string } | { club: string },
  limit = DEFAULT_IMPORTS_LIMIT,
): Promise<LedgerEntry[]> {
  return store.uploadsOf(owner, limit);
}

/** `--limit N` of `imports`: a whole number from 1 (no upper bound: it reads only as many), or undefined when it is not one. */
export function importsLimit(text: string | undefined): number | undefined {
  if (text === undefined) return DEFAULT_IMPORTS_LIMIT;
  const limit = Number(text);
  return /^\d+$/.test(text) && limit >= 1 && Number.isSafeInteger(limit) ? limit : undefined;
}
