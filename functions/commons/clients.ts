import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { TransferClient } from '@aws-sdk/client-transfer';
import { s3Client } from '../../shared/adapters/s3/s3-client.js';
import { LOCAL_ENV, optionalEnv, type EnvName } from './environment.js';
import { tracer } from './powertools.js';

/**
 * The functions' SDK clients, each built once per cold start (at its first use, so that a function bundles and
 * builds only the clients it uses) and traced through Powertools' tracer (a no-op where tracing is off). The
 * `*_ENDPOINT` variables point them at local stand-ins (tests); in AWS they are unset.
 */
function once<T extends object>(build: () => T): () => T {
  let client: T | undefined;
  return () => (client ??= build());
}

function endpointOf(name: EnvName): { endpoint?: string } {
  const endpoint = optionalEnv(name);
  return endpoint ? { endpoint } : {};
}

// `@__PURE__`: a client a function never uses is left out of its bundle (esbuild drops unused pure calls).
export const dynamodb = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(new DynamoDBClient(endpointOf(LOCAL_ENV.dynamodbEndpoint))),
);
export const s3 = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(s3Client(endpointOf(LOCAL_ENV.s3Endpoint))));
export const sfn = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(new SFNClient(endpointOf(LOCAL_ENV.sfnEndpoint))),
);
export const transfer = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(new TransferClient(endpointOf(LOCAL_ENV.transferEndpoint))),
);
/** Only the functions given the identity key read its secret, at their first hash. */
export const secretsManager = /* @__PURE__ */ once(() => tracer.captureAWSv3Client(new SecretsManagerClient({})));
