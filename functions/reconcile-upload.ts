import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { s3FileSource } from '../shared/adapters/s3/s3-file-source.js';
import { StepFunctionsExecutions } from '../shared/adapters/step-functions/execution-lookup.js';
import { reconcileListedUpload } from '../shared/core/pipeline/reconcile.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import { restartSuffix } from '../shared/core/pipeline/upload.js';
import { executionsFor } from '../shared/core/queries/upload-status.js';
import { cloudPorts, type CloudPorts } from './commons/cloud-ports.js';
import { sfn } from './commons/clients.js';
import { ENV, requiredEnv } from './commons/environment.js';
import { putUploadResult, type UploadItem } from './commons/reconcile-run.js';
import { startImport } from './commons/start-execution.js';
import { stepHandler } from './commons/step-handler.js';
import type { PipelineClock } from '../shared/core/pipeline/ports.js';
import type { LedgerEntry } from '../shared/core/pipeline/upload.js';

const stateMachineArn = requiredEnv(ENV.importStateMachineArn);
/** An upload unfinished this long after it was received is stuck (its execution has ended or given up). */
const STUCK_AFTER_MS = 2 * 60 * 60 * 1000;
const executions = new StepFunctionsExecutions(sfn(), stateMachineArn);

/**
 * A stuck upload's workflow started again (a name per night: one restart a night), unless its own execution is
 * still working on it (a long apply, a wait for an earlier upload) or its archived copy is gone.
 */
async function restart(
  ports: CloudPorts,
  clock: PipelineClock,
  entry: LedgerEntry,
): Promise<'started' | 'exists' | 'missing'> {
  // Its own execution, or an earlier night's restart, may still be working on it (a long apply, a wait for its
  // turn): left alone.
  const runs = await executionsFor(executions, entry, entry, clock);
  if (runs.original?.status === 'RUNNING' || runs.restart?.status === 'RUNNING') return 'exists';
  const archived = await ports.uploads.head(archiveKey(entry));
  if (!archived) return 'missing';
  // From its inbox object while that is there (so that finishing removes it), else from the archive.
  const waiting = (await ports.uploads.inInbox(entry.vendor)).find((u) => u.uploadId === entry.uploadId);
  const { vendor, uploadId, file, completedAt } = entry;
  const source = waiting?.source ?? archived;
  return startImport(
    sfn(),
    stateMachineArn,
    { vendor, uploadId, file, completedAt, bytes: archived.size ?? 0, source },
    restartSuffix(clock.today),
  );
}

/**
 * One item of the uploads' Distributed Map: the upload's ledger entry read again; if it failed with records
 * applied, its changes are re-judged; if it is stuck and its execution no longer runs, its workflow is started
 * again from the archive. Its result is kept for the night's report. An error fails the item only: the state
 * machine's catch records it (`reconcile-upload-failed`) and the other uploads go on.
 */
export const handler = stepHandler(
  'reconcile-upload',
  async ({ runId, upload }: UploadItem) => {
    const ports = await cloudPorts();
    const clock = systemClock();
    const outcome = await reconcileListedUpload(
      ports,
      clock,
      {
        open: (entry) =>
          s3FileSource(ports.uploads.client, { bucket: ports.bucket, key: archiveKey(entry), name: entry.file }),
        stuckAfterMs: STUCK_AFTER_MS,
        sleep: (ms) => sleep(ms),
        restart: (entry) => restart(ports, clock, entry),
      },
      upload,
    );
    await putUploadResult(ports.objects, runId, { uploadId: upload.uploadId, outcome });
    return { outcome };
  },
  { metrics: false },
);
