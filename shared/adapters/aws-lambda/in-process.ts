import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * Running the functions' handlers in this process, as the Lambda runtime would, against local stand-ins of the
 * cloud (DynamoDB Local, an S3-compatible server): the cloud tests and the cloud bench both do. The variables' names
 * are spelled here as the CDK app sets them (functions/commons/environment.ts is the functions' side of that contract,
 * checked by test/cdk-stack.test.ts and test/function-environment.test.ts).
 */
export interface LocalServers {
  readonly table: string;
  readonly bucket: string;
  /** The identity key itself (the cloud reads it from Secrets Manager). */
  readonly identityKey: string;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The environment the CDK app gives the functions, pointed at the local servers. */
export function localFunctionEnv(servers: LocalServers): Record<string, string> {
  return {
    REGISTER_TABLE: servers.table,
    BUCKET: servers.bucket,
    IDENTITY_KEY: servers.identityKey,
    DYNAMODB_ENDPOINT: servers.dynamodbEndpoint,
    S3_ENDPOINT: servers.s3Endpoint,
    AWS_REGION: servers.region,
    AWS_ACCESS_KEY_ID: servers.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: servers.credentials.secretAccessKey,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'LokImporter',
    POWERTOOLS_SERVICE_NAME: 'lok-importer',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

/** How the invoked function is configured: its account and region, memory and timeout (15 minutes unless said). */
export interface InvokedFunction {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly memoryMB: number;
  readonly timeoutMs?: number;
  /** The log stream's prefix before `/[$LATEST]…`. */
  readonly logStreamPrefix: string;
}

/** The context the Lambda runtime passes a function just invoked. */
export function lambdaContext(fn: InvokedFunction): Context {
  const deadline = Date.now() + (fn.timeoutMs ?? 15 * 60 * 1000);
  const unused = () => {
    throw new Error('the callback API is not used by these handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${fn.region}:${fn.account}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${fn.logStreamPrefix}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unused,
    fail: unused,
    succeed: unused,
  };
}
