/**
 * RF operations' part of the register: vendors (with the licence RF sells them), clubs, and which clubs have
 * activated which vendor. The pipeline refuses data for clubs that have not activated the file's vendor.
 */

/** RF sells the Importer for up to 100 clubs or for any number. */
export const LICENCES = ['up-to-100-clubs', 'unlimited'] as const;
export type Licence = (typeof LICENCES)[number];
export const LICENCE_CLUB_LIMIT = 100;

/** How a club's persons are matched on first sight (importer-format.md, Identity). */
export const IDENTITY_KEYS = ['personnummer', 'email', 'member-number'] as const;
export type IdentityKey = (typeof IDENTITY_KEYS)[number];

export interface Vendor {
  readonly id: string;
  readonly name: string;
  /** The purpose of processing personal data, as the vendor's agreement with RF states it. */
  readonly purpose: string;
  readonly licence: Licence;
}

export interface Club {
  readonly id: string;
  readonly name: string;
  readonly sports: readonly string[];
  readonly federation: string;
  readonly identityKey: IdentityKey;
  /** Parasport and deaf-sport clubs count every participant as marked with a disability. */
  readonly countsEveryoneAsDisabled: boolean;
}

export type ActivateOutcome = 'activated' | 'already-active' | 'unknown-club' | 'unknown-vendor' | 'licence-limit';
export type DeactivateOutcome = 'deactivated' | 'not-active';

/** The port to where vendors, clubs and activations are kept. Each method is atomic on its own. */
export interface RegisterAdminStore {
  addVendor(vendor: Vendor): Promise<'added' | 'exists'>;
  addClub(club: Club): Promise<'added' | 'exists'>;
  /** Activates; under an `up-to-100-clubs` licence, refuses a 101st active club, also when two race. */
  activate(club: string, vendor: string, from: string): Promise<ActivateOutcome>;
  deactivate(club: string, vendor: string, to: string): Promise<DeactivateOutcome>;
  /** The clubs that have the vendor active, sorted. */
  activeClubs(vendor: string): Promise<string[]>;
  /** The vendor, or undefined when there is none by that id. */
  vendor(id: string): Promise<Vendor | undefined>;
}
