import type { FileContents } from '../check/file-contents.js';
import type { RecordError } from '../errors/record-error.js';
import type { EntityCounts } from '../receipt/receipt.js';
import { findDuplicateIds } from './duplicate-ids.js';

/** Where errors go: a list, or the receipt's bounded `KeptErrors` (no list of its own grows beside it). */
export interface ErrorSink {
  push(error: RecordError): void;
}

/**
 * What a file refuses before the register is asked: records the reader refused, and ids given twice for a club
 * (persons and activities, deletes and refused records included). Their errors and counts are added; the
 * duplicate keys come back, with the refused records' ids.
 */
export function fileRefusals(
  file: FileContents,
  errors: ErrorSink,
  counts: { persons: EntityCounts; activities: EntityCounts },
) {
  const refusedIds = (entity: 'person' | 'activity') =>
    file.refused
      .filter((r) => r.entity === entity && r.id !== undefined)
      .map((r) => ({ club: r.club, id: r.id!, line: r.line }));
  for (const r of file.refused) {
    for (const error of r.errors) errors.push(error); // not push(...list): a long list overflows the stack
    counts[r.entity === 'person' ? 'persons' : 'activities'].refused++;
  }
  const refusedPersons = refusedIds('person');
  const refusedActivities = refusedIds('activity');
  const personIds = findDuplicateIds([...file.persons, ...file.deletedPersons, ...refusedPersons]);
  const activityIds = findDuplicateIds([...file.activities, ...file.deletedActivities, ...refusedActivities]);
  for (const error of [...personIds.errors, ...activityIds.errors]) errors.push(error);
  return {
    personDuplicates: personIds.duplicates,
    activityDuplicates: activityIds.duplicates,
    refusedPersons,
    refusedActivities,
  };
}
