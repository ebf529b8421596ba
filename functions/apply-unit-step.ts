import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { applyUnit } from '../shared/core/pipeline/apply-file.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type WorkflowUpload } from './commons/workflow-input.js';

/** One item of the ApplyUnits Distributed Map: the clubs of one unit applied from their parts, each staged. */
export const handler = stepHandler(
  'apply',
  async ({ upload, unit }: { upload: WorkflowUpload; unit: number }) => {
    await applyUnit(await cloudPorts(), pipelineUpload(upload), unit, systemClock());
    return { unit };
  },
  { metrics: false },
);
