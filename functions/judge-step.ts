import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { judgeUpload } from '../shared/core/pipeline/judge-upload.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/** Judge (a file below the size threshold): every activity the changes can reach, week by week. */
export const handler = stepHandler(
  'judge',
  async ({ upload }: StepInput) => {
    const judged = await judgeUpload(await cloudPorts(), pipelineUpload(upload), systemClock());
    return { clubPeriods: judged.clubPeriods.length };
  },
  { metrics: false },
);
