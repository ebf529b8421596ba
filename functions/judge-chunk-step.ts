import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { judgeChunk } from '../shared/core/pipeline/judge-in-chunks.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import type { WorkflowUpload } from './commons/workflow-input.js';
import { pipelineUpload } from './commons/workflow-input.js';

/** One item of the Distributed Map: one chunk of a large file's seeds judged. */
export const handler = stepHandler(
  'judge',
  async ({ upload, chunk }: { upload: WorkflowUpload; chunk: number }) => {
    await judgeChunk(await cloudPorts(), pipelineUpload(upload), chunk, systemClock());
    return { chunk };
  },
  { metrics: false },
);
