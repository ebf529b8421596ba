import { createHash } from 'node:crypto';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { correctedVerdicts, reconcileClubs } from '../shared/core/pipeline/reconcile.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { clubPartsPrefix, type ReconcileRun } from './commons/reconcile-run.js';
import { stepHandler } from './commons/step-handler.js';

/** A batch of the Distributed Map: Step Functions' item batcher hands over `Items` and the `BatchInput`. */
export interface ClubsBatch {
  readonly Items: readonly { readonly club: string }[];
  readonly BatchInput: ReconcileRun;
}

/** The clubs' half of the nightly job for one batch of clubs: recent uploads rechecked, totals drift repaired, periods closed, counts. */
export const handler = stepHandler(
  'reconcile-clubs',
  async ({ Items, BatchInput }: ClubsBatch) => {
    const ports = await cloudPorts();
    const clubs = Items.map((item) => item.club);
    const report = await reconcileClubs(ports, systemClock(), clubs);
    const part = createHash('sha256').update(clubs.join('\n')).digest('hex').slice(0, 32);
    await ports.objects.put(`${clubPartsPrefix(BatchInput.runId)}${part}.json`, JSON.stringify(report));
    return { clubs: clubs.length, drift: report.drift.length, corrected: correctedVerdicts(report) };
  },
  { metrics: false },
);
