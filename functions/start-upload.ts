import type { EventBridgeEvent } from 'aws-lambda';
import { inboxUploadOf } from '../shared/adapters/s3/s3-uploads.js';
import { s3, sfn } from './commons/clients.js';
import { ENV, requiredEnv } from './commons/environment.js';
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
  readonly etag?: string;
}

export type UploadCompletedEvent = EventBridgeEvent<'SFTP Server File Upload Completed', UploadCompletedDetail>;

const stateMachineArn = requiredEnv(ENV.importStateMachineArn);
const bucket = requiredEnv(ENV.bucket);
const uploads = new S3Uploads(s3(), bucket);

/**
 * Upload completed → the import workflow, once per object version. The event names `/<bucket>/<key>` and the
 * ETag; the version with that ETag (the current one, unless the vendor sent the name again since) gives the
 * upload id, time and size. A key outside the uploader's inbox, a failed upload, or an object no longer in the
 * inbox (imported already) starts nothing.
 */
export const handler = stepHandler('start', async (event: UploadCompletedEvent) => {
  const detail = event.detail;
  const [, eventBucket, ...rest] = detail['file-path'].split('/');
  const key = rest.join('/');
  if (detail['status-code'] !== 'COMPLETED' || eventBucket !== bucket)
    return { started: false, reason: 'not-a-completed-upload' };
  const object = await uploads.versionOf(key, detail.etag);
  if (!object) return { started: false, reason: 'no-longer-in-inbox' };
  const upload = inboxUploadOf(object);
  if (!upload || upload.vendor !== detail.username) {
    logger.warn("upload outside the uploader's inbox", { vendor: detail.username });
    return { started: false, reason: 'not-in-inbox' };
  }
  const outcome = await startImport(sfn(), stateMachineArn, { ...upload, bytes: object.size ?? detail.bytes });
  metrics.addMetric(outcome === 'started' ? 'ImportsStarted' : 'ImportsAlreadyStarted', 'Count', 1);
  logger.info('import', { vendor: upload.vendor, uploadId: upload.uploadId, outcome });
  return { started: outcome === 'started', uploadId: upload.uploadId };
});
