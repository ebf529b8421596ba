import type { FileSource } from '../check/file-source.js';
import { isTransient, UploadBlocked } from '../errors/step-failures.js';
import { fileError } from '../errors/record-error.js';
import type { Receipt } from '../receipt/receipt.js';
import type { AmountsByYear } from '../rules/amounts.js';
import { applyFile } from './apply-file.js';
import { failedReceipt, finishUpload, receiptKey, writeReceipt } from './finish-upload.js';
import { RETRY_POLICY, retryDelayMs, type ImportStepName } from './import-steps.js';
import { judgeUpload } from './judge-upload.js';
import type { PipelineClock, PipelinePorts } from './ports.js';
import { registerUpload } from './register-upload.js';
import { totalUpload } from './total-upload.js';
import { handOn, processTurns, type Turns } from './turns.js';
import { stageReached, type LedgerEntry, type Upload } from './upload.js';

export interface RunOptions {
  readonly amounts?: AmountsByYear;
  /** Waits between attempts (tests pass one that does not wait). */
  readonly sleep: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Records read so far by the apply step (every 10 000, and at the end). */
  readonly onRecords?: (records: number) => void;
  /**
   * Runs in the register step, once the upload is in the ledger (again on each of its attempts: idempotent).
   * Local mode moves the file from the inbox into the archive here, so that no file is ever archived unknown to
   * the ledger.
   */
  readonly onRegistered?: () => Promise<void>;
  /**
   * How the upload waits while its predecessor (an earlier upload of the vendor) is unfinished: handed on by it
   * when it ends (turns.ts; local mode passes `processTurns`). Without it, a blocked upload returns `blocked` at once.
   */
  readonly turns?: Turns;
  /** Called as each step starts and ends (ids and codes only: never file contents). */
  readonly onStep?: (event: {
    readonly step: ImportStepName;
    readonly attempt: number;
    readonly outcome: 'start' | 'done' | 'retry' | 'blocked';
    readonly error?: string;
  }) => void;
}

export type RunResult =
  | { readonly kind: 'done'; readonly receipt: Receipt }
  | { readonly kind: 'blocked'; readonly waitingFor: string }
  | { readonly kind: 'failed'; readonly receipt: Receipt; readonly error: string };

/**
 * Runs a step with the retry policy of `import-steps.ts`: a transient failure (`isTransient`, the state machine's
 * classification too: step-failures.ts) is tried again after a delay, any other ends the upload at once.
 */
async function withRetries<T>(step: ImportStepName, options: RunOptions, work: () => Promise<T>): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    options.onStep?.({ step, attempt, outcome: 'start' });
    try {
      const result = await work();
      options.onStep?.({ step, attempt, outcome: 'done' });
      return result;
    } catch (error) {
      options.onStep?.({ step, attempt, outcome: 'retry', error: error instanceof Error ? error.name : 'Error' });
      if (!isTransient(error) || attempt >= RETRY_POLICY.maxAttempts) throw error;
      await options.sleep(retryDelayMs(RETRY_POLICY, attempt, random));
    }
  }
}

/** The apply step, and while the upload's predecessor is unfinished, a wait for its turn (or `UploadBlocked` without turns). */
async function applyInTurn(
  ports: PipelinePorts,
  upload: Upload,
  open: () => FileSource,
  clock: PipelineClock,
  options: RunOptions,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await withRetries('apply', options, async () => {
      const applied = await applyFile(ports, upload, open(), clock, options.onRecords);
      // Its clubs are known now: uploads waiting for it look again (those of other clubs need not wait any more).
      if (applied.opened) await handOnInTurn(ports, upload, options);
      return applied;
    });
    if (result.kind === 'applied') return;
    options.onStep?.({ step: 'apply', attempt, outcome: 'blocked' });
    if (!options.turns) throw new UploadBlocked(result.waitingFor.uploadId);
    await options.turns.wait(ports.store, upload, result.waitingFor);
  }
}

/**
 * Runs an upload through every step, each with the retry policy of `import-steps.ts`. The local runner and the
 * CLI use it; the cloud runs the same steps as states of a state machine.
 */
export async function runImport(
  ports: PipelinePorts,
  upload: Upload,
  open: () => FileSource,
  clock: PipelineClock,
  options: RunOptions,
): Promise<RunResult> {
  try {
    await withRetries('register', options, async () => {
      await registerUpload(ports, upload, clock);
      await options.onRegistered?.();
    });
    await applyInTurn(ports, upload, open, clock, options);
    await withRetries('judge', options, () => judgeUpload(ports, upload, clock, options.amounts));
    await withRetries('totals', options, () => totalUpload(ports, upload));
    const receipt = await withRetries('receipt', options, async () => {
      const written = await finishUpload(ports, upload, clock);
      await handOnInTurn(ports, upload, options);
      return written;
    });
    return { kind: 'done', receipt };
  } catch (error) {
    if (error instanceof UploadBlocked) return { kind: 'blocked', waitingFor: error.waitingFor };
    const receipt = await failUpload(ports, upload, clock);
    await handOnInTurn(ports, upload, options);
    return { kind: 'failed', receipt, error: error instanceof Error ? error.name : 'Error' };
  }
}

/** The upload ended: the upload waiting for it goes on (a token of another process is left to its own look again). */
async function handOnInTurn(ports: PipelinePorts, upload: Upload, options: RunOptions): Promise<void> {
  await handOn(ports.store, upload, (token) => (options.turns ?? processTurns).wake(token));
}

/**
 * Gives up on an upload: the ledger says `failed`, the vendor gets a receipt saying so (IMPORT_FAILED: send the
 * file again), and its claim on the bytes is released so that sending them again is not a `duplicate`. An upload
 * already done keeps its receipt: failing it again (the cloud's catch retried) changes nothing.
 */
export async function failUpload(
  ports: PipelinePorts,
  upload: Upload,
  clock: Pick<PipelineClock, 'now'>,
): Promise<Receipt> {
  const { store } = ports;
  const entry =
    (await store.upload(upload.vendor, upload.uploadId, upload.completedAt)) ??
    (await store.createUpload({ ...upload, stage: 'queued', receivedAt: clock.now() }));
  if (entry.stage === 'done') {
    const written = await ports.objects.get(receiptKey(upload));
    if (written !== undefined) return JSON.parse(written) as Receipt;
  }
  const receipt = failedReceipt(upload, entry, fileError('IMPORT_FAILED', 0), clock.now());
  await writeReceipt(ports, upload, receipt);
  if (entry.sha256) await store.releaseFile(upload.vendor, entry.sha256, upload.uploadId);
  // Records may already be written (the apply step claimed the bytes, or got through) and not judged:
  // reconciliation re-judges what the upload wrote.
  const stale = entry.sha256 !== undefined && !stageReached(entry.stage, 'judged');
  const failed: LedgerEntry = {
    ...entry,
    stage: 'done',
    status: 'failed',
    finishedAt: receipt.completedAt,
    errors: 1,
    ...(stale ? { stale } : {}),
  };
  // The clubs' view shows the failure too, where the file got far enough to know its clubs.
  await Promise.all((entry.clubs ?? []).map((club) => store.putClubUpload(club, failed)));
  await store.putUpload(failed);
  return receipt;
}
