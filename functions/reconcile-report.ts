import {
  correctedVerdicts,
  joinClubsReports,
  uploadsReportOf,
  type ClubsReport,
  type UploadResult,
} from '../shared/core/pipeline/reconcile.js';
import { inParallel } from '../shared/core/pipeline/in-parallel.js';
import { cloudPorts, type CloudPorts } from './commons/cloud-ports.js';
import { logger, metrics } from './commons/powertools.js';
import type { PurgeReport } from '../shared/core/privacy/retention.js';
import {
  clubPartsPrefix,
  purgePartKey,
  reportPrefix,
  uploadResultsPrefix,
  type ReconcileRun,
} from './commons/reconcile-run.js';
import { stepHandler } from './commons/step-handler.js';

/** Parts read at once. */
const READS_IN_PARALLEL = 16;

/** Every part a run's fanned-out items wrote under `prefix`, in key order. */
async function partsUnder<T>(ports: CloudPorts, prefix: string): Promise<T[]> {
  const texts = await inParallel(await ports.uploads.keys(prefix), READS_IN_PARALLEL, (key) => ports.objects.get(key));
  return texts.filter((text): text is string => text !== undefined).map((text) => JSON.parse(text) as T);
}

/**
 * The night's report, `reports/reconciliation/<run>.json`: the uploads' results (one per upload, an error's name
 * where one could not be reconciled), the clubs' parts and the retention purge's (`purged`), joined. Stuck, stale and unreconciled uploads, drift
 * and verdicts the recheck corrected are metrics with alarms: each means a step went wrong somewhere.
 */
export const handler = stepHandler('reconcile-report', async ({ runId }: ReconcileRun) => {
  const ports = await cloudPorts();
  const uploads = uploadsReportOf(await partsUnder<UploadResult>(ports, uploadResultsPrefix(runId)), true);
  const parts = await partsUnder<ClubsReport>(ports, clubPartsPrefix(runId));
  const clubs = joinClubsReports(parts);
  const purgeText = await ports.objects.get(purgePartKey(runId));
  const purged = purgeText === undefined ? undefined : (JSON.parse(purgeText) as PurgeReport);
  const key = `${reportPrefix(runId)}.json`;
  await ports.objects.put(key, JSON.stringify({ runId, uploads, ...clubs, ...(purged ? { purged } : {}) }, null, 2));
  const corrected = correctedVerdicts(clubs);
  metrics.addMetric('StuckUploadsRestarted', 'Count', uploads.restarted?.length ?? 0);
  metrics.addMetric('StaleUploadsRejudged', 'Count', uploads.rejudged.length);
  metrics.addMetric('ReconciliationUploadErrors', 'Count', uploads.errors.length);
  metrics.addMetric('ReconciliationClubErrors', 'Count', clubs.clubErrors.length);
  metrics.addMetric('ReconciliationDrift', 'Count', clubs.drift.length);
  metrics.addMetric('VerdictsCorrected', 'Count', corrected);
  metrics.addMetric('PeriodsClosed', 'Count', clubs.closedPeriods.length);
  metrics.addMetric('PeriodsPurged', 'Count', purged?.periods.length ?? 0);
  metrics.addMetric('PersonsPurged', 'Count', purged?.persons ?? 0);
  logger.info('reconciliation report', {
    runId,
    restarted: uploads.restarted?.length ?? 0,
    rejudged: uploads.rejudged.length,
    uploadErrors: uploads.errors.length,
    clubErrors: clubs.clubErrors.length,
    drift: clubs.drift.length,
    corrected,
    closedPeriods: clubs.closedPeriods.length,
    parts: parts.length,
    periodsPurged: purged?.periods.length ?? 0,
    personsPurged: purged?.persons ?? 0,
  });
  return {
    report: key,
    drift: clubs.drift.length,
    uploadErrors: uploads.errors.length,
    clubErrors: clubs.clubErrors.length,
  };
});
