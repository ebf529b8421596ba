import { randomBytes } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileSource } from '../adapters/local-disk/file-source.js';
import type { PipelineClock, PipelinePorts } from '../core/pipeline/ports.js';
import { runImport, type RunResult } from '../core/pipeline/run-import.js';
import { archiveKey, type Upload } from '../core/pipeline/upload.js';

export interface CompletedUpload {
  readonly vendor: string;
  readonly file: string;
  /** Where the completed file lies now (in the vendor's inbox). */
  readonly path: string;
  readonly completedAt: string;
}

export interface UploadQueueOptions {
  readonly ports: PipelinePorts;
  /** The object store's folder: the file moves from the inbox to `archive/<vendor>/<upload>/<file>`. */
  readonly root: string;
  readonly clock: () => PipelineClock;
  /** Structured events: ids, step names, codes; never contents. */
  readonly log: (event: Record<string, unknown>) => void;
  readonly onDone?: (upload: Upload, result: RunResult) => void;
}

/**
 * Local mode's runner: completed uploads are imported one at a time per vendor, in the order they completed,
 * vendors side by side; each through `runImport`, the same steps and retry policy as the cloud's state machine.
 * The file is first moved to the archive, as the cloud keeps it, so that reconciliation can resume it.
 */
export class UploadQueue {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly options: UploadQueueOptions) {}

  enqueue(completed: CompletedUpload): void {
    const upload: Upload = {
      vendor: completed.vendor, file: completed.file, completedAt: completed.completedAt,
      uploadId: `${completed.completedAt.replace(/[^0-9]/g, '')}-${randomBytes(4).toString('hex')}`,
    };
    const previous = this.chains.get(upload.vendor) ?? Promise.resolve();
    const next = previous.then(() => this.run(completed, upload));
    this.chains.set(upload.vendor, next);
  }

  /** Resolves when every upload enqueued so far is done. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.chains.values()];
      await Promise.all(pending);
      if ([...this.chains.values()].every((chain, i) => chain === pending[i])) return;
    }
  }

  private async run(completed: CompletedUpload, upload: Upload): Promise<void> {
    const { log } = this.options;
    const archived = join(this.options.root, archiveKey(upload));
    const started = Date.now();
    try {
      await mkdir(dirname(archived), { recursive: true });
      await rename(completed.path, archived);
      log({ event: 'upload-received', vendor: upload.vendor, uploadId: upload.uploadId });
      const result = await runImport(this.options.ports, upload, () => fileSource(archived), this.options.clock(), {
        sleep: (ms) => sleep(ms),
        onStep: (step) => log({ event: 'step', vendor: upload.vendor, uploadId: upload.uploadId, ...step }),
        onRecords: (records) => log({ event: 'records-read', vendor: upload.vendor, uploadId: upload.uploadId, records }),
      });
      log({
        event: 'upload-done', vendor: upload.vendor, uploadId: upload.uploadId, kind: result.kind,
        ...(result.kind !== 'blocked' ? { status: result.receipt.status, errors: result.receipt.errors.length, activities: result.receipt.activities.length } : { waitingFor: result.waitingFor }),
        seconds: (Date.now() - started) / 1000,
      });
      this.options.onDone?.(upload, result);
    } catch (error) {
      // Never swallowed: logged with its name, and the nightly reconciliation finds the upload unfinished.
      // Name and code only: a message may carry the vendor's file name, which may carry personal data.
      log({ event: 'upload-error', vendor: upload.vendor, uploadId: upload.uploadId, error: error instanceof Error ? error.name : 'Error', code: (error as { code?: unknown }).code ?? null });
    }
  }
}
