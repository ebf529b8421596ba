import { totalUpload } from '../shared/core/pipeline/total-upload.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/** Totals: every club period whose verdicts the upload may have changed, summed again. */
export const handler = stepHandler(
  'totals',
  async ({ upload }: StepInput) => {
    await totalUpload(await cloudPorts(), pipelineUpload(upload));
    return { totalled: true };
  },
  { metrics: false },
);
