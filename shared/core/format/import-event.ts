import type { FileError, RecordError } from '../errors/record-error.js';
import type { ActivityRecord, DeleteRecord, ImportHeader, PersonRecord } from './records.js';

/** What reading a file yields, in file order. A `rejected` event is always the last one. */
export type ImportEvent =
  | { readonly kind: 'header'; readonly header: ImportHeader; readonly line: number }
  | { readonly kind: 'club'; readonly club: string; readonly line: number }
  | { readonly kind: 'person'; readonly record: PersonRecord }
  | { readonly kind: 'delete-person'; readonly record: DeleteRecord }
  | { readonly kind: 'activity'; readonly record: ActivityRecord }
  | { readonly kind: 'delete-activity'; readonly record: DeleteRecord }
  /** A record refused with every reason; `id` is absent when the record had none. */
  | {
      readonly kind: 'refused';
      readonly entity: 'person' | 'activity';
      readonly club: string;
      readonly id?: string;
      readonly line: number;
      readonly errors: readonly RecordError[];
    }
  /** An error outside any record (an unknown element between records, a Club without id). */
  | { readonly kind: 'error'; readonly error: RecordError }
  | { readonly kind: 'rejected'; readonly error: FileError };
