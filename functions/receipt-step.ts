import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { finishUpload } from '../shared/core/pipeline/finish-upload.js';
import { errorCount } from '../shared/core/receipt/kept-errors.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { metrics } from './commons/powertools.js';
import { stepHandler } from './commons/step-handler.js';
import { handOnTurn } from './commons/turns.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/** Receipt: written to the vendor's outbox; the ledger entry is done. Upload-to-receipt latency is measured here. */
export const handler = stepHandler('receipt', async ({ upload }: StepInput) => {
  const ports = await cloudPorts();
  const receipt = await finishUpload(ports, pipelineUpload(upload), systemClock());
  // Done: out of the inbox (the next upload of the vendor may go on), after the receipt and the ledger say so.
  await ports.uploads.removeFromInbox(upload);
  // Then the next upload of the vendor, waiting in WaitForTurn for this one, goes on.
  await handOnTurn(ports, upload);
  // Latency once without the vendor (the dashboard's p50/p95 over every upload: percentiles do not add up over
  // vendors) and once per vendor (to find a slow vendor).
  const seconds = Math.max(0, (Date.parse(receipt.completedAt) - Date.parse(upload.completedAt)) / 1000);
  metrics.singleMetric().addMetric('UploadToReceiptSeconds', 'Seconds', seconds);
  metrics.addDimension('vendor', upload.vendor);
  metrics.addMetric('UploadToReceiptSeconds', 'Seconds', seconds);
  const rejected = new Map<string, number>();
  for (const activity of receipt.activities) {
    if (activity.verdict !== 'rejected') continue;
    for (const code of activity.reasons) rejected.set(code, (rejected.get(code) ?? 0) + 1);
  }
  metrics.addMetric('ActivitiesApproved', 'Count', receipt.counts.activities.approved);
  metrics.addMetric('ActivitiesRejected', 'Count', receipt.counts.activities.rejected);
  // By reason without the vendor: one series per rule code, whatever the number of vendors.
  for (const [code, count] of rejected) {
    const byReason = metrics.singleMetric();
    byReason.addDimension('reason', code);
    byReason.addMetric('ActivitiesRejectedByReason', 'Count', count);
  }
  return { status: receipt.status, errors: errorCount(receipt) };
});
