import type { PeriodTotals } from '../rules/period-totals.js';

/** A period's applications: the main one, then at most one supplementary one for the late-registered activities. */
export const SUBMISSION_KINDS = ['main', 'supplementary'] as const;
export type SubmissionKind = (typeof SUBMISSION_KINDS)[number];

/** An activity an application took: its source system (vendor) and the vendor's activity id. */
export interface TakenActivity {
  readonly vendor: string;
  readonly id: string;
}

/** A submitted application, as recorded once (docs/lok-rules.md, Decisions, "The application"). */
export interface Submission {
  readonly club: string;
  readonly period: string;
  readonly kind: SubmissionKind;
  /** When it was recorded (ISO 8601, UTC). */
  readonly submittedAt: string;
  /** Who sent it: the club official's user id (never logged). */
  readonly by: string;
  /** The caller's id of the request: a retry with the same id is answered with this submission. */
  readonly requestId: string;
  /** The approved activities it took, sorted by vendor, then id. */
  readonly activities: readonly TakenActivity[];
  /** Its figures at submission: what was applied for. */
  readonly totals: PeriodTotals;
}

export type RecordOutcome =
  | { readonly outcome: 'recorded' }
  | { readonly outcome: 'exists'; readonly existing: Submission }
  | { readonly outcome: 'unknown-club' }
  | { readonly outcome: 'no-main' };

/** Where submissions are kept, beside the club (shared/adapters/dynamodb/application-store-dynamodb.ts). */
export interface ApplicationStore {
  /** The club's submissions of the period, read consistently. */
  submissions(club: string, period: string): Promise<Submission[]>;
  /**
   * Records the submission and closes the period for the club in one atomic write, once per (club, period, kind):
   * when one of its kind is recorded already, that one comes back (`exists`), also to a retry of this one. A
   * supplementary one needs the main one (`no-main`).
   */
  record(submission: Submission): Promise<RecordOutcome>;
}
