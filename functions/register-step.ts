import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { metrics } from './commons/powertools.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/**
 * Register: the upload is copied to the archive (kept 7 years; the steps read it there) and entered in the
 * file ledger. It stays in the inbox until done or failed: later uploads of the vendor wait while it is there.
 */
export const handler = stepHandler('register', async ({ upload }: StepInput) => {
  const ports = await cloudPorts();
  await ports.uploads.copyToArchive(upload);
  const entry = await registerUpload(ports, pipelineUpload(upload), systemClock());
  metrics.addDimension('vendor', upload.vendor);
  metrics.addMetric('FilesReceived', 'Count', 1);
  return { stage: entry.stage };
});
