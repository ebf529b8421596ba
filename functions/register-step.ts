import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { metrics } from './commons/powertools.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/** Register: the upload is archived (moved out of the inbox, kept 7 years) and entered in the file ledger. */
export const handler = stepHandler('register', async ({ upload }: StepInput) => {
  const ports = await cloudPorts();
  await ports.uploads.archive(upload);
  const entry = await registerUpload(ports, pipelineUpload(upload), systemClock());
  metrics.addDimension('vendor', upload.vendor);
  metrics.addMetric('FilesReceived', 'Count', 1);
  return { stage: entry.stage };
});
