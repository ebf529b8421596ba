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
  /** Failed after some of its records were applied: reconciliation re-judges what it touched. */
  readonly stale?: boolean;
}

/** The order of a vendor's uploads: completion time, then id. */
export function orderKeyOf(upload: Upload): string {
  return `${upload.completedAt}#${upload.uploadId}`;
}

/** Where a completed upload waits until it is taken in: the vendor's inbox, under the file's name. */
export function inboxKey(upload: Pick<Upload, 'vendor' | 'file'>): string {
  return `inbox/${upload.vendor}/${upload.file}`;
}

/** Where a received file is kept (7 years in the cloud): reconciliation resumes a stuck upload from it. */
export function archiveKey(upload: Pick<Upload, 'vendor' | 'uploadId' | 'file'>): string {
  return `archive/${upload.vendor}/${upload.uploadId}/${upload.file}`;
}
