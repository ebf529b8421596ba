import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from './powertools.js';
import { stepError } from './step-errors.js';

/**
 * The keys every log line of an invocation carries: the upload's vendor and id, and the execution's name (the
 * state machine passes `$$.Execution.Name` as `execution`; the nightly job's steps have it as `runId`). Ids only,
 * never the file's name (it is the vendor's choice and may say anything).
 */
export function logKeysOf(event: unknown): Record<string, string> {
  if (typeof event !== 'object' || event === null) return {};
  const { upload, execution, runId, BatchInput } = event as {
    upload?: unknown;
    execution?: unknown;
    runId?: unknown;
    BatchInput?: { runId?: unknown };
  };
  const keys: Record<string, string> = {};
  if (typeof upload === 'object' && upload !== null) {
    const { vendor, uploadId } = upload as { vendor?: unknown; uploadId?: unknown };
    if (typeof vendor === 'string') keys.vendor = vendor;
    if (typeof uploadId === 'string') keys.uploadId = uploadId;
  }
  const name = [execution, runId, BatchInput?.runId].find((v): v is string => typeof v === 'string');
  if (name !== undefined) keys.execution = name;
  return keys;
}

/**
 * A handler as the state machine calls it: traced, logged with the Lambda context (never the event: it may
 * name a vendor's file) and the invocation's vendor, upload id and execution name (`logKeysOf`: temporary keys,
 * cleared after each invocation by `resetKeys`, so a warm function never logs the previous upload's ids),
 * metrics flushed, and errors renamed for Retry/Catch (`step-errors.ts`), then rethrown.
 */
export function stepHandler<I, O>(
  step: string,
  work: (input: I, context: Context) => Promise<O>,
  options: { readonly metrics?: boolean } = {},
) {
  const handler = middy(work)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use({ before: (request) => logger.appendKeys(logKeysOf(request.event)) });
  // Only handlers that emit metrics flush them: Powertools warns on every call that flushes none.
  if (options.metrics !== false) handler.use(logMetrics(metrics));
  return handler.use({
    onError: async (request) => {
      const error = stepError(request.error);
      // Where it failed, without the original message (it may name a vendor's file): the stack's frames only.
      const frames =
        request.error instanceof Error
          ? (request.error.stack ?? '')
              .split('\n')
              .filter((line) => /^\s+at /.test(line))
              .slice(0, 12)
              .join('\n')
          : '';
      logger.error('step failed', { step, error: error.name, cause: error.message, frames });
      request.error = error;
    },
  });
}
