/**
 * The register's id syntax for vendors and clubs: an id is one SSH user name, one folder name and one key segment
 * (`inbox/<vendor>/…`), so it starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`.
 */
export const REGISTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether `id` is a register id (a vendor's or a club's). */
export function isRegisterId(id: string): boolean {
  return REGISTER_ID.test(id);
}

/** A vendor id that can be an SSH user name and a folder name. */
export const isVendorId = isRegisterId;
