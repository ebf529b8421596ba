import { recordError, type RecordError } from '../errors/record-error.js';
import type { ActivityRecord, ParticipantRef, PersonRef } from '../format/records.js';
import type { PersonLink } from './match-in-file.js';
import type { JudgedActivity, JudgedParticipant, JudgedPerson, JudgedPersonRef } from '../rules/judge-input.js';

const NONE: readonly never[] = Object.freeze([]);

export interface ActivityOrigin {
  readonly vendor: string;
  readonly receivedOn: string;
  readonly createdOn: string;
}

/**
 * An activity record with its refs resolved to person keys, for judging. A ref to an unknown or refused
 * person is UNKNOWN_PERSON_REF and left out; a person given twice in the same role is counted once.
 */
export function resolveActivity(
  record: ActivityRecord, linkOf: (club: string, ref: string) => PersonLink | undefined, origin: ActivityOrigin,
): { activity: JudgedActivity; errors: RecordError[] } {
  const errors: RecordError[] = [];
  const where = { club: record.club, record: record.id };
  // Refs are replaced by the link's own id string: a file repeats each id many times, memory keeps it once.
  function resolve<R extends PersonRef, J>(refs: readonly R[], judged: (link: PersonLink, ref: R) => J): J[] {
    const seen = new Set<JudgedPerson>();
    const out: (J | undefined)[] = refs.map((ref) => {
      const link = linkOf(record.club, ref.ref);
      if (link === undefined) errors.push(recordError('UNKNOWN_PERSON_REF', ref.line, where, ref.ref));
      else if (seen.has(link.person)) errors.push(recordError('DUPLICATE_PERSON_REF', ref.line, where, ref.ref));
      else {
        seen.add(link.person);
        return judged(link, ref);
      }
      return undefined;
    });
    // Exact-length lists: a big file holds a hundred thousand of them.
    return out.length === seen.size ? (out as J[]) : out.filter((j): j is J => j !== undefined);
  }
  const leaders = resolve<PersonRef, JudgedPersonRef>(record.leaders, (link) => link);
  const participants = resolve<ParticipantRef, JudgedParticipant>(record.participants, (link, ref) => (ref.disability ? { ...link, disability: true } : link));
  const { date, start, end, sport, place, group } = record;
  return {
    errors,
    activity: {
      club: record.club, id: record.id, date, start, end, sport, place, group: group?.id,
      type: record.type, dropIn: record.dropIn, remote: record.remote, tryOut: record.tryOut,
      leaders, participants,
      anonymous: record.anonymous.length === 0 ? NONE : record.anonymous.map(({ birthYear, gender, count }) => ({ birthYear, gender, count })),
      vendor: origin.vendor, receivedOn: origin.receivedOn, createdOn: origin.createdOn,
    },
  };
}
