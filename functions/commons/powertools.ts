import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, one metrics emitter and one tracer per function (module scope: they live across invocations).
 * Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, set by the CDK
 * function construct. Logs carry ids, step names and codes only: never a personnummer, a name or file contents.
 */
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();
