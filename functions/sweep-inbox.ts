import { openUploadFigures } from '../shared/core/queries/upload-status.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { sfn } from './commons/clients.js';
import { ENV, requiredEnv } from './commons/environment.js';
import { publishOpenUploads } from './commons/open-upload-metrics.js';
import { logger, metrics } from './commons/powertools.js';
import { startImport } from './commons/start-execution.js';
import { stepHandler } from './commons/step-handler.js';

const stateMachineArn = requiredEnv(ENV.importStateMachineArn);
/** An upload younger than this may still have its own event on the way. */
const SETTLED_MS = 10 * 60 * 1000;

/**
 * The nightly sweep: upload events are best-effort, so completed uploads still in an inbox are started now,
 * oldest first (the names make a start that did happen a no-op). An object Transfer Family did not mark
 * completed (a dropped session's leftover) is never imported.
 */
export const handler = stepHandler('sweep', async () => {
  const { uploads, store } = await cloudPorts();
  const now = Date.now();
  let started = 0;
  let partial = 0;
  const inbox = await uploads.inInbox();
  // Every vendor's open uploads once a night, also a vendor that sends nothing more (the apply step measures only
  // the vendor it runs for): the inboxes and the ledger's open uploads (one index query), before any is started.
  publishOpenUploads(openUploadFigures(await store.allUnfinishedUploads(), inbox, new Date(now).toISOString()));
  for (const upload of inbox) {
    if (now - Date.parse(upload.completedAt) < SETTLED_MS) continue;
    if (!(await uploads.isCompleted(upload.source))) {
      partial++;
      continue;
    }
    if ((await startImport(sfn(), stateMachineArn, { ...upload, bytes: upload.source.size ?? 0 })) === 'started') {
      started++;
      logger.info('swept upload started', { vendor: upload.vendor, uploadId: upload.uploadId });
    }
  }
  metrics.addMetric('SweptUploadsStarted', 'Count', started);
  metrics.addMetric('PartialUploadsInInbox', 'Count', partial);
  return { started, partial };
});
