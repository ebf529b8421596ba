import { cloudPorts } from './commons/cloud-ports.js';
import { writeManifest, type ReconcileRun } from './commons/reconcile-run.js';
import { stepHandler } from './commons/step-handler.js';

/** Every club of the register, one JSON line each, for the clubs' Distributed Map to fan out over. */
export const handler = stepHandler(
  'reconcile-plan-clubs',
  async ({ runId }: ReconcileRun) => {
    const ports = await cloudPorts();
    const clubs = await ports.store.allClubs();
    const { manifest, items } = await writeManifest(
      ports.objects,
      runId,
      'clubs',
      clubs.map((club) => ({ club })),
    );
    return { manifest, clubs: items };
  },
  { metrics: false },
);
