import { parseDate, parseTime } from '../calendar/dates.js';
import { recordError, type RecordError } from '../errors/record-error.js';
import type { RawElement } from '../xml/raw-element.js';
import type { Parsed } from './parsed.js';
import { checkAttributes, checkTextOnly, collectFields, textOf } from './record-fields.js';
import { ACTIVITY_TYPES, type ActivityRecord, type ActivityType, type AnonymousParticipants, type Gender, type ParticipantRef, type PersonRef } from './records.js';

const SCHEMA = {
  single: ['Date', 'Start', 'End', 'Sport', 'Type', 'Group', 'Place', 'DropIn', 'Remote', 'TryOut'],
  multiple: ['Leader', 'Participant', 'AnonymousParticipants'],
} as const;

const GENDERS: readonly string[] = ['F', 'M', 'X'];
const BOOLEAN: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };
const BIRTH_YEAR = /^\d{4}$/;
const COUNT = /^[1-9]\d{0,3}$/;

/**
 * An `Activity` element → an activity record. A missing Date/Start/End/Sport/Place keeps the activity (it is
 * judged and rejected with MISSING_REQUIRED_DATA); a value that is present but malformed refuses it.
 */
export function parseActivity(raw: RawElement, club: string, id: string): Parsed<ActivityRecord> {
  const where = { club, record: id };
  const errors: RecordError[] = [];
  checkAttributes(raw, ['id'], where, errors);
  const fields = collectFields(raw, SCHEMA, where, errors);
  const text = (name: string): string | undefined => textOf(fields, name, where, errors);
  const lineOf = (name: string): number => fields.single.get(name)?.line ?? raw.line;
  const checked = (name: string, valid: (value: string) => boolean): string | undefined => {
    const value = text(name);
    if (value !== undefined && !valid(value)) errors.push(recordError('INVALID_VALUE', lineOf(name), where, name));
    return value;
  };

  const date = checked('Date', (v) => parseDate(v) !== undefined);
  const start = checked('Start', (v) => parseTime(v) !== undefined);
  const end = checked('End', (v) => parseTime(v) !== undefined);
  const sport = text('Sport');
  const place = text('Place');
  const type = (checked('Type', (v) => (ACTIVITY_TYPES as readonly string[]).includes(v)) ?? 'training') as ActivityType;

  let group: ActivityRecord['group'];
  const groupElement = fields.single.get('Group');
  if (groupElement) {
    checkAttributes(groupElement, ['id'], where, errors);
    checkTextOnly(groupElement, where, errors);
    const groupId = groupElement.attributes.id?.trim();
    if (!groupId) errors.push(recordError('MISSING_ID', groupElement.line, where, 'Group@id'));
    else group = { id: groupId, name: groupElement.text.trim() };
  }
  const marker = (name: string): boolean => {
    const element = fields.single.get(name);
    if (!element) return false;
    checkAttributes(element, [], where, errors);
    checkTextOnly(element, where, errors);
    if (element.text.trim() !== '') errors.push(recordError('INVALID_VALUE', element.line, where, name));
    return true;
  };

  const refOf = (element: RawElement, allowed: readonly string[]): string | undefined => {
    checkAttributes(element, allowed, where, errors);
    checkTextOnly(element, where, errors);
    const ref = element.attributes.ref?.trim();
    if (!ref) errors.push(recordError('MISSING_ID', element.line, where, `${element.name}@ref`));
    return ref || undefined;
  };
  const leaders: PersonRef[] = [];
  for (const element of fields.multiple.get('Leader') ?? []) {
    const ref = refOf(element, ['ref']);
    if (ref !== undefined) leaders.push({ ref, line: element.line });
  }
  const participants: ParticipantRef[] = [];
  for (const element of fields.multiple.get('Participant') ?? []) {
    const ref = refOf(element, ['ref', 'disability']);
    const flag = element.attributes.disability;
    const disability = flag === undefined ? false : BOOLEAN[flag.trim()];
    if (disability === undefined) errors.push(recordError('INVALID_VALUE', element.line, where, 'Participant@disability'));
    if (ref !== undefined) participants.push({ ref, line: element.line, disability: disability ?? false });
  }
  const anonymous: AnonymousParticipants[] = [];
  for (const element of fields.multiple.get('AnonymousParticipants') ?? []) {
    checkAttributes(element, ['birthYear', 'gender', 'count'], where, errors);
    checkTextOnly(element, where, errors);
    const { birthYear = '', gender = '', count = '' } = element.attributes;
    const valid = BIRTH_YEAR.test(birthYear.trim()) && GENDERS.includes(gender.trim()) && COUNT.test(count.trim());
    if (!valid) errors.push(recordError('INVALID_VALUE', element.line, where, 'AnonymousParticipants'));
    else anonymous.push({ birthYear: Number(birthYear), gender: gender.trim() as Gender, count: Number(count), line: element.line });
  }
  const dropIn = marker('DropIn');
  const remote = marker('Remote');
  const tryOut = marker('TryOut');

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    record: {
      club, id, line: raw.line,
      ...(date !== undefined ? { date } : {}),
      ...(start !== undefined ? { start } : {}),
      ...(end !== undefined ? { end } : {}),
      ...(sport !== undefined ? { sport } : {}),
      ...(place !== undefined ? { place } : {}),
      type,
      ...(group !== undefined ? { group } : {}),
      dropIn, remote, tryOut, leaders, participants, anonymous,
    },
  };
}
