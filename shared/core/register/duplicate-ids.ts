import { recordError, type RecordError } from '../errors/record-error.js';
import { recordKey } from '../format/records.js';

interface Identified {
  readonly club: string;
  readonly id: string;
  readonly line: number;
}

/**
 * Record ids given more than once for the same club in one file (a Person and a DeletePerson of one id count
 * too). Every occurrence is refused: which one was meant cannot be known, and picking the first or the last
 * would make the outcome depend on the order of the file.
 */
export function findDuplicateIds(records: readonly Identified[]): {
  duplicates: ReadonlySet<string>;
  errors: RecordError[];
} {
  const seen = new Map<string, number>();
  for (const r of records) {
    const key = recordKey(r);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const duplicates = new Set([...seen].filter(([, n]) => n > 1).map(([key]) => key));
  const errors = records
    .filter((r) => duplicates.has(recordKey(r)))
    .map((r) => recordError('DUPLICATE_RECORD_ID', r.line, { club: r.club, record: r.id }));
  return { duplicates, errors };
}

/** How many of the other ids an error names: a file can give one person thousands of ids, and each gets an error. */
const OTHER_IDS_NAMED = 3;

/** The ids in `ids` (distinct, `self` among them) other than `self`, the first few named and the rest counted. */
export function otherIds(ids: readonly string[], self: string): string {
  const named: string[] = [];
  for (let i = 0; i < ids.length && named.length < OTHER_IDS_NAMED; i++) if (ids[i] !== self) named.push(ids[i]!);
  const more = ids.length - 1 - named.length;
  return more > 0 ? `${named.join(', ')} (+${more})` : named.join(', ');
}
