import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { DiskUploadFiles } from '../adapters/local-disk/disk-upload-files.js';
import { fileSource } from '../adapters/local-disk/file-source.js';
import type { PipelineClock, PipelinePorts } from '../core/pipeline/ports.js';
import { reconcileUploads } from '../core/pipeline/reconcile.js';
import { runImport, type RunResult } from '../core/pipeline/run-import.js';
import { processTurns } from '../core/pipeline/turns.js';
import { errorCount } from '../core/receipt/kept-errors.js';
import { archiveKey, folderPrefix, inboxKey } from '../core/storage/bucket-layout.js';
import { type Upload } from '../core/pipeline/upload.js';
import { TakenUploads } from './uploads-being-imported.js';

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
  /** Imports in flight at once, all vendors together (default LOCAL_IMPORTS_IN_FLIGHT). */
  readonly inFlight?: number;
}

/**
 * Imports local mode runs at once: beyond it they queue. Several, since a vendor's files of different clubs go
 * side by side (importer-format.md, Order) and most of an import's time is spent waiting on the register.
 */
export const LOCAL_IMPORTS_IN_FLIGHT = 4;

/**
 * Moves a registered upload's file from the inbox into the archive, once: an archive copy that is there already
 * (an earlier attempt moved it) is never replaced, since the inbox may by now hold a newer upload of that name.
 * Synchronous (one rename): reconciliation opens a file synchronously, and it finishes a move there.
 */
function moveIntoArchive(from: string, archived: string): void {
  if (existsSync(archived)) return;
  mkdirSync(dirname(archived), { recursive: true });
  renameSync(from, archived);
}

/**
 * A registered upload's archived file: where the run that registered it ended before the move, the file still
 * waits in the inbox under its name and is moved first; undefined when it is in neither place.
 */
function archivedFile(root: string, entry: Upload): string | undefined {
  const archived = join(root, archiveKey(entry));
  const waiting = join(root, inboxKey(entry));
  if (!existsSync(archived) && existsSync(waiting)) moveIntoArchive(waiting, archived);
  return existsSync(archived) ? archived : undefined;
}

/**
 * Local mode's runner: completed uploads enter the ledger one at a time per vendor, in the order they completed,
 * and are imported side by side (LOCAL_IMPORTS_IN_FLIGHT at once); each through `runImport`, the same steps and
 * retry policy as the cloud's state machine, so an upload waits for its turn only behind an earlier upload of the
 * same vendor that may touch its clubs (turns.ts). Its predecessor entered the ledger, and so took its place in
 * flight, before it: a waiting upload never holds a place its predecessor needs.
 * The register step enters the upload in the ledger and then moves the file into the archive, as the cloud
 * keeps it, so that a restart or reconciliation can resume it: a process killed at any moment leaves either a
 * file in the inbox (imported at the next start) or a ledger entry whose file is in the archive or still in the
 * inbox (resumed at the next start), never an archived file the ledger does not know. From the move to the end of
 * its import an upload is in `beingImported`, which the SFTP endpoint still shows in the vendor's inbox.
 */
export class UploadQueue {
  /**
   * Per vendor: resolves once its last enqueued upload is in the ledger (or has ended). A scheduling device, not a
   * second waiting rule: it enters a vendor's uploads in the ledger in the order they completed, so that the ledger
   * holds every earlier upload when the apply step asks whom this one waits for (`mustWaitFor`, upload.ts). In the
   * cloud, where events come in any order, the apply step's scan of the inbox does the same (functions/commons/turns.ts).
   */
  private readonly registered = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private readonly places: LimitFunction;
  /** Uploads moved out of the inbox whose import has not ended. */
  readonly beingImported = new TakenUploads();

  constructor(private readonly options: UploadQueueOptions) {
    this.places = pLimit(options.inFlight ?? LOCAL_IMPORTS_IN_FLIGHT);
  }

