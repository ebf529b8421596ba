import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { TransferClient } from '@aws-sdk/client-transfer';
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
import { cloudClients, cloudPorts, requiredEnv } from './commons/cloud-ports.js';
import { logger } from './commons/powertools.js';
import { stepHandler } from './commons/step-handler.js';

const table = requiredEnv('REGISTER_TABLE');
const clients = cloudClients();
const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(clients.dynamodb), table);
const store = new DynamoDbRegisterStore(clients.dynamodb, table);
const logins = new TransferVendorLogins(new TransferClient(process.env.TRANSFER_ENDPOINT ? { endpoint: process.env.TRANSFER_ENDPOINT } : {}), {
  serverId: requiredEnv('SFTP_SERVER_ID'),
  bucket: requiredEnv('BUCKET'),
  roleArn: requiredEnv('VENDOR_ROLE_ARN'),
  sessionPolicy: requiredEnv('VENDOR_SESSION_POLICY'),
});
const sfn = new SFNClient(process.env.SFN_ENDPOINT ? { endpoint: process.env.SFN_ENDPOINT } : {});

/**
 * The admin requests' ports in AWS: the register table, Transfer Family's users, the bucket's inbox and archive
 * (listings and tags only) with the import executions (DescribeExecution) for `upload-status`, and for an erasure
 * the pipeline's ports, whose identity key is read from its secret at the first erasure only.
 */
const ports: AdminPorts = {
  admin,
  logins: () => logins,
  applications: () => ({ store, applications: new DynamoDbApplicationStore(DynamoDBDocumentClient.from(clients.dynamodb), table) }),
  status: () => ({
    store, vendors: admin, files: new S3UploadFiles(new S3Uploads(clients.s3, requiredEnv('BUCKET'))),
    executions: new StepFunctionsExecutions(sfn, requiredEnv('IMPORT_STATE_MACHINE_ARN')),
  }),
  erasure: async () => ({ ports: await cloudPorts(), privacy: new DynamoDbPrivacyStore(clients.dynamodb, table) }),
  clock: systemClock,
};

/**
 * RF operations' admin use-cases in AWS (`lok-importer … --cloud` invokes it): the event is an admin request,
 * answered as the CLI answers it on its own register (shared/cli/admin-requests.ts). Refusals come back as codes.
 */
export const handler = stepHandler('admin', async (event: unknown): Promise<AdminResult<unknown>> =>
  answerAdminRequest(ports, event, (request, result) => logger.info('admin', { action: request.action, ok: result.ok, ...(result.ok ? {} : { code: result.error.code }) })));
