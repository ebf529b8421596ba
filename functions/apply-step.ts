import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { s3FileSource } from '../shared/adapters/s3/s3-file-source.js';
import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { archiveKey } from '../shared/core/pipeline/upload.js';
import { openUploadFigures } from '../shared/core/queries/upload-status.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { publishOpenUploads } from './commons/open-upload-metrics.js';
import { logger, metrics } from './commons/powertools.js';
import { UploadBlocked } from './commons/step-errors.js';
import { stepHandler } from './commons/step-handler.js';
import { handOnTurn, unregisteredPredecessor } from './commons/turns.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/**
 * Apply: the archived file is read, validated and applied as deltas. While an earlier upload of the vendor that
 * may touch its clubs is unfinished (`unregisteredPredecessor`, then `applyFile`'s look in the ledger) it is
 * blocked: the execution waits in WaitForTurn until that upload hands on (upload events arrive out of order, the
 * completion time decides, then the upload id, as the ledger orders them: S3 keeps times to the second, and two
 * files sent within one second must still have one order).
 */
export const handler = stepHandler('apply', async ({ upload }: StepInput) => {
  const ports = await cloudPorts();
  const inbox = await ports.uploads.inInbox(upload.vendor);
  // The vendor's open uploads, from the listing made anyway: every upload stays in the inbox until done or failed
  // (this one too). Emitted on every attempt, so a vendor's queue is measured while it waits.
  publishOpenUploads(openUploadFigures([], inbox, new Date().toISOString()));
  const unregistered = await unregisteredPredecessor(ports, upload, inbox);
  if (unregistered) throw new UploadBlocked(`waiting for ${unregistered.uploadId}`);
  const started = Date.now();
  let records = 0;
  const source = s3FileSource(ports.uploads.client, { bucket: ports.bucket, key: archiveKey(upload), name: upload.file });
  const result = await applyFile(ports, pipelineUpload(upload), source, systemClock(), (read) => {
    records = read;
    if (read % 50_000 === 0) logger.info('records read', { uploadId: upload.uploadId, records: read });
  });
  // Its clubs are known now: uploads waiting for it look again (those of other clubs need not wait any more).
  if (result.opened) await handOnTurn(ports, upload);
  if (result.kind === 'blocked') throw new UploadBlocked(`waiting for ${result.waitingFor.uploadId}`);
  const { staged } = result;
  const seconds = (Date.now() - started) / 1000;
  metrics.addDimension('vendor', upload.vendor);
  metrics.addMetric(staged.status === 'rejected' ? 'FilesRejected' : staged.status === 'duplicate' ? 'FilesDuplicate' : 'FilesApplied', 'Count', 1);
  metrics.addMetric('RecordsApplied', 'Count', records);
  if (seconds > 0) metrics.addMetric('RecordsPerSecond', 'Count/Second', records / seconds);
  return { status: staged.status, errors: staged.errors.length };
});
