import type { Membership, PersonRecord } from '../format/records.js';
import type { JudgedPerson } from '../rules/judge-input.js';

/** The identity class a person record gives the rules. */
export function identityOf(record: PersonRecord): JudgedPerson['identity'] {
  switch (record.identity.kind) {
    case 'personnummer':
      return 'personnummer';
    case 'birthdate':
      return record.identity.nationality === 'SE' ? 'swedish-without-personnummer' : 'foreign';
    case 'none':
      return 'none';
  }
}

/** One register person from the records that resolve to it (one per club at most): memberships stay per club. */
export function judgedPerson(key: string, records: readonly PersonRecord[]): JudgedPerson {
  const first = records[0];
  if (!first) throw new Error('a person needs at least one record');
  const memberships = new Map<string, Membership[]>();
  for (const record of records) {
    const list = memberships.get(record.club);
    if (list) list.push(...record.memberships);
    else memberships.set(record.club, [...record.memberships]);
  }
  return {
    key,
    identity: identityOf(first),
    ...(first.identity.kind === 'none' ? {} : { birthDate: first.identity.birthDate }),
    memberships,
  };
}
