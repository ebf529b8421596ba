import type { ErrorCode } from '../errors/codes.js';
import type { FileError, RecordError } from '../errors/record-error.js';
import type { PeriodTotals } from '../rules/period-totals.js';
import type { ActivityVerdict } from '../rules/verdict.js';

export type ReceiptStatus = 'applied' | 'partially_applied' | 'rejected' | 'duplicate';

export interface EntityCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  refused: number;
}

export interface ActivityCounts extends EntityCounts {
  approved: number;
  rejected: number;
}

/**
 * The version of the receipt's format (and of the change reports'), first in every receipt: minor versions only
 * add fields, a major one may change or remove them (docs/importer-format.md, The receipt).
 */
export const RECEIPT_FORMAT_VERSION = '1.0';

/** Of which earlier upload a `duplicate` file is a byte-identical copy. */
export interface DuplicateOf {
  readonly file: string;
  readonly uploadId: string;
  readonly receivedAt: string;
}

/**
 * Where a receipt of the import (not `check`'s) says later verdict changes are reported: the change reports in the
 * vendor's outbox (verdict-changes.ts, `changeReportKey`), as the vendor sees them over SFTP. A literal, for the
 * receipt's schema names this one value; bucket-layout.test.ts checks it names the layout's outbox.
 */
export const LATER_CHANGES_AT = 'outbox/*.changes.json';

/** How a change report's name ends (`.changes.json`, `.changes.txt`), as `LATER_CHANGES_AT` says to vendors. */
export const CHANGE_REPORT_SUFFIX = '.changes';

/** The receipt of one file, as the format spec shapes it; `totals` is ours: the clubs' period figures. */
export interface Receipt {
  readonly formatVersion: typeof RECEIPT_FORMAT_VERSION;
  readonly file: string;
  readonly sha256: string;
  readonly vendor: string;
  readonly status: ReceiptStatus;
  readonly receivedAt: string;
  readonly completedAt: string;
  readonly counts: { readonly persons: EntityCounts; readonly activities: ActivityCounts };
  /** The file's errors by line, the first 10 000 at most (`RECEIPT_MAX_ERRORS`); `errorsTotal` and `errorsLeftOut` count the rest. */
  readonly errors: readonly (RecordError | FileError)[];
  /** Only when `errors` does not list them all: how many errors the file has, listed or not. */
  readonly errorsTotal?: number;
  /** Only when `errors` does not list them all: per code, how many errors are not listed. */
  readonly errorsLeftOut?: Readonly<Partial<Record<ErrorCode, number>>>;
  readonly activities: readonly ActivityVerdict[];
  /**
   * Per club and period of the file's activities: in a receipt of the import the club's register totals (every
   * vendor's activities, not this file's alone); in `check`'s, the file's own (it judges on an empty register).
   */
  readonly totals?: readonly PeriodTotals[];
  /** Status `duplicate`: the earlier upload of the same bytes. */
  readonly duplicateOf?: DuplicateOf;
  /** Receipts of the import: where verdicts changed after this receipt are reported (`LATER_CHANGES_AT`). */
  readonly laterChanges?: typeof LATER_CHANGES_AT;
}

/** A receipt of the import (which reports later changes), not of `check`. */
export function isImportReceipt(receipt: Receipt): boolean {
  return receipt.laterChanges !== undefined;
}

export function emptyCounts(): { persons: EntityCounts; activities: ActivityCounts } {
  return {
    persons: { created: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0 },
    activities: { created: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0, approved: 0, rejected: 0 },
  };
}