  enqueue(completed: CompletedUpload): void {
    const upload: Upload = {
      vendor: completed.vendor,
      file: completed.file,
      completedAt: completed.completedAt,
      uploadId: `${completed.completedAt.replace(/[^0-9]/g, '')}-${randomBytes(4).toString('hex')}`,
    };
    const previous = this.registered.get(upload.vendor) ?? Promise.resolve();
    let entered!: () => void;
    this.registered.set(
      upload.vendor,
      new Promise<void>((resolve) => {
        entered = resolve;
      }),
    );
    const run = previous.then(() => this.places(() => this.run(completed, upload, entered))).finally(entered);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /**
   * What an earlier run left, before new uploads are taken (so that none is taken twice): uploads in the ledger
   * and unfinished resume from the archive (or from the inbox, when the run ended between the ledger and the
   * move), then complete files still in an inbox are queued in the order they completed.
   */
  async resume(): Promise<void> {
    const { ports, root, log } = this.options;
    // Never fatal: an upload that cannot be resumed is logged (by id and code) and left to the nightly job, so that
    // no vendor's bad upload stops local mode from starting for every vendor (issue 15).
    try {
      const report = await reconcileUploads(ports, this.options.clock(), {
        open: (entry) => {
          const archived = archivedFile(root, entry);
          return archived === undefined ? undefined : fileSource(archived);
        },
        stuckAfterMs: 0,
        sleep: (ms) => sleep(ms),
      });
      if (report.resumed.length + report.failed.length + report.errors.length > 0) {
        log({ event: 'resumed-uploads', resumed: report.resumed, failed: report.failed, errors: report.errors });
      }
    } catch (error) {
      log({ event: 'resume-error', ...errorCode(error) });
    }
    for (const upload of await leftInInboxes(root, log)) this.enqueue(upload);
  }

  /** Resolves when every upload enqueued so far is done (and those they enqueue meanwhile). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async run(completed: CompletedUpload, upload: Upload, entered: () => void): Promise<void> {
    const { log } = this.options;
    const archived = join(this.options.root, archiveKey(upload));
    const started = Date.now();
    // Removed by the vendor while it waited for its turn (SFTP REMOVE, or renamed): nothing to import, and no error.
    if (!existsSync(completed.path)) {
      log({ event: 'upload-withdrawn', vendor: upload.vendor, uploadId: upload.uploadId, file: upload.file });
      return;
    }
    try {
      log({ event: 'upload-received', vendor: upload.vendor, uploadId: upload.uploadId, file: upload.file });
      const result = await runImport(this.options.ports, upload, () => fileSource(archived), this.options.clock(), {
        sleep: (ms) => sleep(ms),
        // An upload whose predecessor is unfinished (one an earlier run left) waits until it is handed on.
        turns: processTurns,
        onRegistered: async () => {
          moveIntoArchive(completed.path, archived);
          this.beingImported.add(upload.uploadId, { vendor: upload.vendor, file: upload.file, path: archived });
          entered();
        },
        onStep: (step) => log({ event: 'step', vendor: upload.vendor, uploadId: upload.uploadId, ...step }),
        onRecords: (records) =>
          log({ event: 'records-read', vendor: upload.vendor, uploadId: upload.uploadId, records }),
      });
      log({
        event: 'upload-done',
        vendor: upload.vendor,
        uploadId: upload.uploadId,
        file: upload.file,
        kind: result.kind,
        ...(result.kind !== 'blocked'
          ? {
              status: result.receipt.status,
              errors: errorCount(result.receipt),
              activities: result.receipt.activities.length,
              approved: result.receipt.counts.activities.approved,
              rejected: result.receipt.counts.activities.rejected,
            }
          : { waitingFor: result.waitingFor }),
        seconds: (Date.now() - started) / 1000,
      });
      this.options.onDone?.(upload, result);
    } catch (error) {
      // Never swallowed: logged with its name, and the nightly reconciliation finds the upload unfinished.
      // Name and code only: a message may carry the vendor's file name, which may carry personal data.
      log({ event: 'upload-error', vendor: upload.vendor, uploadId: upload.uploadId, ...errorCode(error) });
    } finally {
      this.beingImported.remove(upload.uploadId);
    }
  }
}

/** An error as the log may hold it: its name and code, never its message (which may carry a vendor's file name). */
function errorCode(error: unknown): { error: string; code: unknown } {
  return {
    error: error instanceof Error ? error.name : 'Error',
    code: (error as { code?: unknown } | undefined)?.code ?? null,
  };
}

/**
 * Complete files in the vendors' inboxes (`inbox/<vendor>/<file>`, as `DiskUploadFiles` lists them), oldest first.
 * A vendor's folder that cannot be listed is logged and passed over: the others' files are still imported.
 */
async function leftInInboxes(root: string, log: UploadQueueOptions['log']): Promise<CompletedUpload[]> {
  const inbox = join(root, folderPrefix('inbox'));
  if (!existsSync(inbox)) return [];
  const files = new DiskUploadFiles(root);
  const uploads: CompletedUpload[] = [];
  for (const folder of await readdir(inbox, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    try {
      for (const file of await files.inInbox(folder.name)) uploads.push({ ...file, path: join(root, inboxKey(file)) });
    } catch (error) {
      log({ event: 'resume-error', vendor: folder.name, ...errorCode(error) });
    }
  }
  return uploads.sort((a, b) => (a.completedAt < b.completedAt ? -1 : 1));
}
