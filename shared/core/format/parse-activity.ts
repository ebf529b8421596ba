import { parseDate, parseTime } from '../calendar/dates.js';
import { recordError, type RecordError } from '../errors/record-error.js';
import type { Parsed } from './parsed.js';
import { attributeText, fieldLine, fieldText, type RecordDraft } from './record-draft.js';
import {
  ACTIVITY_TYPES,
  GENDERS,
  type ActivityRecord,
  type ActivityType,
  type AnonymousParticipants,
  type Gender,
  type ParticipantList,
  type PersonRef,
} from './records.js';

const BOOLEAN: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };
const BIRTH_YEAR = /^\d{4}$/;
const COUNT = /^[1-9]\d{0,3}$/;

/**
 * An Activity draft → an activity record. A missing Date/Start/End/Sport/Place keeps the activity (it is
 * judged and rejected with MISSING_REQUIRED_DATA); a value that is present but malformed refuses it.
 */
export function parseActivity(draft: RecordDraft, id: string): Parsed<ActivityRecord> {
  const { club } = draft;
  const where = { club, record: id };
  const errors: RecordError[] = draft.errors;
  const checked = (name: string, valid: (value: string) => boolean): string | undefined => {
    const value = fieldText(draft, name, true);
    if (value !== undefined && !valid(value))
      errors.push(recordError('INVALID_VALUE', fieldLine(draft, name), where, name));
    return value;
  };

  const date = checked('Date', (v) => parseDate(v) !== undefined);
  const start = checked('Start', (v) => parseTime(v) !== undefined);
  const end = checked('End', (v) => parseTime(v) !== undefined);
  const sport = fieldText(draft, 'Sport', true);
  const place = fieldText(draft, 'Place', true);
  const type = (checked('Type', (v) => (ACTIVITY_TYPES as readonly string[]).includes(v)) ??
    'training') as ActivityType;

  let group: ActivityRecord['group'];
  const groupElement = draft.single.get('Group');
  if (groupElement) {
    const groupId = attributeText(groupElement.attributes, 'id', draft.pool);
    if (groupId === undefined) errors.push(recordError('MISSING_ID', groupElement.line, where, 'Group@id'));
    else group = { id: groupId, name: fieldText(draft, 'Group', true) ?? '' };
  }

  const refOf = (
    element: { readonly attributes: Readonly<Record<string, string>>; readonly line: number },
    name: string,
  ): string | undefined => {
    const ref = attributeText(element.attributes, 'ref', draft.pool);
    if (ref === undefined) errors.push(recordError('MISSING_ID', element.line, where, `${name}@ref`));
    return ref;
  };
  // Mapped, not pushed: a record is refused if any ref is missing, and exact-length lists keep memory down.
  const leaders: PersonRef[] = (draft.multiple.get('Leader') ?? []).map((element) => ({
    ref: refOf(element, 'Leader') ?? '',
    line: element.line,
  }));
  const participantElements = draft.multiple.get('Participant') ?? [];
  const disabled: number[] = [];
  const participants: ParticipantList = {
    refs: participantElements.map((element, i) => {
      const flag = element.attributes.disability;
      const disability = flag === undefined ? false : BOOLEAN[flag.trim()];
      if (disability === undefined)
        errors.push(recordError('INVALID_VALUE', element.line, where, 'Participant@disability'));
      if (disability) disabled.push(i);
      return refOf(element, 'Participant') ?? '';
    }),
    lines: participantElements.map((element) => element.line),
    disabled,
  };
  const anonymous: AnonymousParticipants[] = [];
  for (const element of draft.multiple.get('AnonymousParticipants') ?? []) {
    const birthYear = element.attributes.birthYear?.trim() ?? '';
    const gender = element.attributes.gender?.trim() ?? '';
    const count = element.attributes.count?.trim() ?? '';
    if (!BIRTH_YEAR.test(birthYear) || !(GENDERS as readonly string[]).includes(gender) || !COUNT.test(count))
      errors.push(recordError('INVALID_VALUE', element.line, where, 'AnonymousParticipants'));
    else
      anonymous.push({
        birthYear: Number(birthYear),
        gender: gender as Gender,
        count: Number(count),
        line: element.line,
      });
  }

  if (errors.length > 0) return { ok: false, errors };
  // One shape for every record (absent fields are undefined): a file holds many, and V8 keeps them compact.
  const record: ActivityRecord = {
    club,
    id,
    line: draft.line,
    date,
    start,
    end,
    sport,
    place,
    type,
    group,
    dropIn: draft.single.has('DropIn'),
    remote: draft.single.has('Remote'),
    tryOut: draft.single.has('TryOut'),
    leaders,
    participants,
    anonymous,
  };
  return { ok: true, record };
}
