import {
  isTransient,
  STEP_FAILURE,
  StepFailed,
  TransientError,
  UploadBlocked,
  type SdkLike,
} from '../../shared/core/errors/step-failures.js';

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
const STEP_ERRORS = new Set<string>([STEP_FAILURE.failed, STEP_FAILURE.transient]);

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
    const { errorType, errorMessage } = JSON.parse(caught.Cause ?? '') as {
      errorType?: unknown;
      errorMessage?: unknown;
    };
    const original = typeof errorMessage === 'string' ? STEP_ERROR_MESSAGE.exec(errorMessage)?.[1] : undefined;
    return errorType === name && original !== undefined ? original : name;
  } catch {
    return name;
  }
}
