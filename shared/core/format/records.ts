/** The records of Importer XML v1 once read and validated: what the rest of the core works with. */

export const IMPORT_NAMESPACE = 'urn:lok-importer:import:1';

export type ImportMode = 'delta' | 'full';
export const GENDERS = ['F', 'M', 'X'] as const;
export type Gender = (typeof GENDERS)[number];
export const ACTIVITY_TYPES = ['training', 'competition', 'camp', 'other', 'meeting', 'education'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export interface ImportHeader {
  readonly vendor: string;
  /** ISO 8601 with offset, as sent. */
  readonly created: string;
  readonly mode: ImportMode;
}

export interface Membership {
  /** YYYY-MM-DD, inclusive. */
  readonly from: string;
  /** YYYY-MM-DD, inclusive; open-ended when absent. */
  readonly to?: string;
}

/** How the person is identified, which decides whether and how they can be counted. */
export type PersonIdentity =
  | {
      readonly kind: 'personnummer';
      readonly personnummer: string;
      readonly birthDate: string;
      readonly coordination: boolean;
    }
  | { readonly kind: 'birthdate'; readonly birthDate: string; readonly nationality: string }
  | { readonly kind: 'none' };

export interface PersonRecord {
  readonly club: string;
  /** The vendor's own stable id. */
  readonly id: string;
  readonly line: number;
  readonly identity: PersonIdentity;
  readonly firstName: string;
  readonly lastName: string;
  readonly gender?: Gender;
  readonly email?: string;
  readonly memberNumber?: string;
  readonly memberships: readonly Membership[];
}

export interface PersonRef {
  readonly ref: string;
  readonly line: number;
}

/**
 * The participants of an activity, in file order, as parallel lists rather than an object each: a file of
 * 100 000 activities names a million participants, and an object per mention was a third of what `check`
 * holds while it reads (refs are shared strings, lines small integers).
 */
export interface ParticipantList {
  readonly refs: readonly string[];
  /** The line of each ref, for the errors that name it. */
  readonly lines: readonly number[];
  /** Indexes into `refs` of the participants marked with a disability (funktionsnedsättning) on this activity. */
  readonly disabled: readonly number[];
}

export interface AnonymousParticipants {
  readonly birthYear: number;
  readonly gender: Gender;
  readonly count: number;
  readonly line: number;
}

/** An activity's own fields, as the file gives them and the register keeps them (`ActivityContent`). */
export interface ActivityFields {
  /** Absent fields are judged (MISSING_REQUIRED_DATA), not refused: the activity is stored and rejected. */
  readonly date?: string;
  readonly start?: string;
  readonly end?: string;
  readonly sport?: string;
  readonly place?: string;
  readonly type: ActivityType;
  readonly group?: { readonly id: string; readonly name: string };
  readonly dropIn: boolean;
  readonly remote: boolean;
  readonly tryOut: boolean;
}

export interface ActivityRecord extends ActivityFields {
  readonly club: string;
  readonly id: string;
  readonly line: number;
  readonly leaders: readonly PersonRef[];
  readonly participants: ParticipantList;
  readonly anonymous: readonly AnonymousParticipants[];
}

/** A record's key within a file or the register: its club and the vendor's id for it. */
export function recordKey(record: { readonly club: string; readonly id: string }): string {
  return `${record.club}\u0000${record.id}`;
}

export interface DeleteRecord {
  readonly club: string;
  readonly id: string;
  readonly line: number;
}
