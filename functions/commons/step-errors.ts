import { JudgeContended } from '../../shared/core/pipeline/rejudge.js';

/**
 * How a step's error reaches the state machine: by name, which its Retry and Catch match. Only transient
 * failures are retried; `UploadBlocked` waits for an earlier upload of the vendor on its own schedule; anything
 * else is permanent and goes to the catch that fails the upload with a receipt.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

export class UploadBlocked extends Error {
  override readonly name = 'UploadBlocked';
}

export class StepFailed extends Error {
  override readonly name = 'StepFailed';
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TransactionConflictException',
  'InternalServerError', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException', 'SlowDown', 'TimeoutError',
  'RequestTimeout', 'RequestTimeoutException', 'TooManyRequestsException', 'UnprocessedItemsError',
  // Other vendors' applies kept moving the weeks a judge step read: judged again from the start, later.
  new JudgeContended().name,
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);

interface SdkLike {
  readonly name?: string;
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as SdkLike;
  const status = e.$metadata?.httpStatusCode;
  return Boolean(e.$retryable)
    || (e.name !== undefined && TRANSIENT_NAMES.has(e.name))
    || (e.code !== undefined && TRANSIENT_CODES.has(e.code))
    || status === 429 || (status !== undefined && status >= 500);
}

/**
 * The error as the state machine will see it. The message names the original error's name and code only: a
 * message of the original may carry a file name, and execution history must hold ids, never contents.
 */
export function stepError(error: unknown): Error {
  if (error instanceof TransientError || error instanceof UploadBlocked || error instanceof StepFailed) return error;
  const e = (error ?? {}) as SdkLike;
  const what = [e.name ?? 'Error', e.code].filter(Boolean).join(' ');
  return isTransient(error) ? new TransientError(what) : new StepFailed(what);
}

/** What a state machine's Catch hands over (`ResultPath`): the error's name and its cause. */
export interface CaughtError {
  readonly Error?: string;
  readonly Cause?: string;
}

/** `stepError`'s message: the original's name, then its code if it has one (`TimeoutError ETIMEDOUT`). */
const STEP_ERROR_MESSAGE = /^([A-Za-z_$][\w$.]*)(?: [A-Z0-9_]+)?$/;
/** The errors a step's handler throws itself (`stepError`), each with the original's name as its message. */
const STEP_ERRORS = new Set([new StepFailed().name, new TransientError().name]);

/**
 * The name of the error a step failed with, from its Catch: for the step's own error (`StepFailed`,
 * `TransientError`, whose message `stepError` made the original's name and code; Lambda's cause is
 * `{ errorType, errorMessage }`) the original's name, otherwise (`States.Timeout`, `Sandbox.Timedout`, …) the
 * state machine's. A name only, never a message.
 */
export function caughtErrorName(caught: CaughtError): string {
  const name = caught.Error ?? 'Error';
  if (!STEP_ERRORS.has(name)) return name;
  try {
    const { errorType, errorMessage } = JSON.parse(caught.Cause ?? '') as { errorType?: unknown; errorMessage?: unknown };
    const original = typeof errorMessage === 'string' ? STEP_ERROR_MESSAGE.exec(errorMessage)?.[1] : undefined;
    return errorType === name && original !== undefined ? original : name;
  } catch {
    return name;
  }
}
