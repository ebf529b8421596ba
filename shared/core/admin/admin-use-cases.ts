import { messageFor, type AdminCode } from '../errors/codes.js';
import { parseDate } from '../calendar/dates.js';
import { IDENTITY_KEYS, LICENCES, type Club, type RegisterAdminStore, type Vendor } from './register-admin.js';

export interface AdminError {
  readonly code: AdminCode;
  readonly message: string;
}

export type AdminResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AdminError };

function fail<T>(code: AdminCode, detail?: string): AdminResult<T> {
  return { ok: false, error: { code, message: messageFor(code, detail) } };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Adds a vendor RF has signed an agreement with. */
export async function addVendor(store: RegisterAdminStore, vendor: Vendor): Promise<AdminResult<Vendor>> {
  if (!ID.test(vendor.id)) return fail('INVALID_ADMIN_INPUT', 'vendor id');
  if (!vendor.name.trim() || !vendor.purpose.trim()) return fail('INVALID_ADMIN_INPUT', 'name, purpose');
  if (!LICENCES.includes(vendor.licence)) return fail('INVALID_ADMIN_INPUT', `licence: ${LICENCES.join(' | ')}`);
  return (await store.addVendor(vendor)) === 'added' ? { ok: true, value: vendor } : fail('VENDOR_EXISTS', vendor.id);
}

/** Adds a club (förening) of the register. */
export async function addClub(store: RegisterAdminStore, club: Club): Promise<AdminResult<Club>> {
  if (!ID.test(club.id)) return fail('INVALID_ADMIN_INPUT', 'club id');
  if (!club.name.trim() || club.sports.length === 0 || !club.federation.trim())
    return fail('INVALID_ADMIN_INPUT', 'name, sports, federation');
  if (!IDENTITY_KEYS.includes(club.identityKey))
    return fail('INVALID_ADMIN_INPUT', `identity key: ${IDENTITY_KEYS.join(' | ')}`);
  return (await store.addClub(club)) === 'added' ? { ok: true, value: club } : fail('CLUB_EXISTS', club.id);
}

/** A club activates a vendor from a date; refused past a 100-club licence (LICENCE_CLUB_LIMIT). */
export async function activateVendor(
  store: RegisterAdminStore,
  club: string,
  vendor: string,
  from: string,
): Promise<AdminResult<'activated' | 'already-active'>> {
  if (parseDate(from) === undefined) return fail('INVALID_ADMIN_INPUT', 'from: YYYY-MM-DD');
  const outcome = await store.activate(club, vendor, from);
  switch (outcome) {
    case 'activated':
    case 'already-active':
      return { ok: true, value: outcome };
    case 'unknown-club':
      return fail('UNKNOWN_CLUB', club);
    case 'unknown-vendor':
      return fail('UNKNOWN_VENDOR', vendor);
    case 'licence-limit':
      return fail('LICENCE_CLUB_LIMIT', vendor);
  }
}

/** A club deactivates a vendor; from the day after `to`, the vendor's data for the club is refused. */
export async function deactivateVendor(
  store: RegisterAdminStore,
  club: string,
  vendor: string,
  to: string,
): Promise<AdminResult<'deactivated' | 'not-active'>> {
  if (parseDate(to) === undefined) return fail('INVALID_ADMIN_INPUT', 'to: YYYY-MM-DD');
  return { ok: true, value: await store.deactivate(club, vendor, to) };
}
