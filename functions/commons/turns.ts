import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Upload } from '../../shared/core/pipeline/upload.js';
import { handOn } from '../../shared/core/pipeline/turns.js';
import { isEarlier } from '../../shared/core/pipeline/upload.js';
import type { CloudPorts } from './cloud-ports.js';
import { startImport } from './start-execution.js';

const sfn = new SFNClient(process.env.SFN_ENDPOINT ? { endpoint: process.env.SFN_ENDPOINT } : {});
/** The import workflow, to start an earlier upload whose event has not come (set in AWS; unset, nothing is started). */
const stateMachineArn = process.env.IMPORT_STATE_MACHINE_ARN;

/** A task token that no longer waits (woken already, timed out, its execution gone): nothing to wake. */
const GONE_TOKENS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Wakes the WaitForTurn task holding `token`: its execution goes back to Apply. */
export async function wakeTask(token: string): Promise<void> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
  } catch (error) {
    if (!GONE_TOKENS.has((error as { name?: string }).name ?? '')) throw error;
  }
}

/** The upload ended (done or failed) and left the inbox: whoever waits for it goes on. */
export async function handOnTurn(ports: CloudPorts, upload: Upload): Promise<number> {
  return handOn(ports.store, upload, wakeTask);
}

/**
 * The upload's predecessor in the cloud, the rule Apply blocks on and WaitForTurn waits for: the nearest earlier
 * completed upload of the vendor still in its inbox (every upload stays there until done or failed, and S3 lists
 * consistently, unlike the ledger's index; one whose event is late or lost is started here, a no-op when it runs
 * already), else the nearest earlier upload the ledger holds unfinished.
 */
export async function predecessorInCloud(ports: CloudPorts, upload: Upload, inbox?: Awaited<ReturnType<CloudPorts['uploads']['inInbox']>>): Promise<Upload | undefined> {
  const waiting = (inbox ?? await ports.uploads.inInbox(upload.vendor)).filter((w) => isEarlier(w, upload)).sort((a, b) => (isEarlier(a, b) ? 1 : -1));
  for (const earlier of waiting) {
    if (!(await ports.uploads.isCompleted(earlier.source))) continue;
    if (stateMachineArn && !(await ports.store.upload(earlier.vendor, earlier.uploadId, earlier.completedAt))) {
      await startImport(sfn, stateMachineArn, { ...earlier, bytes: earlier.source.size ?? 0 });
    }
    return earlier;
  }
  return ports.store.predecessorOf(upload);
}
