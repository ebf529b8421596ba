import { messageFor, type AdminCode } from '../errors/codes.js';
import type { AdminResult } from '../admin/admin-use-cases.js';
import { finalDateOf } from '../rules/periods.js';
import { totalsOf } from '../pipeline/recompute-totals.js';
import { approvedOfKind, PERIOD_PATTERN, takenOf, type ApplicationPorts } from './application.js';
import { SUBMISSION_KINDS, type Submission, type SubmissionKind } from './ports.js';

export interface SubmitRequest {
  readonly club: string;
  readonly period: string;
  readonly kind: SubmissionKind;
  /** The club official who sends it (a user id). */
  readonly by: string;
  /** The caller's id for this request, the same on every retry of it. */
  readonly requestId: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,100}$/;
const MAX_BY = 200;

function fail<T>(code: AdminCode, detail?: string): AdminResult<T> {
  return { ok: false, error: { code, message: messageFor(code, detail) } };
}

function invalid(request: SubmitRequest): string | undefined {
  if (!PERIOD_PATTERN.test(request.period)) return 'period: YYYY-1 | YYYY-2';
  if (!SUBMISSION_KINDS.includes(request.kind)) return `kind: ${SUBMISSION_KINDS.join(' | ')}`;
  if (!request.by.trim() || request.by.length > MAX_BY) return 'by';
  if (!REQUEST_ID.test(request.requestId)) return 'request id';
  return undefined;
}

/** The answer to a request whose kind is recorded already: the same submission to its own retry, else refused. */
function answerTo(request: SubmitRequest, existing: Submission): AdminResult<Submission> {
  return existing.requestId === request.requestId
    ? { ok: true, value: existing }
    : fail('APPLICATION_ALREADY_SUBMITTED', `${existing.period} ${existing.kind}`);
}

/**
 * Sends a club's application for a period (docs/lok-rules.md, Decisions, "The application"). The main one takes
 * the approved activities not registered late and closes the period for the club; the supplementary one, after it
 * and until the period's final date, takes the approved late-registered ones and closes the rest. Each kind once:
 * a second is refused (APPLICATION_ALREADY_SUBMITTED), a retry of the same request gets the same answer.
 */
export async function submitApplication(
  ports: ApplicationPorts,
  request: SubmitRequest,
  clock: { readonly today: string; now(): string },
): Promise<AdminResult<Submission>> {
  const bad = invalid(request);
  if (bad !== undefined) return fail('INVALID_ADMIN_INPUT', bad);
  const { club, period, kind } = request;
  const submissions = await ports.applications.submissions(club, period);
  const existing = submissions.find((s) => s.kind === kind);
  if (existing) return answerTo(request, existing);
  if (!(await ports.store.clubs([club])).has(club)) return fail('UNKNOWN_CLUB', club);
  if (kind === 'supplementary' && !submissions.some((s) => s.kind === 'main'))
    return fail('SUPPLEMENTARY_BEFORE_MAIN', period);
  if (clock.today > finalDateOf(period)) return fail('APPLICATION_PERIOD_CLOSED', finalDateOf(period));
  const taken = approvedOfKind(await ports.store.verdictsOf(club, period), kind);
  const submission: Submission = {
    club,
    period,
    kind,
    submittedAt: clock.now(),
    by: request.by.trim(),
    requestId: request.requestId,
    activities: takenOf(taken),
    totals: totalsOf(club, period, taken),
  };
  const recorded = await ports.applications.record(submission);
  switch (recorded.outcome) {
    case 'recorded':
      return { ok: true, value: submission };
    case 'exists':
      return answerTo(request, recorded.existing);
    case 'unknown-club':
      return fail('UNKNOWN_CLUB', club);
    case 'no-main':
      return fail('SUPPLEMENTARY_BEFORE_MAIN', period);
  }
}
