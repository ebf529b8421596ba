import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { WorkflowUpload } from './workflow-input.js';

/** How far Step Functions' clock and this one may disagree. */
const CLOCK_SKEW_MS = 2000;

/**
 * Starts the import workflow for an upload, named by its upload id (itself derived from bucket, key and
 * version): a second start of the same upload, from a repeated event or the nightly sweep, finds the execution
 * there and starts nothing. `suffix` names a deliberate restart (reconciliation resuming a stuck upload).
 */
export async function startImport(
  sfn: SFNClient,
  stateMachineArn: string,
  upload: WorkflowUpload,
  suffix = '',
): Promise<'started' | 'exists'> {
  const asked = Date.now();
  try {
    const { startDate } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: `${upload.uploadId}${suffix}`,
        input: JSON.stringify({ upload }),
      }),
    );
    // The same name and input while that execution runs is answered with the running execution, not an error:
    // an execution that started before this call is one that was there already.
    return startDate && startDate.getTime() < asked - CLOCK_SKEW_MS ? 'exists' : 'started';
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as { name?: string }).name === 'ExecutionAlreadyExists')
      return 'exists';
    throw error;
  }
}
