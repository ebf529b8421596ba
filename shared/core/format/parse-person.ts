import { parseDate } from '../calendar/dates.js';
import { recordError, type RecordError } from '../errors/record-error.js';
import { parsePersonnummer } from '../personnummer/personnummer.js';
import type { RawElement } from '../xml/raw-element.js';
import { checkAttributes, checkTextOnly, collectFields, textOf } from './record-fields.js';
import type { Parsed } from './parsed.js';
import type { Gender, Membership, PersonIdentity, PersonRecord } from './records.js';

const SCHEMA = {
  single: ['PersonalNumber', 'BirthDate', 'Nationality', 'FirstName', 'LastName', 'Gender', 'Email', 'MemberNumber'],
  multiple: ['Membership'],
} as const;

const GENDERS: readonly string[] = ['F', 'M', 'X'];
const NATIONALITY = /^[A-Z]{2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** A `Person` element → a person record, or every reason it is refused. */
export function parsePerson(raw: RawElement, club: string, id: string, evaluationDate: string): Parsed<PersonRecord> {
  const where = { club, record: id };
  const errors: RecordError[] = [];
  checkAttributes(raw, ['id'], where, errors);
  const fields = collectFields(raw, SCHEMA, where, errors);
  const text = (name: string): string | undefined => textOf(fields, name, where, errors);
  const lineOf = (name: string): number => fields.single.get(name)?.line ?? raw.line;

  const personalNumber = text('PersonalNumber');
  const birthDateText = text('BirthDate');
  const nationality = text('Nationality');
  let identity: PersonIdentity = { kind: 'none' };
  if (personalNumber !== undefined && birthDateText !== undefined) {
    errors.push(recordError('INVALID_VALUE', lineOf('BirthDate'), where, 'PersonalNumber + BirthDate'));
  } else if (personalNumber !== undefined) {
    const parsed = parsePersonnummer(personalNumber, evaluationDate);
    if (parsed.ok) {
      identity = { kind: 'personnummer', personnummer: parsed.value.normalized, birthDate: parsed.value.birthDate, coordination: parsed.value.coordination };
    } else {
      errors.push(recordError('INVALID_PERSONNUMMER', lineOf('PersonalNumber'), where, parsed.message));
    }
  } else if (birthDateText !== undefined) {
    const birthDate = parseDate(birthDateText);
    if (birthDate === undefined || birthDate > evaluationDate) errors.push(recordError('INVALID_VALUE', lineOf('BirthDate'), where, 'BirthDate'));
    if (nationality === undefined) errors.push(recordError('MISSING_REQUIRED_FIELD', raw.line, where, 'Nationality'));
    if (birthDate !== undefined && nationality !== undefined) identity = { kind: 'birthdate', birthDate, nationality };
  }
  if (nationality !== undefined && !NATIONALITY.test(nationality)) errors.push(recordError('INVALID_VALUE', lineOf('Nationality'), where, 'Nationality'));

  const firstName = text('FirstName');
  const lastName = text('LastName');
  if (firstName === undefined) errors.push(recordError('MISSING_REQUIRED_FIELD', raw.line, where, 'FirstName'));
  if (lastName === undefined) errors.push(recordError('MISSING_REQUIRED_FIELD', raw.line, where, 'LastName'));
  const gender = text('Gender');
  if (gender !== undefined && !GENDERS.includes(gender)) errors.push(recordError('INVALID_VALUE', lineOf('Gender'), where, 'Gender'));
  const email = text('Email');
  if (email !== undefined && !EMAIL.test(email)) errors.push(recordError('INVALID_VALUE', lineOf('Email'), where, 'Email'));
  const memberNumber = text('MemberNumber');

  const memberships: Membership[] = [];
  for (const element of fields.multiple.get('Membership') ?? []) {
    checkAttributes(element, ['from', 'to'], where, errors);
    checkTextOnly(element, where, errors);
    const from = parseDate(element.attributes.from ?? '');
    const toText = element.attributes.to;
    const to = toText === undefined ? undefined : parseDate(toText);
    if (from === undefined) errors.push(recordError('INVALID_VALUE', element.line, where, 'Membership@from'));
    else if (toText !== undefined && (to === undefined || to < from)) errors.push(recordError('INVALID_VALUE', element.line, where, 'Membership@to'));
    else memberships.push(to === undefined ? { from } : { from, to });
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    record: {
      club, id, line: raw.line, identity,
      firstName: firstName ?? '', lastName: lastName ?? '',
      ...(gender !== undefined ? { gender: gender as Gender } : {}),
      ...(email !== undefined ? { email } : {}),
      ...(memberNumber !== undefined ? { memberNumber } : {}),
      memberships,
    },
  };
}
