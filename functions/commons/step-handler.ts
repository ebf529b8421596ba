import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from './powertools.js';
import { stepError } from './step-errors.js';

/**
 * A handler as the state machine calls it: traced, logged with the Lambda context (never the event: it may
 * name a vendor's file), metrics flushed, and errors renamed for Retry/Catch (`step-errors.ts`), then rethrown.
 */
export function stepHandler<I, O>(step: string, work: (input: I, context: Context) => Promise<O>, options: { readonly metrics?: boolean } = {}) {
  const handler = middy(work)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }));
  // Only handlers that emit metrics flush them: Powertools warns on every call that flushes none.
  if (options.metrics !== false) handler.use(logMetrics(metrics));
  return handler
    .use({
      onError: async (request) => {
        const error = stepError(request.error);
        // Where it failed, without the original message (it may name a vendor's file): the stack's frames only.
        const frames = request.error instanceof Error ? (request.error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 12).join('\n') : '';
        logger.error('step failed', { step, error: error.name, cause: error.message, frames });
        request.error = error;
      },
    });
}
