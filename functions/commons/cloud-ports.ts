import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { HmacHasher } from '../../shared/adapters/crypto/hmac-hasher.js';
import { DynamoDbRegisterStore } from '../../shared/adapters/dynamodb/register-store-dynamodb.js';
import { S3ObjectStore } from '../../shared/adapters/s3/s3-object-store.js';
import { S3Uploads } from '../../shared/adapters/s3/s3-uploads.js';
import type { IdentityHasher, PipelinePorts } from '../../shared/core/pipeline/ports.js';
import { dynamodb, s3, secretsManager } from './clients.js';
import { ENV, LOCAL_ENV, optionalEnv, requiredEnv } from './environment.js';

/**
 * The hasher of a function that hashes no identities: only the apply steps match persons, and only they are given
 * the identity key (`IDENTITY_KEY_SECRET_ARN` and the grant to read it: cdk/constructs/step-access.ts).
 */
export const NO_IDENTITY_KEY: IdentityHasher = {
  hash() {
    throw new Error(
      `this function is not given the identity key: only the apply steps hash identities (${ENV.identityKeySecretArn} is not set)`,
    );
  },
};

/**
 * The identity hasher: HMAC with the key from Secrets Manager, read once per cold start where the function is given
 * it; `IDENTITY_KEY` itself only where no secret store runs (tests). Elsewhere the secret is never read.
 */
async function identityHasher(): Promise<IdentityHasher> {
  const direct = optionalEnv(LOCAL_ENV.identityKey);
  if (direct) return new HmacHasher(direct);
  const secretArn = optionalEnv(ENV.identityKeySecretArn);
  if (!secretArn) return NO_IDENTITY_KEY;
  const secret = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!secret.SecretString) throw new Error('the identity key secret is empty');
  return new HmacHasher(secret.SecretString);
}

export interface CloudPorts extends PipelinePorts {
  readonly uploads: S3Uploads;
  readonly bucket: string;
}

let ports: Promise<CloudPorts> | undefined;

/** The pipeline's ports in AWS: the register table, the bucket, the identity key where the function is given it. */
export function cloudPorts(): Promise<CloudPorts> {
  return (ports ??= (async () => {
    const table = requiredEnv(ENV.registerTable);
    const bucket = requiredEnv(ENV.bucket);
    return {
      store: new DynamoDbRegisterStore(dynamodb(), table),
      hasher: await identityHasher(),
      objects: new S3ObjectStore(s3(), bucket),
      uploads: new S3Uploads(s3(), bucket),
      bucket,
    };
  })().catch((error: unknown) => {
    // Not kept: the next invocation tries again (the secret may have been unreadable for a moment).
    ports = undefined;
    throw error;
  }));
}
