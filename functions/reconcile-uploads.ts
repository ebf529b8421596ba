import { SFNClient } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { s3FileSource } from '../shared/adapters/s3/s3-file-source.js';
import { StepFunctionsExecutions } from '../shared/adapters/step-functions/execution-lookup.js';
import { reconcileUploads } from '../shared/core/pipeline/reconcile.js';
import { archiveKey, restartSuffix } from '../shared/core/pipeline/upload.js';
import { cloudPorts, requiredEnv } from './commons/cloud-ports.js';
import { metrics } from './commons/powertools.js';
import { reportPrefix, safeRunId, type ReconcileRun } from './commons/reconcile-run.js';
import { startImport } from './commons/start-execution.js';
import { stepHandler } from './commons/step-handler.js';

const stateMachineArn = requiredEnv('IMPORT_STATE_MACHINE_ARN');
/** An upload unfinished this long after it was received is stuck (its execution has ended or given up). */
const STUCK_AFTER_MS = 2 * 60 * 60 * 1000;
const sfn = new SFNClient(process.env.SFN_ENDPOINT ? { endpoint: process.env.SFN_ENDPOINT } : {});
const executions = new StepFunctionsExecutions(sfn, stateMachineArn);

/**
 * The register's half of the nightly job, once: uploads that failed with records applied are re-judged, and
 * stuck uploads whose execution no longer runs get their workflow started again from the archive (a name per
 * night: one restart a night). An upload that cannot be reconciled tonight is counted (an alarm), not fatal.
 */
export const handler = stepHandler('reconcile-uploads', async ({ runId }: ReconcileRun) => {
  const ports = await cloudPorts();
  const clock = systemClock();
  const report = await reconcileUploads(ports, clock, {
    open: (entry) => s3FileSource(ports.uploads.client, { bucket: ports.bucket, key: archiveKey(entry), name: entry.file }),
    stuckAfterMs: STUCK_AFTER_MS,
    sleep: (ms) => sleep(ms),
    restart: async (entry) => {
      // Its own execution may still be working on it (a long apply, a wait for an earlier upload): left alone.
      if ((await executions.describe(entry.uploadId))?.status === 'RUNNING') return 'exists';
      const archived = await ports.uploads.head(archiveKey(entry));
      if (!archived) return 'missing';
      // From its inbox object while that is there (so that finishing removes it), else from the archive.
      const waiting = (await ports.uploads.inInbox(entry.vendor)).find((u) => u.uploadId === entry.uploadId);
      const { vendor, uploadId, file, completedAt } = entry;
      const source = waiting?.source ?? archived;
      return startImport(sfn, stateMachineArn, { vendor, uploadId, file, completedAt, bytes: archived.size ?? 0, source }, restartSuffix(clock.today));
    },
  });
  await ports.objects.put(`${reportPrefix(safeRunId(runId))}/uploads.json`, JSON.stringify(report, null, 2));
  metrics.addMetric('StuckUploadsRestarted', 'Count', report.restarted?.length ?? 0);
  metrics.addMetric('StaleUploadsRejudged', 'Count', report.rejudged.length);
  metrics.addMetric('ReconciliationUploadErrors', 'Count', report.errors.length);
  return { restarted: report.restarted?.length ?? 0, rejudged: report.rejudged.length };
});
