import { cloudPorts } from './commons/cloud-ports.js';
import { reportPrefix, safeRunId, type ReconcileRun } from './commons/reconcile-run.js';
import { stepHandler } from './commons/step-handler.js';

/** Every club of the register, one JSON line each, for the Distributed Map to fan out over. */
export const handler = stepHandler('reconcile-plan', async ({ runId }: ReconcileRun) => {
  const ports = await cloudPorts();
  const clubs = await ports.store.allClubs();
  const manifest = `${reportPrefix(safeRunId(runId))}/clubs.jsonl`;
  await ports.objects.put(manifest, clubs.map((club) => `${JSON.stringify({ club })}\n`).join(''));
  return { manifest, clubs: clubs.length };
}, { metrics: false });
