import { ADMIN_ENV } from './cloud.js';

/**
 * The environment a Lambda handler of functions/ needs to run in the test's own process on DynamoDB Local: the
 * register table and its endpoint, local credentials, Powertools quiet and untraced. The names are spelled here on
 * purpose (the tests check the contract with functions/commons/environment.ts, not reuse it).
 */
export function handlerEnvOnDynamoDbLocal(table: string, endpoint: string): Record<string, string> {
  return {
    REGISTER_TABLE: table,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'eu-north-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_SERVICE_NAME: 'lok-importer',
  };
}

/**
 * What the admin function (functions/vendor-admin.ts) needs on top: its bucket, the SFTP server and the vendors'
 * role and session policy (stand-ins: the admin requests under test never reach them), its metrics namespace.
 */
export function adminFunctionEnv(table: string, endpoint: string): Record<string, string> {
  return {
    ...handlerEnvOnDynamoDbLocal(table, endpoint),
    BUCKET: 'lok-files',
    ...ADMIN_ENV,
    POWERTOOLS_METRICS_NAMESPACE: 'LokImporter',
  };
}
