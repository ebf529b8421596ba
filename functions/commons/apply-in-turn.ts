import { systemClock } from '../../shared/adapters/clock/system-clock.js';
import { s3FileSource } from '../../shared/adapters/s3/s3-file-source.js';
import type { FileSource } from '../../shared/core/check/file-source.js';
import type { PipelineClock } from '../../shared/core/pipeline/ports.js';
import { archiveKey } from '../../shared/core/storage/bucket-layout.js';
import { type Upload } from '../../shared/core/pipeline/upload.js';
import { openUploadFigures } from '../../shared/core/queries/upload-status.js';
import { cloudPorts, type CloudPorts } from './cloud-ports.js';
import { publishOpenUploads } from './open-upload-metrics.js';
import { logger, metrics } from './powertools.js';
import { UploadBlocked } from '../../shared/core/errors/step-failures.js';
import { handOnTurn, unregisteredPredecessor } from './turns.js';
import { pipelineUpload, type WorkflowUpload } from './workflow-input.js';

/** What a step that reads the archived file needs: the ports, the upload, the file and a progress callback. */
export interface ReadContext {
  readonly ports: CloudPorts;
  readonly upload: Upload;
  readonly source: FileSource;
  readonly clock: PipelineClock;
  readonly onRecords: (records: number) => void;
}

/**
 * The part of Apply (and of ApplyRead, a large file's first state) that takes turns: the vendor's open uploads
 * measured, an earlier upload whose event is late started and waited for, the file read by `read`; once its clubs
 * are known, uploads waiting for it look again; while an earlier upload of its clubs is unfinished it is blocked
 * (the execution waits in WaitForTurn). Upload events arrive out of order: the completion time decides, then
 * the upload id, as the ledger orders them.
 */
export async function readInTurn<
  R extends { readonly kind: string; readonly opened: boolean; readonly waitingFor?: Upload },
>(
  workflowUpload: WorkflowUpload,
  read: (context: ReadContext) => Promise<R>,
): Promise<{
  readonly result: Exclude<R, { kind: 'blocked' }>;
  readonly ports: CloudPorts;
  readonly records: number;
  readonly seconds: number;
}> {
  const ports = await cloudPorts();
  const inbox = await ports.uploads.inInbox(workflowUpload.vendor);
  // The vendor's open uploads, from the listing made anyway: every upload stays in the inbox until done or failed
  // (this one too). Emitted on every attempt, so a vendor's queue is measured while it waits.
  publishOpenUploads(openUploadFigures([], inbox, new Date().toISOString()));
  const unregistered = await unregisteredPredecessor(ports, workflowUpload, inbox);
  if (unregistered) throw new UploadBlocked(unregistered.uploadId);
  const started = Date.now();
  let records = 0;
  const upload = pipelineUpload(workflowUpload);
  const source = s3FileSource(ports.uploads.client, {
    bucket: ports.bucket,
    key: archiveKey(workflowUpload),
    name: workflowUpload.file,
  });
  const result = await read({
    ports,
    upload,
    source,
    clock: systemClock(),
    onRecords: (read) => {
      records = read;
      if (read % 50_000 === 0) logger.info('records read', { uploadId: upload.uploadId, records: read });
    },
  });
  // Its clubs are known now: uploads waiting for it look again (those of other clubs need not wait any more).
  if (result.opened) await handOnTurn(ports, workflowUpload);
  if (result.kind === 'blocked') throw new UploadBlocked(result.waitingFor!.uploadId);
  return { result: result as Exclude<R, { kind: 'blocked' }>, ports, records, seconds: (Date.now() - started) / 1000 };
}

/** The apply step's figures: the file's outcome and, when it was read here, the records read and their rate. */
export function applyMetrics(
  vendor: string,
  status: string,
  read?: { readonly records: number; readonly seconds: number },
): void {
  metrics.addDimension('vendor', vendor);
  metrics.addMetric(
    status === 'rejected' ? 'FilesRejected' : status === 'duplicate' ? 'FilesDuplicate' : 'FilesApplied',
    'Count',
    1,
  );
  if (!read) return;
  metrics.addMetric('RecordsApplied', 'Count', read.records);
  if (read.seconds > 0) metrics.addMetric('RecordsPerSecond', 'Count/Second', read.records / read.seconds);
}
