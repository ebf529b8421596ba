import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HmacHasher } from '../../shared/adapters/crypto/hmac-hasher.js';
import { DynamoDbRegisterStore } from '../../shared/adapters/dynamodb/register-store-dynamodb.js';
import { s3Client } from '../../shared/adapters/s3/s3-client.js';
import { S3ObjectStore } from '../../shared/adapters/s3/s3-object-store.js';
import { S3Uploads } from '../../shared/adapters/s3/s3-uploads.js';
import type { IdentityHasher, PipelinePorts } from '../../shared/core/pipeline/ports.js';

/** A required environment variable: a function deployed without it fails at cold start, not mid-import. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * The clients and ports every step uses, built once per cold start. `DYNAMODB_ENDPOINT` and `S3_ENDPOINT` point
 * them at DynamoDB Local and an S3-compatible server (tests); in AWS they are unset.
 */
export function cloudClients() {
  const dynamodbEndpoint = process.env.DYNAMODB_ENDPOINT;
  const s3Endpoint = process.env.S3_ENDPOINT;
  const dynamodb = new DynamoDBClient(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {});
  const s3 = s3Client(s3Endpoint ? { endpoint: s3Endpoint } : {});
  return { dynamodb, s3 };
}

/**
 * The hasher of a function that hashes no identities: only the apply steps match persons, and only they are given
 * the identity key (`IDENTITY_KEY_SECRET_ARN` and the grant to read it: cdk/constructs/step-access.ts).
 */
export const NO_IDENTITY_KEY: IdentityHasher = {
  hash() {
    throw new Error('this function is not given the identity key: only the apply steps hash identities (IDENTITY_KEY_SECRET_ARN is not set)');
  },
};

/**
 * The identity hasher: HMAC with the key from Secrets Manager, read once per cold start where the function is given
 * it; `IDENTITY_KEY` itself only where no secret store runs (tests). Elsewhere the secret is never read.
 */
async function identityHasher(): Promise<IdentityHasher> {
  const direct = process.env.IDENTITY_KEY;
  if (direct) return new HmacHasher(direct);
  const secretArn = process.env.IDENTITY_KEY_SECRET_ARN;
  if (!secretArn) return NO_IDENTITY_KEY;
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
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
    const table = requiredEnv('REGISTER_TABLE');
    const bucket = requiredEnv('BUCKET');
    const { dynamodb, s3 } = cloudClients();
    return {
      store: new DynamoDbRegisterStore(dynamodb, table),
      hasher: await identityHasher(),
      objects: new S3ObjectStore(s3, bucket),
      uploads: new S3Uploads(s3, bucket),
      bucket,
    };
  })().catch((error: unknown) => {
    // Not kept: the next invocation tries again (the secret may have been unreadable for a moment).
    ports = undefined;
    throw error;
  }));
}
