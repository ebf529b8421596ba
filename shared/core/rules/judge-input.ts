import type { ActivityRecord, Gender, Membership } from '../format/records.js';
import type { ActivityVerdict } from './verdict.js';

/**
 * What the rules need to know, with references already resolved to national person keys. Persons are one
 * register across clubs; memberships are per club.
 */
export interface JudgedPerson {
  readonly key: string;
  /**
   * `personnummer`: counted on the birth date; `foreign`: a foreign national known by birth date, counted;
   * `swedish-without-personnummer`: a Swedish national known only by birth date, never counted;
   * `none`: no birth date known.
   */
  readonly identity: 'personnummer' | 'foreign' | 'swedish-without-personnummer' | 'none';
  readonly birthDate?: string;
  /** Club id → that club's memberships of the person. */
  readonly memberships: ReadonlyMap<string, readonly Membership[]>;
}

export interface JudgedPersonRef {
  /** The vendor's person id, as sent: the receipt speaks of it. */
  readonly ref: string;
  /** The register person the ref resolved to: one object per person, compared by identity. */
  readonly person: JudgedPerson;
}

export interface JudgedParticipant extends JudgedPersonRef {
  readonly disability: boolean;
}

export interface JudgedAnonymous {
  readonly birthYear: number;
  readonly gender: Gender;
  readonly count: number;
}

/** An activity as the rules see it: the record's own fields, the group by id, and refs resolved to persons. */
export interface JudgedActivity extends Pick<
  ActivityRecord,
  'club' | 'id' | 'date' | 'start' | 'end' | 'sport' | 'place' | 'type' | 'dropIn' | 'remote' | 'tryOut'
> {
  readonly group?: string;
  /** Distinct by person; unknown refs are already left out (and reported as errors). */
  readonly leaders: readonly JudgedPersonRef[];
  readonly participants: readonly JudgedParticipant[];
  readonly anonymous: readonly JudgedAnonymous[];
  /** Date the activity first reached the importer (REGISTERED_LATE). */
  readonly receivedOn: string;
  /** Local date of the creation time of the file that brought it (ACTIVITY_IN_FUTURE). */
  readonly createdOn: string;
  /** Vendor that sent it: totals are broken down per source system. */
  readonly vendor: string;
  /**
   * Its stored verdict when its period is closed for its club (the verdict is frozen): it is not judged again, and
   * later activities of its day are judged against it as it stands (judge-day.ts).
   */
  readonly frozen?: ActivityVerdict;
}

export interface ClubFacts {
  /** Parasport and deaf-sport clubs count every participant as marked with a disability. */
  readonly countsEveryoneAsDisabled: boolean;
  /** Periods (`2026-1`) whose application the club has submitted. */
  readonly submittedPeriods: ReadonlySet<string>;
  /** Periods whose supplementary application (the late-registered activities) the club has submitted too. */
  readonly supplementedPeriods?: ReadonlySet<string>;
}

export interface JudgeContext {
  /** Evaluation date, `YYYY-MM-DD` in Europe/Stockholm. */
  readonly today: string;
  readonly club: (id: string) => ClubFacts;
}

/** The key of an activity (and of its verdict): its club and the vendor's activity id. */
export { recordKey as activityKey } from '../format/records.js';
