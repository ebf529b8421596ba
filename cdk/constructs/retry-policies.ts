import { Duration } from 'aws-cdk-lib';
import { JitterType, type RetryProps, type TaskStateBase } from 'aws-cdk-lib/aws-stepfunctions';
import { STEP_FAILURE } from '../../shared/core/errors/step-failures.js';
import { RETRY_POLICY, type RetryPolicy } from '../../shared/core/pipeline/import-steps.js';

/**
 * Errors a retry can cure: our handlers' TransientError (shared/core/errors/step-failures.ts) and Lambda's own
 * service errors. Not a function's time-out (`Sandbox.Timedout`): the steps are deterministic, so the same file
 * would time out again.
 */
export const TRANSIENT_ERRORS = [
  STEP_FAILURE.transient,
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

/** Retry as the shared policy says (Step Functions counts retries, the policy counts attempts). */
export function retryOf(policy: RetryPolicy): RetryProps {
  return {
    maxAttempts: policy.maxAttempts - 1,
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    maxDelay: Duration.seconds(policy.maxDelaySeconds),
    jitterStrategy: policy.jitter === 'FULL' ? JitterType.FULL : JitterType.NONE,
  };
}

/** A task retried on transient errors only, as the local runner retries them (RETRY_POLICY); anything else is not retried. */
export function retriedWhenTransient<T extends TaskStateBase>(task: T): T {
  task.addRetry({ errors: TRANSIENT_ERRORS, ...retryOf(RETRY_POLICY) });
  return task;
}
