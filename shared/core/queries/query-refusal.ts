import type { Vendor } from '../admin/register-admin.js';
import { messageFor, type AdminCode } from '../errors/codes.js';
import type { RegisterStore } from '../pipeline/ports.js';
import type { LedgerEntry } from '../pipeline/upload.js';

/**
 * Why a query has no answer: a vendor or a club the register does not know (a typo answered "nothing found"
 * would read as a fact), or, for persons-not-in-load, no full load of the club from the vendor yet.
 */
export interface QueryRefusal {
  readonly code: Extract<AdminCode, 'UNKNOWN_VENDOR' | 'UNKNOWN_CLUB' | 'NO_FULL_LOAD'>;
  readonly message: string;
}

export interface QueryPorts {
  readonly store: RegisterStore;
  readonly vendors: { vendor(id: string): Promise<Vendor | undefined> };
}

/** What a query names: the vendor and the club it is about, and whether it needs the vendor's full load of the club. */
export interface QuerySubject {
  readonly vendor?: string;
  readonly club?: string;
  readonly fullLoad?: boolean;
}

/** How far back a club's ledger is searched for a full load (the club's newest uploads). */
export const FULL_LOAD_LOOKBACK = 1000;

/** The first reason the register cannot answer a query about `subject`, or undefined when it can. */
export async function queryRefusal(ports: QueryPorts, subject: QuerySubject): Promise<QueryRefusal | undefined> {
  const { vendor, club } = subject;
  if (vendor !== undefined && !(await ports.vendors.vendor(vendor))) return refusal('UNKNOWN_VENDOR', vendor);
  if (club !== undefined && !(await ports.store.clubs([club])).has(club)) return refusal('UNKNOWN_CLUB', club);
  if (subject.fullLoad && vendor !== undefined && club !== undefined) {
    const uploads = await ports.store.uploadsOf({ club }, FULL_LOAD_LOOKBACK);
    if (!uploads.some((entry) => isFullLoadOf(entry, vendor))) return refusal('NO_FULL_LOAD', `${vendor}, ${club}`);
  }
  return undefined;
}

/** A full load of the vendor that was applied (wholly or in part): a rejected or duplicate file loaded nothing. */
function isFullLoadOf(entry: LedgerEntry, vendor: string): boolean {
  return (
    entry.vendor === vendor &&
    entry.mode === 'full' &&
    (entry.status === 'applied' || entry.status === 'partially_applied')
  );
}

function refusal(code: QueryRefusal['code'], detail: string): QueryRefusal {
  return { code, message: messageFor(code, detail) };
}
