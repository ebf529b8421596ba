import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { failUpload } from '../shared/core/pipeline/run-import.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { logger, metrics } from './commons/powertools.js';
import { stepHandler } from './commons/step-handler.js';
import { handOnTurn } from './commons/turns.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/**
 * The catch: a step failed for good (or ran out of retries). The upload is marked failed, the vendor gets a
 * receipt saying IMPORT_FAILED (send the file again), and the execution then fails, which raises the alarm.
 */
export const handler = stepHandler('fail', async ({ upload, error }: StepInput & { error?: { Error?: string } }) => {
  const ports = await cloudPorts();
  await failUpload(ports, pipelineUpload(upload), systemClock());
  // Failed for good: out of the inbox, so that it holds up none of the vendor's later uploads (it is archived).
  await ports.uploads.removeFromInbox(upload);
  // Then the next upload of the vendor, waiting in WaitForTurn for this one, goes on.
  await handOnTurn(ports, upload);
  logger.error('upload failed', { vendor: upload.vendor, uploadId: upload.uploadId, error: error?.Error ?? 'unknown' });
  metrics.addDimension('vendor', upload.vendor);
  metrics.addMetric('FilesFailed', 'Count', 1);
  return { failed: true };
});
