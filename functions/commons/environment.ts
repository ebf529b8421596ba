/**
 * The functions' environment variables: one name each, set by the CDK app (cdk/constructs) and read by the
 * functions through `requiredEnv` / `optionalEnv` below. Both sides import these names; no other file spells them
 * (the tests spell them on purpose: they check the contract).
 */
export const ENV = {
  /** The register table's name (every function that reads or writes the register). */
  registerTable: 'REGISTER_TABLE',
  /** The files bucket's name. */
  bucket: 'BUCKET',
  /** The import workflow's state machine (the functions that start imports or look at their executions). */
  importStateMachineArn: 'IMPORT_STATE_MACHINE_ARN',
  /** The identity key's secret: set only on the functions that hash identities (cdk/constructs/step-access.ts). */
  identityKeySecretArn: 'IDENTITY_KEY_SECRET_ARN',
  /** The SFTP server whose logins the admin function manages. */
  sftpServerId: 'SFTP_SERVER_ID',
  /** The role a vendor's SFTP session assumes. */
  vendorRoleArn: 'VENDOR_ROLE_ARN',
  /** The session policy that keeps a vendor's SFTP session in its own inbox. */
  vendorSessionPolicy: 'VENDOR_SESSION_POLICY',
  /** The stack's name (a function's logs and alarms name their stage). */
  stage: 'STAGE',
} as const;

/** Set only where the functions run outside AWS (tests, benchmarks); never by the CDK app. */
export const LOCAL_ENV = {
  /** The identity key itself, where no secret store runs. */
  identityKey: 'IDENTITY_KEY',
  /** Endpoints of local stand-ins; unset in AWS, where the SDK finds the service itself. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  s3Endpoint: 'S3_ENDPOINT',
  sfnEndpoint: 'SFN_ENDPOINT',
  transferEndpoint: 'TRANSFER_ENDPOINT',
} as const;

/** Powertools' own variables, set on every function by the CDK app (read by the Powertools libraries). */
export const POWERTOOLS_ENV = {
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

/** The name of one of the functions' environment variables. */
export type EnvName = (typeof ENV)[keyof typeof ENV] | (typeof LOCAL_ENV)[keyof typeof LOCAL_ENV];

/** A variable the function may run without (an endpoint for tests, the identity key where it is not given). */
export function optionalEnv(name: EnvName): string | undefined {
  return process.env[name] || undefined;
}

/** A required environment variable: a function deployed without it fails at cold start, not mid-import. */
export function requiredEnv(name: EnvName): string {
  const value = optionalEnv(name);
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
