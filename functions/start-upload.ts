import { SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { inboxUploadOf } from '../shared/adapters/s3/s3-uploads.js';
import { cloudClients, requiredEnv } from './commons/cloud-ports.js';
import { S3Uploads } from '../shared/adapters/s3/s3-uploads.js';
import { logger, metrics } from './commons/powertools.js';
import { startImport } from './commons/start-execution.js';
import { stepHandler } from './commons/step-handler.js';

/** Transfer Family's event for a completed upload (a dropped session sends "… Upload Failed" instead). */
export interface UploadCompletedDetail {
  readonly 'status-code': 'COMPLETED' | 'FAILED';
  readonly 'file-path': string;
  readonly 'server-id': string;
  readonly username: string;
  readonly bytes: number;
  readonly 'end-timestamp'?: string;
}

export type UploadCompletedEvent = EventBridgeEvent<'SFTP Server File Upload Completed', UploadCompletedDetail>;

const stateMachineArn = requiredEnv('IMPORT_STATE_MACHINE_ARN');
const bucket = requiredEnv('BUCKET');
const { s3 } = cloudClients();
const uploads = new S3Uploads(s3, bucket);
const sfn = new SFNClient(process.env.SFN_ENDPOINT ? { endpoint: process.env.SFN_ENDPOINT } : {});

/**
 * Upload completed → the import workflow, once per object version. The event names `/<bucket>/<key>`; the
 * object's current version and time are read from S3 (the event has no version). A key another vendor's
 * folder, a partial upload, or an object already archived starts nothing.
 */
export const handler = stepHandler('start', async (event: UploadCompletedEvent) => {
  const detail = event.detail;
  const [, eventBucket, ...rest] = detail['file-path'].split('/');
  const key = rest.join('/');
  if (detail['status-code'] !== 'COMPLETED' || eventBucket !== bucket) return { started: false, reason: 'not-a-completed-upload' };
  const object = await uploads.head(key);
  if (!object) return { started: false, reason: 'already-archived' };
  const upload = inboxUploadOf(object);
  if (!upload || upload.vendor !== detail.username) {
    logger.warn('upload outside the uploader\'s inbox', { vendor: detail.username });
    return { started: false, reason: 'not-in-inbox' };
  }
  const outcome = await startImport(sfn, stateMachineArn, { ...upload, bytes: detail.bytes });
  metrics.addMetric(outcome === 'started' ? 'ImportsStarted' : 'ImportsAlreadyStarted', 'Count', 1);
  logger.info('import', { vendor: upload.vendor, uploadId: upload.uploadId, outcome });
  return { started: outcome === 'started', uploadId: upload.uploadId };
});
