/**
 * How a step's failure is classified, one home for the local runner (`run-import.ts`) and the cloud's state
 * machine (`functions/commons/step-errors.ts`, `cdk/constructs/retry-policies.ts`), both matching by name:
 * - `TransientError`: an outage or a race (throttling, a timeout, heads moving under a judge): retried with the
 *   retry policy of `import-steps.ts`;
 * - `UploadBlocked`: the upload waits for its turn (an earlier upload of the vendor is unfinished): not a
 *   failure, not retried, waited for on its own schedule;
 * - anything else (`StepFailed` in the cloud) is permanent: the upload fails with an IMPORT_FAILED receipt.
 */

/** The names of the classes below, as the state machine's Retry and Catch match them. */
export const STEP_FAILURE = {
  transient: 'TransientError',
  blocked: 'UploadBlocked',
  failed: 'StepFailed',
} as const;

/** An outage or a race: the same work may succeed later (retried). */
export class TransientError extends Error {
  override readonly name = STEP_FAILURE.transient;
}

/** The upload waits for an earlier upload of its vendor (`waitingFor`, its upload id) to finish. */
export class UploadBlocked extends Error {
  override readonly name = STEP_FAILURE.blocked;
  constructor(readonly waitingFor: string) {
    super(`waiting for ${waitingFor}`);
  }
}

/** A permanent failure as the state machine sees it (the original's name and code as its message). */
export class StepFailed extends Error {
  override readonly name = STEP_FAILURE.failed;
}

/** Heads kept moving under every pass of a judge: the step is retried (a transient failure, by name). */
export class JudgeContended extends Error {
  override readonly name = 'JudgeContended';
}

const TRANSIENT_NAMES = new Set([
  STEP_FAILURE.transient,
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'SlowDown',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TooManyRequestsException',
  'UnprocessedItemsError',
  // Other vendors' applies kept moving the weeks a judge step read: judged again from the start, later.
  'JudgeContended',
]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** The fields of an SDK's (or Node's) error that tell a transient failure. */
export interface SdkLike {
  readonly name?: string;
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Whether trying the same work again later may succeed: an outage, throttling, a timeout, a race. */
export function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as SdkLike;
  const status = e.$metadata?.httpStatusCode;
  return (
    Boolean(e.$retryable) ||
    (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) ||
    (e.code !== undefined && TRANSIENT_CODES.has(e.code)) ||
    status === 429 ||
    (status !== undefined && status >= 500)
  );
}
