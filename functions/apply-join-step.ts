import { joinApply } from '../shared/core/pipeline/apply-file.js';
import { applyMetrics } from './commons/apply-in-turn.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/** After the ApplyUnits Distributed Map: the clubs' results joined; the upload is applied. */
export const handler = stepHandler('apply', async ({ upload }: StepInput) => {
  const staged = await joinApply(await cloudPorts(), pipelineUpload(upload));
  applyMetrics(upload.vendor, staged.status);
  return { status: staged.status, errors: staged.errors.length };
});
