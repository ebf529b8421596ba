/**
 * What the data-protection use-cases read beyond the pipeline's RegisterStore: the register's items by person
 * (erasure) and the walk of the whole register (the nightly purge). Adapter:
 * shared/adapters/dynamodb/privacy-store-dynamodb.ts.
 */
import type { StoredMembership, StoredPersonLink } from '../pipeline/stored.js';
import type { LedgerEntry } from '../pipeline/upload.js';

export interface PrivacyStore {
  /** The person's memberships, in every club and of every vendor. */
  membershipsOf(pid: string): Promise<StoredMembership[]>;
  /**
   * Every vendor's link to the person, tombstones included. No index leads there from a person (links are keyed
   * by vendor, club and the vendor's id): a scan of the table, which an erasure (rare, by hand) can afford.
   */
  linksTo(pid: string): Promise<StoredPersonLink[]>;
  /** Every person of the register by id, with every vendor's link to them (the nightly purge: one scan). */
  personsWithLinks(): Promise<Map<string, StoredPersonLink[]>>;
  /** Every upload of the ledger (every vendor) completed before `time` (ISO), oldest first. */
  uploadsCompletedBefore(time: string): Promise<LedgerEntry[]>;
}
