import type { RegisterStore } from '../pipeline/ports.js';
import type { LedgerEntry } from '../pipeline/upload.js';

/** A vendor's or a club's latest imports, newest first, with status and counts. */
export async function latestImports(store: RegisterStore, owner: { vendor: string } | { club: string }, limit = 20): Promise<LedgerEntry[]> {
  return store.uploadsOf(owner, limit);
}
