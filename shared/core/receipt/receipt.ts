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

/** The receipt of one file, as the format spec shapes it; `totals` is ours: the clubs' period figures. */
export interface Receipt {
  readonly file: string;
  readonly sha256: string;
  readonly vendor: string;
  readonly status: ReceiptStatus;
  readonly receivedAt: string;
  readonly completedAt: string;
  readonly counts: { readonly persons: EntityCounts; readonly activities: ActivityCounts };
  readonly errors: readonly (RecordError | FileError)[];
  readonly activities: readonly ActivityVerdict[];
  readonly totals?: readonly PeriodTotals[];
}

export function emptyCounts(): { persons: EntityCounts; activities: ActivityCounts } {
  return {
    persons: { created: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0 },
    activities: { created: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0, approved: 0, rejected: 0 },
  };
}
