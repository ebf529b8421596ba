import { leaveWord } from '../shared/core/pipeline/turns.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { stepHandler } from './commons/step-handler.js';
import { predecessorInCloud, wakeTask } from './commons/turns.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/**
 * WaitForTurn (a task with a token): Apply found the upload blocked. Word is left with its predecessor, which
 * wakes this task when it ends (receipt or MarkFailed); if the predecessor has ended meanwhile (or none is left),
 * the task wakes itself. Either way the execution goes back to Apply, which looks again.
 */
export const handler = stepHandler('wait-turn', async ({ upload, token }: StepInput & { token: string }) => {
  const ports = await cloudPorts();
  const predecessor = await predecessorInCloud(ports, upload);
  if (!predecessor || (await leaveWord(ports.store, pipelineUpload(upload), predecessor, token)) === 'go')
    await wakeTask(token);
  return { waitingFor: predecessor?.uploadId ?? null };
});
