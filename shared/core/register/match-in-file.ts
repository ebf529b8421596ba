import { recordError, type RecordError } from '../errors/record-error.js';
import type { JudgedParticipant, JudgedPerson } from '../rules/judge-input.js';
import { recordKey, type PersonRecord } from '../format/records.js';
import { otherIds } from './duplicate-ids.js';
import { judgedPerson } from './judged-person.js';

/**
 * A vendor's person id in a club, linked to a register person. It has the shape of a judged participant
 * without a disability mark, so every activity that names the person shares this one object: a file of
 * 100 000 activities holds a million participations, and one object each would be most of `check`'s memory.
 */
export interface PersonLink extends JudgedParticipant {
  readonly disability: false;
}

export interface FileMatch {
  /** Club → vendor person id → link, for every accepted person. */
  readonly links: ReadonlyMap<string, ReadonlyMap<string, PersonLink>>;
  readonly persons: ReadonlyMap<string, JudgedPerson>;
  /** Person records refused here, by record key. */
  readonly refused: ReadonlySet<string>;
  readonly errors: readonly RecordError[];
}

/**
 * Matches the persons of one file against an empty register: the same personnummer is the same person in
 * every club (also on first sight within the file); persons without one are their own. Two person ids of one
 * club with the same personnummer are both refused (DUPLICATE_PERSON_IDENTITY): never merged silently.
 */
export function matchInFile(records: readonly PersonRecord[]): FileMatch {
  const byNumber = new Map<string, PersonRecord[]>();
  const links = new Map<string, Map<string, PersonLink>>();
  const refused = new Set<string>();
  const errors: RecordError[] = [];
  const persons = new Map<string, JudgedPerson>();
  for (const record of records) {
    const key =
      record.identity.kind === 'personnummer' ? `pnr:${record.identity.personnummer}` : `local:${recordKey(record)}`;
    const list = byNumber.get(key);
    if (list) list.push(record);
    else byNumber.set(key, [record]);
  }
  for (const [key, list] of byNumber) {
    const perClub = new Map<string, PersonRecord[]>();
    for (const record of list) {
      const same = perClub.get(record.club);
      if (same) same.push(record);
      else perClub.set(record.club, [record]);
    }
    const accepted: PersonRecord[] = [];
    for (const clubRecords of perClub.values()) {
      if (clubRecords.length > 1) {
        const ids = clubRecords.map((r) => r.id);
        for (const record of clubRecords) {
          refused.add(recordKey(record));
          errors.push(
            recordError(
              'DUPLICATE_PERSON_IDENTITY',
              record.line,
              { club: record.club, record: record.id },
              otherIds(ids, record.id),
            ),
          );
        }
      } else accepted.push(...clubRecords);
    }
    if (accepted.length === 0) continue;
    const person = judgedPerson(key, accepted);
    persons.set(key, person);
    for (const record of accepted) {
      let club = links.get(record.club);
      if (!club) links.set(record.club, (club = new Map()));
      club.set(record.id, { ref: record.id, person, disability: false });
    }
  }
  return { links, persons, refused, errors };
}
