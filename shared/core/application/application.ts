import type { RegisterStore } from '../pipeline/ports.js';
import type { StoredVerdict } from '../pipeline/stored.js';
import { totalsOf } from '../pipeline/recompute-totals.js';
import { compareStrings } from '../rules/ordering.js';
import type { PeriodTotals } from '../rules/period-totals.js';
import { applicationDeadlineOf, finalDateOf } from '../rules/periods.js';
import type { ApplicationStore, Submission, SubmissionKind, TakenActivity } from './ports.js';

/** A LOK period id: `2026-1` (spring) or `2026-2` (autumn). */
export const PERIOD_PATTERN = /^\d{4}-[12]$/;

/** The late-registered activities belong to the supplementary application, the others to the main one. */
export function kindOf(verdict: StoredVerdict): SubmissionKind {
  return verdict.verdict.warnings.includes('REGISTERED_LATE') ? 'supplementary' : 'main';
}

/** The approved activities of the period that one kind of application holds, by date and time. */
export function approvedOfKind(verdicts: readonly StoredVerdict[], kind: SubmissionKind): StoredVerdict[] {
  return verdicts.filter((v) => v.verdict.verdict === 'approved' && kindOf(v) === kind).sort(byTime);
}

/** By date and start, then id and vendor (as the club's activity list). */
export function byTime(a: StoredVerdict, b: StoredVerdict): number {
  return (
    compareStrings(a.date ?? '', b.date ?? '') ||
    compareStrings(a.start ?? '', b.start ?? '') ||
    compareStrings(a.id, b.id) ||
    compareStrings(a.vendor, b.vendor)
  );
}

export function takenOf(verdicts: readonly StoredVerdict[]): TakenActivity[] {
  return verdicts
    .map((v) => ({ vendor: v.vendor, id: v.id }))
    .sort((a, b) => compareStrings(a.vendor, b.vendor) || compareStrings(a.id, b.id));
}

/** When and by whom a part was sent (no activity list: `Submission` has it). */
export interface SubmittedNote {
  readonly submittedAt: string;
  readonly by: string;
  readonly activities: number;
}

export interface ApplicationPart {
  readonly kind: SubmissionKind;
  /** What the part holds: as submitted once it is, else the approved activities of today. */
  readonly totals: PeriodTotals;
  readonly submitted?: SubmittedNote;
  /** Whether it can be submitted today (and why not: a code of APPLICATION_CODES). */
  readonly canSubmit: boolean;
}

/** What a club's application for a period holds (issue 16): the main part and, apart, the supplementary one. */
export interface Application {
  readonly club: string;
  readonly period: string;
  /** The application deadline (25 Aug, 25 Feb) and the period's final date (15 Dec, 15 Jun). */
  readonly deadline: string;
  readonly finalDate: string;
  /** Activities of the period today, approved or not. */
  readonly activities: { readonly approved: number; readonly rejected: number };
  readonly main: ApplicationPart;
  readonly supplementary: ApplicationPart;
}

export interface ApplicationPorts {
  readonly store: RegisterStore;
  readonly applications: ApplicationStore;
}

function noteOf(s: Submission): SubmittedNote {
  return { submittedAt: s.submittedAt, by: s.by, activities: s.activities.length };
}

/** A club's application for a period: figures per part, per sport and per source system, and what can be sent. */
export async function applicationOf(
  ports: ApplicationPorts,
  club: string,
  period: string,
  today: string,
): Promise<Application> {
  const [verdicts, submissions] = await Promise.all([
    ports.store.verdictsOf(club, period),
    ports.applications.submissions(club, period),
  ]);
  const sent = new Map(submissions.map((s) => [s.kind, s]));
  const open = today <= finalDateOf(period);
  const part = (kind: SubmissionKind, canSubmit: boolean): ApplicationPart => {
    const submission = sent.get(kind);
    return submission
      ? { kind, totals: submission.totals, submitted: noteOf(submission), canSubmit: false }
      : { kind, totals: totalsOf(club, period, approvedOfKind(verdicts, kind)), canSubmit };
  };
  const approved = verdicts.filter((v) => v.verdict.verdict === 'approved').length;
  return {
    club,
    period,
    deadline: applicationDeadlineOf(period),
    finalDate: finalDateOf(period),
    activities: { approved, rejected: verdicts.length - approved },
    main: part('main', open),
    supplementary: part('supplementary', open && sent.has('main')),
  };
}
