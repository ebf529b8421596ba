import { parseDate } from '../calendar/dates.js';
import { recordError, type RecordError } from '../errors/record-error.js';
import { parsePersonnummer } from '../personnummer/personnummer.js';
import type { Parsed } from './parsed.js';
import { attributeText, fieldLine, fieldText, type RecordDraft } from './record-draft.js';
import { GENDERS, type Gender, type Membership, type PersonIdentity, type PersonRecord } from './records.js';

const NATIONALITY = /^[A-Z]{2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** A Person draft → a person record, or every reason it is refused. */
export function parsePerson(draft: RecordDraft, id: string, evaluationDate: string): Parsed<PersonRecord> {
  const { club } = draft;
  const where = { club, record: id };
  const errors: RecordError[] = draft.errors;
  const invalid = (name: string): void => {
    errors.push(recordError('INVALID_VALUE', fieldLine(draft, name), where, name));
  };

  const personalNumber = fieldText(draft, 'PersonalNumber');
  const birthDateText = fieldText(draft, 'BirthDate');
  const nationality = fieldText(draft, 'Nationality', true);
  let identity: PersonIdentity = { kind: 'none' };
  if (personalNumber !== undefined && birthDateText !== undefined) {
    errors.push(recordError('INVALID_VALUE', fieldLine(draft, 'BirthDate'), where, 'PersonalNumber + BirthDate'));
  } else if (personalNumber !== undefined) {
    const parsed = parsePersonnummer(personalNumber, evaluationDate);
    if (parsed.ok) {
      identity = {
        kind: 'personnummer',
        personnummer: parsed.value.normalized,
        birthDate: parsed.value.birthDate,
        coordination: parsed.value.coordination,
      };
    } else {
      // The message names what failed, as the spec's receipt shows, and never the number itself.
      const [sv, en] = parsed.message;
      errors.push({
        ...recordError('INVALID_PERSONNUMMER', fieldLine(draft, 'PersonalNumber'), where),
        message: `${sv[0]!.toUpperCase()}${sv.slice(1)} / ${en}`,
      });
    }
  } else if (birthDateText !== undefined) {
    const birthDate = parseDate(birthDateText);
    if (birthDate === undefined || birthDate > evaluationDate) invalid('BirthDate');
    if (nationality === undefined) errors.push(recordError('MISSING_REQUIRED_FIELD', draft.line, where, 'Nationality'));
    if (birthDate !== undefined && nationality !== undefined) identity = { kind: 'birthdate', birthDate, nationality };
  }
  if (nationality !== undefined && !NATIONALITY.test(nationality)) invalid('Nationality');

  const firstName = fieldText(draft, 'FirstName');
  const lastName = fieldText(draft, 'LastName');
  if (firstName === undefined) errors.push(recordError('MISSING_REQUIRED_FIELD', draft.line, where, 'FirstName'));
  if (lastName === undefined) errors.push(recordError('MISSING_REQUIRED_FIELD', draft.line, where, 'LastName'));
  const gender = fieldText(draft, 'Gender', true);
  if (gender !== undefined && !(GENDERS as readonly string[]).includes(gender)) invalid('Gender');
  const email = fieldText(draft, 'Email');
  if (email !== undefined && !EMAIL.test(email)) invalid('Email');
  const memberNumber = fieldText(draft, 'MemberNumber');

  const memberships: Membership[] = [];
  for (const element of draft.multiple.get('Membership') ?? []) {
    const from = parseDate(attributeText(element.attributes, 'from', draft.pool) ?? '');
    const toText = element.attributes.to;
    const to = toText === undefined ? undefined : parseDate(draft.pool.intern(toText.trim()));
    if (from === undefined) errors.push(recordError('INVALID_VALUE', element.line, where, 'Membership@from'));
    else if (toText !== undefined && (to === undefined || to < from))
      errors.push(recordError('INVALID_VALUE', element.line, where, 'Membership@to'));
    else memberships.push(to === undefined ? { from } : { from, to });
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    record: {
      club,
      id,
      line: draft.line,
      identity,
      firstName: firstName!,
      lastName: lastName!,
      gender: gender as Gender | undefined,
      email,
      memberNumber,
      memberships,
    },
  };
}
