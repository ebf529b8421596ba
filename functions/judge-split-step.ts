import { splitJudge } from '../shared/core/pipeline/judge-in-chunks.js';
import { JUDGE_CHUNK_SEEDS } from '../shared/core/pipeline/import-steps.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/** Judge, large file: the seeds cut into chunks and a JSON Lines manifest for the Distributed Map to read. */
export const handler = stepHandler(
  'judge',
  async ({ upload }: StepInput) => {
    const { chunks, manifest } = await splitJudge(await cloudPorts(), pipelineUpload(upload), JUDGE_CHUNK_SEEDS);
    return { chunks, manifest };
  },
  { metrics: false },
);
