import type { PipelineClock, PipelinePorts } from './ports.js';
import type { LedgerEntry, Upload } from './upload.js';

/** The register step: the upload enters the file ledger (once, however often the event arrives). */
export async function registerUpload(
  ports: PipelinePorts,
  upload: Upload,
  clock: Pick<PipelineClock, 'now'>,
): Promise<LedgerEntry> {
  return ports.store.createUpload({ ...upload, stage: 'queued', receivedAt: clock.now() });
}
