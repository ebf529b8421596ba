import { recordError, type RecordError } from '../errors/record-error.js';
import type { ActivityRecord } from '../format/records.js';
import type { JudgedActivity, JudgedParticipant, JudgedPerson, JudgedPersonRef } from '../rules/judge-input.js';
import { none } from '../rules/empty-list.js';
import type { PersonLink } from './match-in-file.js';

export interface ActivityOrigin {
  readonly vendor: string;
  readonly receivedOn: string;
  readonly createdOn: string;
}

/**
 * An activity record with its refs resolved to persons, for judging. A ref to an unknown or refused person is
 * UNKNOWN_PERSON_REF and left out; a person given twice in the same role is counted once (DUPLICATE_PERSON_REF).
 */
export function resolveActivity(
  record: ActivityRecord,
  linkOf: (club: string, ref: string) => PersonLink | undefined,
  origin: ActivityOrigin,
): { activity: JudgedActivity; errors: RecordError[] } {
  const errors: RecordError[] = [];
  const where = { club: record.club, record: record.id };
  /** Resolves `count` refs; `judged` makes the judged entry of the i-th from its link. */
  function resolve<J>(
    count: number,
    refAt: (i: number) => string,
    lineAt: (i: number) => number,
    judged: (link: PersonLink, i: number) => J,
  ): J[] {
    const seen = new Set<JudgedPerson>();
    const out: J[] = new Array<J>(count);
    let resolved = 0;
    for (let i = 0; i < count; i++) {
      const ref = refAt(i);
      const link = linkOf(record.club, ref);
      if (link === undefined) errors.push(recordError('UNKNOWN_PERSON_REF', lineAt(i), where, ref));
      else if (seen.has(link.person)) errors.push(recordError('DUPLICATE_PERSON_REF', lineAt(i), where, ref));
      else {
        seen.add(link.person);
        out[resolved++] = judged(link, i);
      }
    }
    // Exact-length lists: a big file holds a hundred thousand of them.
    out.length = resolved;
    return out;
  }
  const { leaders: leaderRefs } = record;
  // Refs are replaced by the link's own id string, and a participant without a disability mark by the link
  // itself: a file repeats each person many times, memory keeps them once.
  const leaders = resolve<JudgedPersonRef>(
    leaderRefs.length,
    (i) => leaderRefs[i]!.ref,
    (i) => leaderRefs[i]!.line,
    (link) => link,
  );
  const { refs, lines, disabled } = record.participants;
  // A person given twice is counted once, marked if any of the mentions is: never the first mention's mark
  // alone, which would make the verdict depend on the order of the file.
  const marked = new Set(disabled.map((i) => refs[i]));
  const participants = resolve<JudgedParticipant>(
    refs.length,
    (i) => refs[i]!,
    (i) => lines[i]!,
    (link) => (marked.size > 0 && marked.has(link.ref) ? { ...link, disability: true } : link),
  );
  const { date, start, end, sport, place, group } = record;
  return {
    errors,
    activity: {
      club: record.club,
      id: record.id,
      date,
      start,
      end,
      sport,
      place,
      group: group?.id,
      type: record.type,
      dropIn: record.dropIn,
      remote: record.remote,
      tryOut: record.tryOut,
      leaders,
      participants,
      anonymous:
        record.anonymous.length === 0
          ? none()
          : record.anonymous.map(({ birthYear, gender, count }) => ({ birthYear, gender, count })),
      vendor: origin.vendor,
      receivedOn: origin.receivedOn,
      createdOn: origin.createdOn,
    },
  };
}
