import { correctedVerdicts, joinClubsReports, type ClubsReport } from '../shared/core/pipeline/reconcile.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { logger, metrics } from './commons/powertools.js';
import { reportPrefix, safeRunId, type ReconcileRun } from './commons/reconcile-run.js';
import { stepHandler } from './commons/step-handler.js';

/**
 * The night's report, `reports/reconciliation/<run>.json`: the uploads half and the clubs' parts joined. Drift
 * and verdicts the recheck corrected are metrics with alarms: either means a step went wrong somewhere.
 */
export const handler = stepHandler('reconcile-report', async ({ runId }: ReconcileRun) => {
  const ports = await cloudPorts();
  const prefix = reportPrefix(safeRunId(runId));
  const uploads = JSON.parse((await ports.objects.get(`${prefix}/uploads.json`)) ?? '{}') as unknown;
  const parts: ClubsReport[] = [];
  for (const key of await ports.uploads.keys(`${prefix}/parts/`)) {
    const text = await ports.objects.get(key);
    if (text !== undefined) parts.push(JSON.parse(text) as ClubsReport);
  }
  const clubs = joinClubsReports(parts);
  const key = `${prefix}.json`;
  await ports.objects.put(key, JSON.stringify({ runId, uploads, ...clubs }, null, 2));
  const corrected = correctedVerdicts(clubs);
  metrics.addMetric('ReconciliationDrift', 'Count', clubs.drift.length);
  metrics.addMetric('VerdictsCorrected', 'Count', corrected);
  metrics.addMetric('PeriodsClosed', 'Count', clubs.closedPeriods.length);
  logger.info('reconciliation report', { runId, drift: clubs.drift.length, corrected, closedPeriods: clubs.closedPeriods.length, parts: parts.length });
  return { report: key, drift: clubs.drift.length };
});
