import { cloudPorts } from './commons/cloud-ports.js';
import { logger } from './commons/powertools.js';
import { putUploadResult, type UploadItem } from './commons/reconcile-run.js';
import { caughtErrorName, type CaughtError } from './commons/step-errors.js';
import { stepHandler } from './commons/step-handler.js';

/**
 * The catch of an item of the uploads' Distributed Map: the upload could not be reconciled tonight (after the
 * retries of a transient error). Its result is the error's name, never its message, for the night's report
 * (`errors`, an alarm); the item ends well, so the night goes on, and the upload is tried again the next night.
 */
export const handler = stepHandler(
  'reconcile-upload-failed',
  async ({ runId, upload, error }: UploadItem & { readonly error: CaughtError }) => {
    const ports = await cloudPorts();
    const name = caughtErrorName(error);
    await putUploadResult(ports.objects, runId, { uploadId: upload.uploadId, error: name });
    logger.warn('upload not reconciled tonight', { vendor: upload.vendor, uploadId: upload.uploadId, error: name });
    return { error: name };
  },
  { metrics: false },
);
