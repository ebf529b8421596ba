import { recordError, type RecordError } from '../errors/record-error.js';
import type { ActivityRecord, PersonRef } from '../format/records.js';
import type { JudgedActivity, JudgedParticipant, JudgedPersonRef } from '../rules/judge-input.js';

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
  record: ActivityRecord, personOf: (club: string, ref: string) => string | undefined, origin: ActivityOrigin,
): { activity: JudgedActivity; errors: RecordError[] } {
  const errors: RecordError[] = [];
  const where = { club: record.club, record: record.id };
  function resolve<R extends PersonRef>(refs: readonly R[]): (R & { person: string })[] {
    const seen = new Set<string>();
    const out: (R & { person: string })[] = [];
    for (const ref of refs) {
      const person = personOf(record.club, ref.ref);
      if (person === undefined) errors.push(recordError('UNKNOWN_PERSON_REF', ref.line, where, ref.ref));
      else if (seen.has(person)) errors.push(recordError('DUPLICATE_PERSON_REF', ref.line, where, ref.ref));
      else {
        seen.add(person);
        out.push({ ...ref, person });
      }
    }
    return out;
  }
  const leaders: JudgedPersonRef[] = resolve(record.leaders).map(({ ref, person }) => ({ ref, person }));
  const participants: JudgedParticipant[] = resolve(record.participants).map(({ ref, person, disability }) => ({ ref, person, disability }));
  const { date, start, end, sport, place, group } = record;
  return {
    errors,
    activity: {
      club: record.club, id: record.id,
      ...(date !== undefined ? { date } : {}),
      ...(start !== undefined ? { start } : {}),
      ...(end !== undefined ? { end } : {}),
      ...(sport !== undefined ? { sport } : {}),
      ...(place !== undefined ? { place } : {}),
      ...(group !== undefined ? { group: group.id } : {}),
      type: record.type, dropIn: record.dropIn, remote: record.remote, tryOut: record.tryOut,
      leaders, participants,
      anonymous: record.anonymous.map(({ birthYear, gender, count }) => ({ birthYear, gender, count })),
      ...origin,
    },
  };
}
