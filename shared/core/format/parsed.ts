import type { RecordError } from '../errors/record-error.js';

/** A record element read into its typed record, or every reason it is refused. */
export type Parsed<T> =
  { readonly ok: true; readonly record: T } | { readonly ok: false; readonly errors: readonly RecordError[] };
