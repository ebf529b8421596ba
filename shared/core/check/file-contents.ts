import type { FileError, RecordError } from '../errors/record-error.js';
import { walkEvents, type ImportEvent } from '../format/import-event.js';
import type { ActivityRecord, DeleteRecord, ImportHeader, PersonRecord } from '../format/records.js';

/** Everything a well-formed file holds, gathered from the reader's events; nothing is used before the end. */
export interface FileContents {
  readonly header: ImportHeader;
  /** The clubs of the file, each with the line of its Club element. */
  readonly clubs: readonly { readonly club: string; readonly line: number }[];
  readonly persons: readonly PersonRecord[];
  readonly activities: readonly ActivityRecord[];
  readonly deletedPersons: readonly DeleteRecord[];
  readonly deletedActivities: readonly DeleteRecord[];
  /** Refused records: entity, club and id (when it had one), with their errors. */
  readonly refused: readonly {
    readonly entity: 'person' | 'activity';
    readonly club: string;
    readonly id?: string;
    readonly line: number;
    readonly errors: readonly RecordError[];
  }[];
  readonly errors: readonly RecordError[];
}

export type GatherResult =
  | { readonly ok: true; readonly contents: FileContents }
  | { readonly ok: false; readonly error: FileError; readonly vendor?: string };

/** Gathers a whole file; a `rejected` event anywhere discards everything read before it. */
export async function gatherFile(
  batches: AsyncIterable<readonly ImportEvent[]>,
  onRecord?: (records: number) => void,
): Promise<GatherResult> {
  const clubs: { club: string; line: number }[] = [];
  const persons: PersonRecord[] = [];
  const activities: ActivityRecord[] = [];
  const deletedPersons: DeleteRecord[] = [];
  const deletedActivities: DeleteRecord[] = [];
  const refused: FileContents['refused'][number][] = [];
  const errors: RecordError[] = [];
  let records = 0;
  const end = await walkEvents(batches, (event) => {
    switch (event.kind) {
      case 'club':
        clubs.push({ club: event.club, line: event.line });
        break;
      case 'person':
        persons.push(event.record);
        break;
      case 'activity':
        activities.push(event.record);
        break;
      case 'delete-person':
        deletedPersons.push(event.record);
        break;
      case 'delete-activity':
        deletedActivities.push(event.record);
        break;
      case 'refused':
        refused.push(event);
        break;
      case 'error':
        errors.push(event.error);
        break;
    }
    if (event.kind !== 'club' && ++records % 10_000 === 0) onRecord?.(records);
  });
  if (!end.ok) return end;
  onRecord?.(records);
  return {
    ok: true,
    contents: { header: end.header, clubs, persons, activities, deletedPersons, deletedActivities, refused, errors },
  };
}
