import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { Upload } from '../../shared/core/pipeline/upload.js';
import { handOn } from '../../shared/core/pipeline/turns.js';
import { blockersOf } from '../../shared/core/pipeline/upload.js';
import type { CloudPorts } from './cloud-ports.js';
import { sfn } from './clients.js';
import { ENV, optionalEnv } from './environment.js';
import { logger, metrics } from './powertools.js';
import { startImport } from './start-execution.js';

/** The import workflow, to start an earlier upload whose event has not come (set in AWS; unset, nothing is started). */
const stateMachineArn = optionalEnv(ENV.importStateMachineArn);

/** A task token that no longer waits (woken already, timed out, its execution gone): nothing to wake. */
const GONE_TOKENS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Wakes the WaitForTurn task holding `token`: its execution goes back to Apply. */
export async function wakeTask(token: string): Promise<void> {
  try {
    await sfn().send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
  } catch (error) {
    if (!GONE_TOKENS.has((error as { name?: string }).name ?? '')) throw error;
  }
}

/**
 * The upload ended (done or failed) and left the inbox, or has read its clubs: whoever waits for it looks again.
 * A failure here does not fail the step (the upload is done, or goes on): it is logged and counted
 * (`HandOnFailed`), and a waiter whose word was taken but not delivered looks again after WAIT_FOR_TURN_SECONDS.
 */
export async function handOnTurn(ports: CloudPorts, upload: Upload): Promise<number> {
  try {
    return await handOn(ports.store, upload, wakeTask);
  } catch (error) {
    logger.warn('hand-on failed', {
      vendor: upload.vendor,
      uploadId: upload.uploadId,
      error: (error as { name?: string }).name ?? 'Error',
    });
    metrics.addMetric('HandOnFailed', 'Count', 1);
    return 0;
  }
}

/**
 * An earlier completed upload of the vendor still in its inbox but not in the ledger (its event late or lost):
 * its clubs are unknown, so the upload waits for it; it is started here (a no-op when it runs already). Every
 * upload stays in the inbox until done or failed, and S3 lists consistently.
 */
export async function unregisteredPredecessor(
  ports: CloudPorts,
  upload: Upload,
  inbox?: Awaited<ReturnType<CloudPorts['uploads']['inInbox']>>,
): Promise<Upload | undefined> {
  // Their clubs are unknown: every earlier one is waited for (the waiting rule, `blockersOf`), the nearest first.
  const earlier = blockersOf(upload, inbox ?? (await ports.uploads.inInbox(upload.vendor)));
  if (earlier.length === 0) return undefined;
  const open = await ports.store.openUploadIds(upload.vendor);
  for (const waiting of earlier) {
    if (open.has(waiting.uploadId) || !(await ports.uploads.isCompleted(waiting.source))) continue;
    // In the ledger after all: done and about to leave the inbox, or registered since the look at the open marks
    // (then the apply step's look in the ledger finds it, club by club).
    if (await ports.store.upload(waiting.vendor, waiting.uploadId, waiting.completedAt)) continue;
    if (stateMachineArn) await startImport(sfn(), stateMachineArn, { ...waiting, bytes: waiting.source.size ?? 0 });
    return waiting;
  }
  return undefined;
}

/**
 * The upload's predecessor in the cloud, the rule Apply blocks on and WaitForTurn waits for: an earlier upload
 * not in the ledger yet (`unregisteredPredecessor`), else the nearest earlier one the ledger holds unfinished that
 * may touch the upload's clubs (importer-format.md, Order: per club of a vendor).
 */
export async function predecessorInCloud(ports: CloudPorts, upload: Upload): Promise<Upload | undefined> {
  const unregistered = await unregisteredPredecessor(ports, upload);
  if (unregistered) return unregistered;
  const entry = await ports.store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  return ports.store.predecessorOf(upload, entry?.clubsInFile);
}
