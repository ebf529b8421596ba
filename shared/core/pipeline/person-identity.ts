import type { IdentityKey } from '../admin/register-admin.js';
import type { PersonRecord } from '../format/records.js';
import { identityOf } from '../register/judged-person.js';
import type { IdentityHasher } from './ports.js';
import type { PersonFacts, StoredPerson } from './stored.js';

/**
 * The identity keys of a person record, as keyed hashes: the personnummer is national; e-mail and member
 * number are the club's own (a member number means nothing in another club, and an e-mail is often a
 * parent's, shared by siblings in different clubs).
 */
export interface IdentityKeys {
  /** The key the club matches on first sight (importer-format.md, Identity), when the record has it. */
  readonly clubKey?: string;
  /** The personnummer's key, when the record has a full personnummer. */
  readonly national?: string;
}

/** The national identity key of a personnummer (normalised, 12 digits). */
export function nationalKeyOf(personnummer: string, hasher: IdentityHasher): string {
  return `pnr.${hasher.hash(`pnr|${personnummer}`)}`;
}

export function identityKeysOf(record: PersonRecord, identityKey: IdentityKey, hasher: IdentityHasher): IdentityKeys {
  const national =
    record.identity.kind === 'personnummer' ? nationalKeyOf(record.identity.personnummer, hasher) : undefined;
  let clubKey: string | undefined;
  if (identityKey === 'personnummer') clubKey = national;
  else if (identityKey === 'email' && record.email !== undefined)
    clubKey = `email.${hasher.hash(`email|${record.club}|${record.email.trim().toLowerCase()}`)}`;
  else if (identityKey === 'member-number' && record.memberNumber !== undefined)
    clubKey = `member.${hasher.hash(`member|${record.club}|${record.memberNumber}`)}`;
  return { ...(clubKey ? { clubKey } : {}), ...(national ? { national } : {}) };
}

/**
 * The id of a person created on first sight. Derived from the identity that created it, so that two vendors
 * creating the same person at once, or a step retried, arrive at the same id and write the same items.
 */
export function newPersonId(keys: IdentityKeys, vendor: string, record: PersonRecord, hasher: IdentityHasher): string {
  return personIdOf(keys.national ?? keys.clubKey ?? `local|${vendor}|${record.club}|${record.id}`, hasher);
}

/** The person id created from a seed (`newPersonId`): a person first seen by a personnummer has its national key's. */
export function personIdOf(seed: string, hasher: IdentityHasher): string {
  return `p${hasher.hash(`pid|${seed}`).slice(0, 31)}`;
}

export function factsOf(record: PersonRecord): PersonFacts {
  const identity = identityOf(record);
  return record.identity.kind === 'none' ? { identity } : { identity, birthDate: record.identity.birthDate };
}

export function sameFacts(a: PersonFacts, b: PersonFacts): boolean {
  return a.identity === b.identity && a.birthDate === b.birthDate;
}

/** The register's person as this record tells it (the latest record wins for national facts and names). */
export function personOf(pid: string, record: PersonRecord): StoredPerson {
  const { identity } = record;
  return {
    pid,
    ...factsOf(record),
    ...(identity.kind === 'personnummer' ? { personnummer: identity.personnummer } : {}),
    ...(identity.kind === 'birthdate' ? { nationality: identity.nationality } : {}),
    firstName: record.firstName,
    lastName: record.lastName,
    ...(record.gender ? { gender: record.gender } : {}),
  };
}

/** The keyed hash of a record as sent, without its line: equal digests mean an unchanged record. */
export function personDigest(record: PersonRecord, hasher: IdentityHasher): string {
  const { identity, firstName, lastName, gender, email, memberNumber, memberships } = record;
  return hasher.hash(
    JSON.stringify([identity, firstName, lastName, gender ?? null, email ?? null, memberNumber ?? null, memberships]),
  );
}
