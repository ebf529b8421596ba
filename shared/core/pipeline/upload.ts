import type { EntityCounts, ActivityCounts, ReceiptStatus } from '../receipt/receipt.js';

/**
 * One upload of one file by one vendor. `uploadId` is stable for the upload (the cloud derives it from bucket,
 * key and version; local mode from the file's place and time), so every step of it can be retried; `completedAt`
 * (ISO 8601, UTC) is when the upload completed and orders a vendor's files.
 */
export interface Upload {
  readonly vendor: string;
  readonly uploadId: string;
  /** The file's name as uploaded: the receipt is named after it. */
  readonly file: string;
  readonly completedAt: string;
}

/** The steps an upload has passed, in order; `done` once its receipt is written. */
export const UPLOAD_STAGES = ['queued', 'applied', 'judged', 'totalled', 'done'] as const;
export type UploadStage = (typeof UPLOAD_STAGES)[number];

export function stageReached(stage: UploadStage, wanted: UploadStage): boolean {
  return UPLOAD_STAGES.indexOf(stage) >= UPLOAD_STAGES.indexOf(wanted);
}

/** The file ledger's entry for an upload. */
export interface LedgerEntry extends Upload {
  readonly stage: UploadStage;
  readonly receivedAt: string;
  readonly sha256?: string;
  /** Once known: applied, partially_applied, rejected, duplicate, or failed (reconciliation gave up on it). */
  readonly status?: ReceiptStatus | 'failed';
  readonly finishedAt?: string;
  readonly clubs?: readonly string[];
  readonly counts?: { readonly persons: EntityCounts; readonly activities: ActivityCounts };
  readonly errors?: number;
  /**
   * The clubs the file names, known once its apply claims the bytes (before it writes anything): where a failure
   * may have left its records. `clubs` are those it was authorised for, once applied.
   */
  readonly clubsInFile?: readonly string[];
  /** The file's mode, once read: a full load of its clubs or a delta (lok-importer persons-not-in-load asks for a full one). */
  readonly mode?: 'delta' | 'full';
  /** Failed after some of its records may have been written: reconciliation re-judges what it touched. */
  readonly stale?: boolean;
}

/** The order of a vendor's uploads: completion time, then id. */
export function orderKeyOf(upload: Upload): string {
  return `${upload.completedAt}#${upload.uploadId}`;
}

/** Whether `a` comes before `b` in their vendor's order (`orderKeyOf`). */
export function isEarlier(a: Upload, b: Upload): boolean {
  return orderKeyOf(a) < orderKeyOf(b);
}

/** What the waiting rule reads of an upload: its place in the vendor's order, its stage and its clubs once known. */
export type Waiting = Upload & { readonly stage?: UploadStage; readonly clubsInFile?: readonly string[] };

/**
 * The waiting rule, its one home (importer-format.md, Order: per club of a vendor): `upload` waits for `candidate`
 * when the candidate is another upload of its vendor, not done, comes before it and may touch its clubs (an upload
 * whose clubs are not known yet, either of them, may touch any).
 */
export function mustWaitFor(
  upload: Upload & { readonly clubsInFile?: readonly string[] },
  candidate: Waiting,
): boolean {
  if (candidate.stage === 'done' || candidate.uploadId === upload.uploadId || !isEarlier(candidate, upload))
    return false;
  return (
    upload.clubsInFile === undefined ||
    candidate.clubsInFile === undefined ||
    candidate.clubsInFile.some((club) => upload.clubsInFile!.includes(club))
  );
}

/**
 * The uploads of `candidates` (the vendor's unfinished uploads, or those in its inbox) that `upload` must wait for
 * (`mustWaitFor`), the nearest first. The cloud's apply step walks them in this order through the inbox, for an
 * earlier upload whose event is late (functions/commons/turns.ts).
 */
export function blockersOf<T extends Waiting>(
  upload: Upload & { readonly clubsInFile?: readonly string[] },
  candidates: readonly T[],
): T[] {
  return candidates.filter((candidate) => mustWaitFor(upload, candidate)).sort((a, b) => (isEarlier(a, b) ? 1 : -1));
}

/**
 * The upload `upload` waits for before it is applied, its predecessor: the nearest of `candidates` it must wait for
 * (`blockersOf`); undefined when there is none. The apply step's rule (`RegisterStore.predecessorOf` answers it from
 * the ledger with a query per club), also used by `lok-importer status` to say what a file waits for. Each waiting
 * upload waits for its predecessor alone, which hands on to it when it ends (turns.ts).
 */
export function blockerOf<T extends Waiting>(
  upload: Upload & { readonly clubsInFile?: readonly string[] },
  candidates: readonly T[],
): T | undefined {
  return blockersOf(upload, candidates)[0];
}

/**
 * The suffix of the execution name under which the nightly reconciliation restarts a stuck upload on the night of
 * `today` (YYYY-MM-DD): `<upload id>-r<YYYYMMDD>`, one restart a night.
 */
export function restartSuffix(today: string): string {
  return `-r${today.replace(/-/g, '')}`;
}
