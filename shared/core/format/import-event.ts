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

/** An event of the file's body: neither its header nor its rejection. */
export type BodyEvent = Exclude<ImportEvent, { readonly kind: 'header' | 'rejected' }>;

/** What a whole file's events come to: rejected (with the vendor when the header was read first), or its header. */
export type EventsEnd =
  | { readonly ok: false; readonly error: FileError; readonly vendor?: string }
  | { readonly ok: true; readonly header: ImportHeader };

/**
 * Reads a file's events to their end: keeps the header, hands every body event to `onEvent` and calls
 * `afterBatch` after each batch; a rejection ends it (nothing after it is read).
 */
export async function walkEvents(
  batches: AsyncIterable<readonly ImportEvent[]>,
  onEvent: (event: BodyEvent) => void,
  afterBatch?: () => Promise<void>,
): Promise<EventsEnd> {
  let header: ImportHeader | undefined;
  for await (const batch of batches) {
    for (const event of batch) {
      if (event.kind === 'header') header = event.header;
      else if (event.kind === 'rejected')
        return { ok: false, error: event.error, ...(header ? { vendor: header.vendor } : {}) };
      else onEvent(event);
    }
    await afterBatch?.();
  }
  if (!header) throw new Error('reader ended without a header or a rejection');
  return { ok: true, header };
}
