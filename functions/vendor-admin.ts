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
import { activateVendor, addClub, addVendor, deactivateVendor, type AdminResult } from '../shared/core/admin/admin-use-cases.js';
import { applicationOf } from '../shared/core/application/application.js';
import { exportApplication } from '../shared/core/application/export-application.js';
import { submitApplication } from '../shared/core/application/submit-application.js';
import type { AdminRequest } from '../shared/core/admin/admin-request.js';
import { erasePersonOnRequest, type ErasureRequest } from '../shared/core/admin/person-erasure.js';
import type { ErasureReport } from '../shared/core/privacy/erase-person.js';
import { disableLogin, openLogin, rotateLoginKey } from '../shared/core/admin/vendor-login.js';
import { messageFor } from '../shared/core/errors/codes.js';
import { uploadStatus, type VendorStatus } from '../shared/core/queries/upload-status.js';
import { adminRequestSchema } from './commons/admin-request-schema.js';
import { cloudClients, cloudPorts, requiredEnv } from './commons/cloud-ports.js';
import { logger } from './commons/powertools.js';
import { stepHandler } from './commons/step-handler.js';

const table = requiredEnv('REGISTER_TABLE');
const clients = cloudClients();
const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(clients.dynamodb), table);
const applications = {
  store: new DynamoDbRegisterStore(clients.dynamodb, table),
  applications: new DynamoDbApplicationStore(DynamoDBDocumentClient.from(clients.dynamodb), table),
};
const logins = new TransferVendorLogins(new TransferClient(process.env.TRANSFER_ENDPOINT ? { endpoint: process.env.TRANSFER_ENDPOINT } : {}), {
  serverId: requiredEnv('SFTP_SERVER_ID'),
  bucket: requiredEnv('BUCKET'),
  roleArn: requiredEnv('VENDOR_ROLE_ARN'),
  sessionPolicy: requiredEnv('VENDOR_SESSION_POLICY'),
});

/**
 * `lok-importer status --cloud`: the register, the bucket's inbox and archive (listings and tags only) and the
 * import executions (DescribeExecution), joined by the same use-case as in local mode.
 */
async function status(vendor: string, upload: string | undefined, limit: number): Promise<AdminResult<VendorStatus>> {
  const sfn = new SFNClient(process.env.SFN_ENDPOINT ? { endpoint: process.env.SFN_ENDPOINT } : {});
  try {
    const result = await uploadStatus({
      store: new DynamoDbRegisterStore(clients.dynamodb, table), vendors: admin,
      files: new S3UploadFiles(new S3Uploads(clients.s3, requiredEnv('BUCKET'))),
      executions: new StepFunctionsExecutions(sfn, requiredEnv('IMPORT_STATE_MACHINE_ARN')),
    }, { vendor, ...(upload !== undefined ? { upload } : {}), limit }, systemClock());
    if (result.ok) return { ok: true, value: result.status };
    return result.unknown === 'vendor'
      ? { ok: false, error: { code: 'UNKNOWN_VENDOR', message: messageFor('UNKNOWN_VENDOR', vendor) } }
      : { ok: false, error: { code: 'UNKNOWN_UPLOAD', message: messageFor('UNKNOWN_UPLOAD', upload) } };
  } finally {
    sfn.destroy();
  }
}

/**
 * `lok-importer person erase --cloud`: the erasure on the pipeline's ports (the identity key read from its secret at
 * the first erasure only, never for the other requests) and the register's scans (shared/core/admin/person-erasure.ts).
 */
async function erase(request: ErasureRequest, today: string | undefined): Promise<AdminResult<ErasureReport>> {
  return erasePersonOnRequest(await cloudPorts(), new DynamoDbPrivacyStore(clients.dynamodb, table), systemClock(today), request);
}

async function run(request: AdminRequest): Promise<AdminResult<unknown>> {
  switch (request.action) {
    case 'vendor-add': {
      const added = await addVendor(admin, request.vendor);
      // Onboarding again with a key (the first attempt stopped half-way) still opens the login.
      if (!added.ok && added.error.code !== 'VENDOR_EXISTS') return added;
      if (request.publicKey === undefined) return added;
      const login = await openLogin(admin, logins, request.vendor.id, request.publicKey);
      return login.ok ? { ok: true, value: { vendor: request.vendor.id, login: login.value, registered: added.ok ? 'added' : 'exists' } } : login;
    }
    case 'vendor-key-rotate': return rotateLoginKey(logins, request.vendor, request.publicKey, request.keepOld);
    case 'vendor-disable': return disableLogin(logins, request.vendor);
    case 'club-add': return addClub(admin, request.club);
    case 'club-activate': return activateVendor(admin, request.club, request.vendor, request.from);
    case 'club-deactivate': return deactivateVendor(admin, request.club, request.vendor, request.to);
    case 'upload-status': return status(request.vendor, request.upload, request.limit);
    case 'application': return { ok: true, value: await applicationOf(applications, request.club, request.period, systemClock(request.today).today) };
    case 'application-submit': return submitApplication(applications, request.request, systemClock(request.today));
    case 'application-export': return { ok: true, value: await exportApplication(applications, request.club, request.period) };
    case 'person-erase': return erase(request.request, request.today);
  }
}

/**
 * RF operations' admin use-cases in AWS (`lok-importer … --cloud` invokes it): vendors onboarded with their
 * SFTP login, keys rotated, logins disabled, clubs added and activated, a vendor's uploads' status, a club's
 * application (what it holds, sending it, its rows), a person's erasure on request. Refusals come back as codes.
 */
export const handler = stepHandler('admin', async (event: unknown): Promise<AdminResult<unknown>> => {
  const parsed = adminRequestSchema.safeParse(event);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || 'request').join(', ');
    return { ok: false, error: { code: 'INVALID_ADMIN_INPUT', message: messageFor('INVALID_ADMIN_INPUT', where) } };
  }
  const result = await run(parsed.data);
  logger.info('admin', { action: parsed.data.action, ok: result.ok, ...(result.ok ? {} : { code: result.error.code }) });
  return result;
});
