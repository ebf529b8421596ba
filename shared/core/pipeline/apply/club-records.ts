import type { FileContents } from '../../check/file-contents.js';
import { recordKey, type ActivityRecord, type PersonRecord } from '../../format/records.js';
import type { emptyCounts } from '../../receipt/receipt.js';
import { fileRefusals, type ErrorSink } from '../../register/file-refusals.js';

/** The file's records for one club, once duplicates are taken out. */
export interface ClubRecords {
  readonly club: string;
  readonly line: number;
  readonly persons: PersonRecord[];
  readonly activities: ActivityRecord[];
  readonly deletedPersons: { id: string; line: number }[];
  readonly deletedActivities: { id: string; line: number }[];
  /** Ids sent but refused (by the reader or as duplicates): a full file does not remove them. */
  readonly refusedPersonIds: Set<string>;
  readonly refusedActivityIds: Set<string>;
}

/** Splits the gathered file per club, refusing ids given twice (every occurrence: which one was meant is unknown). */
export function recordsPerClub(
  file: FileContents,
  errors: ErrorSink,
  counts: ReturnType<typeof emptyCounts>,
): Map<string, ClubRecords> {
  const { personDuplicates, activityDuplicates, refusedPersons, refusedActivities } = fileRefusals(
    file,
    errors,
    counts,
  );
  const clubs = new Map<string, ClubRecords>();
  for (const { club, line } of file.clubs) {
    if (!clubs.has(club))
      clubs.set(club, {
        club,
        line,
        persons: [],
        activities: [],
        deletedPersons: [],
        deletedActivities: [],
        refusedPersonIds: new Set(),
        refusedActivityIds: new Set(),
      });
  }
  const of = (club: string) => clubs.get(club)!;
  for (const r of refusedPersons) of(r.club).refusedPersonIds.add(r.id);
  for (const r of refusedActivities) of(r.club).refusedActivityIds.add(r.id);
  for (const key of personDuplicates) of(key.split('\u0000')[0]!).refusedPersonIds.add(key.split('\u0000')[1]!);
  for (const key of activityDuplicates) of(key.split('\u0000')[0]!).refusedActivityIds.add(key.split('\u0000')[1]!);
  const keep = (entity: 'persons' | 'activities', dup: ReadonlySet<string>, record: { club: string; id: string }) => {
    if (!dup.has(recordKey(record))) return true;
    counts[entity].refused++;
    return false;
  };
  for (const p of file.persons) if (keep('persons', personDuplicates, p)) of(p.club).persons.push(p);
  for (const a of file.activities) if (keep('activities', activityDuplicates, a)) of(a.club).activities.push(a);
  for (const d of file.deletedPersons) if (keep('persons', personDuplicates, d)) of(d.club).deletedPersons.push(d);
  for (const d of file.deletedActivities)
    if (keep('activities', activityDuplicates, d)) of(d.club).deletedActivities.push(d);
  return clubs;
}

/**
 * Whether the club's file leaves a person link in place: it neither sent the ref (accepted or refused) nor deleted
 * it. A delta file leaves such a link as it is; a full one removes it.
 */
export function personLeftInPlace(records: ClubRecords): (ref: string) => boolean {
  const deleted = new Set(records.deletedPersons.map((d) => d.id));
  const sent = new Set([...records.persons.map((p) => p.id), ...records.refusedPersonIds]);
  return (ref) => !sent.has(ref) && !deleted.has(ref);
}
