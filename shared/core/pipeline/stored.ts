/**
 * What the register keeps, as the core sees it. Every item is owned by one writer so that bulk writes need no
 * conditions: links, activities, memberships and calendars belong to one (vendor, club) and files of one vendor
 * are applied one at a time; persons and identities are national but their ids are derived from the identity
 * itself, so two vendors that create the same person write the same item.
 */
import type { ActivityFields, ActivityType, Gender, Membership } from '../format/records.js';
import type { ActivityVerdict } from '../rules/verdict.js';
import type { PeriodTotals } from '../rules/period-totals.js';

/** What an upload did to an item, kept on the item so that a retried step re-derives the same outcome. */
export interface LastChange {
  readonly lastUpload: string;
  readonly lastOutcome: 'created' | 'updated' | 'deleted';
}

/** A person as the rules see them; compared between files to decide whether a person's verdicts can change. */
export interface PersonFacts {
  readonly identity: 'personnummer' | 'foreign' | 'swedish-without-personnummer' | 'none';
  readonly birthDate?: string;
}

/** The national register's person: one across clubs and vendors. Personal data, encrypted at rest. */
export interface StoredPerson extends PersonFacts {
  readonly pid: string;
  readonly personnummer?: string;
  readonly nationality?: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly gender?: Gender;
}

/** (vendor, club, vendor person id) → register person. */
export interface StoredPersonLink extends LastChange {
  readonly vendor: string;
  readonly club: string;
  readonly ref: string;
  readonly pid: string;
  /** Keyed hash of the record as sent (no line): an unchanged record is recognised without keeping its data twice. */
  readonly digest: string;
  readonly facts: PersonFacts;
  /** The identity keys this link put in the register (taken out again when the record no longer has them). */
  readonly keys: readonly string[];
  /** The register person was created by this link's upload: nobody else can have activities naming them yet. */
  readonly newPerson: boolean;
  /** Whose verdicts the last change may have changed: the person's everywhere, or in this club. */
  readonly seed?: 'all' | 'club';
  readonly deleted?: true;
}

/** A person's memberships in a club as one vendor sent them (a club's memberships: the union over its vendors). */
export interface StoredMembership {
  readonly pid: string;
  readonly club: string;
  readonly vendor: string;
  readonly ref: string;
  readonly memberships: readonly Membership[];
}

/** The keys the club's identity key looks a person up by: keyed hashes, never the value itself. */
export interface StoredIdentity {
  readonly key: string;
  readonly pid: string;
  /** The upload that created the key: a retry of that upload must still see the person as new. */
  readonly createdBy: string;
}

export interface StoredParticipant {
  readonly ref: string;
  readonly pid: string;
  readonly disability?: true;
}

/** An activity's own data with refs resolved to register persons; canonical (participants sorted by ref). */
export interface ActivityContent extends ActivityFields {
  readonly leaders: readonly StoredParticipant[];
  readonly participants: readonly StoredParticipant[];
  readonly anonymous: readonly { readonly birthYear: number; readonly gender: Gender; readonly count: number }[];
}

/** What an activity looked like before its last change: where it was and whom it named. */
export interface PreviousPlace {
  readonly date?: string;
  readonly keys: readonly string[];
}

/** (vendor, club, vendor activity id) → the activity. A deleted one stays as a tombstone (no content). */
export interface StoredActivity extends LastChange {
  readonly vendor: string;
  readonly club: string;
  readonly id: string;
  readonly content?: ActivityContent;
  /** The date it first reached the importer (REGISTERED_LATE). */
  readonly receivedOn: string;
  /**
   * When the upload that last changed it completed: with `lastUpload`, the key of that upload's ledger entry, where
   * a judge that changes its verdict reads whether its receipt is written yet (verdict-changes.ts). Absent on items
   * written before it was kept (their uploads are long done).
   */
  readonly lastCompletedAt?: string;
  /** The Swedish date of the `created` time of the file that last changed it (ACTIVITY_IN_FUTURE). */
  readonly createdOn: string;
  readonly prev?: PreviousPlace;
  /** The last change touched nothing the rules read (a place or group name): no verdict was re-judged for it. */
  readonly verdictUnchanged?: true;
}

/**
 * A calendar: the activities of one (vendor, club) naming one person (or a group's camps and competitions)
 * in one period, as `date|activity id`. It is how re-judging finds the activities that share a person and a day.
 */
export interface StoredCalendar {
  readonly key: string;
  readonly period: string;
  readonly vendor: string;
  readonly club: string;
  readonly entries: readonly string[];
}

/** An activity's verdict, kept under its club and period. */
export interface StoredVerdict {
  readonly club: string;
  readonly period: string;
  readonly vendor: string;
  readonly id: string;
  readonly date?: string;
  readonly start?: string;
  readonly end?: string;
  readonly sport?: string;
  readonly type: ActivityType;
  readonly verdict: ActivityVerdict;
}

export interface StoredTotals {
  readonly totals: PeriodTotals;
  /** Set by reconciliation once the period's final date has passed: the figures are final. */
  readonly closed: boolean;
}

/** The period of an activity's verdict: the LOK period of its date, or `undated`. */
export const UNDATED = 'undated';
