import { joinJudge } from '../shared/core/pipeline/judge-in-chunks.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import type { WorkflowUpload } from './commons/workflow-input.js';
import { pipelineUpload } from './commons/workflow-input.js';

/** After the Distributed Map: the chunks' club periods joined; the upload is judged. */
export const handler = stepHandler(
  'judge',
  async ({ upload, chunks }: { upload: WorkflowUpload; chunks: number }) => {
    const judged = await joinJudge(await cloudPorts(), pipelineUpload(upload), chunks);
    return { clubPeriods: judged.clubPeriods.length };
  },
  { metrics: false },
);
