import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { DynamoDbPrivacyStore } from '../shared/adapters/dynamodb/privacy-store-dynamodb.js';
import { DynamoDbApplicationStore } from '../shared/adapters/dynamodb/application-store-dynamodb.js';
import { DynamoDbRegisterAdmin } from '../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { DynamoDbRegisterStore } from '../shared/adapters/dynamodb/register-store-dynamodb.js';
import { S3UploadFiles } from '../shared/adapters/s3/s3-upload-files.js';
import { S3Uploads } from '../shared/adapters/s3/s3-uploads.js';
import { StepFunctionsExecutions } from '../shared/adapters/step-functions/execution-lookup.js';
import { TransferVendorLogins } from '../shared/adapters/transfer/transfer-vendor-logins.js';
import type { AdminPorts } from '../shared/core/admin/admin-dispatch.js';
import type { AdminResult } from '../shared/core/admin/admin-use-cases.js';
import { answerAdminRequest } from '../shared/cli/admin-requests.js';
import { dynamodb, s3, sfn, transfer } from './commons/clients.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { ENV, requiredEnv } from './commons/environment.js';
import { logger } from './commons/powertools.js';
import { stepHandler } from './commons/step-handler.js';

const table = requiredEnv(ENV.registerTable);
const bucket = requiredEnv(ENV.bucket);
const documents = DynamoDBDocumentClient.from(dynamodb());
const admin = new DynamoDbRegisterAdmin(documents, table);
const store = new DynamoDbRegisterStore(dynamodb(), table);
const logins = new TransferVendorLogins(transfer(), {
  serverId: requiredEnv(ENV.sftpServerId),
  bucket,
  roleArn: requiredEnv(ENV.vendorRoleArn),
  sessionPolicy: requiredEnv(ENV.vendorSessionPolicy),
});

/**
 * The admin requests' ports in AWS: the register table, Transfer Family's users, the bucket's inbox and archive
 * (listings and tags only) with the import executions (DescribeExecution) for `upload-status`, and for an erasure
 * the pipeline's ports, whose identity key is read from its secret at the first erasure only.
 */
const ports: AdminPorts = {
  admin,
  logins: () => logins,
  applications: () => ({ store, applications: new DynamoDbApplicationStore(documents, table) }),
  status: () => ({
    store,
    vendors: admin,
    files: new S3UploadFiles(new S3Uploads(s3(), bucket)),
    executions: new StepFunctionsExecutions(sfn(), requiredEnv(ENV.importStateMachineArn)),
  }),
  erasure: async () => ({ ports: await cloudPorts(), privacy: new DynamoDbPrivacyStore(dynamodb(), table) }),
  clock: systemClock,
};

/**
 * RF operations' admin use-cases in AWS (`lok-importer … --cloud` invokes it): the event is an admin request,
 * answered as the CLI answers it on its own register (shared/cli/admin-requests.ts). Refusals come back as codes.
 */
export const handler = stepHandler('admin', async (event: unknown): Promise<AdminResult<unknown>> =>
  answerAdminRequest(ports, event, (request, result) =>
    logger.info('admin', { action: request.action, ok: result.ok, ...(result.ok ? {} : { code: result.error.code }) }),
  ),
);
