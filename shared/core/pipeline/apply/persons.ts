import { recordError } from '../../errors/record-error.js';
import type { PersonRecord } from '../../format/records.js';
import { otherIds } from '../../register/duplicate-ids.js';
import {
  factsOf,
  identityKeysOf,
  newPersonId,
  personDigest,
  personOf,
  sameFacts,
  type IdentityKeys,
} from '../person-identity.js';
import { DocsOf } from '../read-docs.js';
import type { StoredPerson, StoredPersonLink } from '../stored.js';
import type { ApplyContext, ClubApply } from './apply-context.js';
import { personLeftInPlace } from './club-records.js';
import { removePersons } from './removals.js';

/** A person record to write: the register person it is, and the identity keys it has and brings. */
interface Candidate {
  readonly record: PersonRecord;
  readonly pid: string;
  readonly link?: StoredPersonLink;
  readonly keys: string[];
  readonly newKeys: string[];
  readonly newPerson: boolean;
  readonly digest: string;
}

/** Matching one club's person records: the refs accepted so far, those refused, the records still to match or write. */
interface Matching {
  /** Ref → register person: the records an earlier attempt applied and those unchanged, then those written. */
  readonly accepted: Map<string, string>;
  readonly refused: Set<string>;
  /** The records to match by identity, with their keys. */
  readonly toMatch: Map<PersonRecord, IdentityKeys>;
  candidates: Candidate[];
}

/** The identity items the club's keys name: who owns a key, and whether it was known before this upload. */
class Identities {
  constructor(
    private readonly found: DocsOf<'identity'>,
    private readonly context: ApplyContext,
  ) {}
  owner(key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.found.of({ kind: 'identity', key })?.pid;
  }
  /** Known before this upload: a key this upload created (an earlier attempt of it) does not count. */
  knownBefore(key: string | undefined): boolean {
    const identity = key === undefined ? undefined : this.found.of({ kind: 'identity', key });
    return identity !== undefined && !this.context.upload.owns(identity.createdBy);
  }
}

/**
 * Matches a club's person records (importer-format.md, Identity) and stages their writes. Returns the refs that
 * activities may name: accepted records of the file and live links the file leaves in place.
 */
export async function matchPersons(context: ApplyContext, club: ClubApply): Promise<Map<string, string>> {
  const matching = personsToMatch(context, club);
  const identities = new Identities(await DocsOf.read(context.ports.store, identityLookups(matching)), context);
  matching.candidates = candidatesOf(context, club, matching, identities);
  const persons = await refuseOtherPersonnummer(context, club, matching);
  acceptCandidates(context, club, matching, persons);
  context.counts.persons.refused += matching.refused.size;
  removePersons(context, club);
  return resolvable(context, club, matching);
}

/** The records an earlier attempt applied are accepted (counted and seeded again); the others are matched, by their keys. */
function personsToMatch(context: ApplyContext, club: ClubApply): Matching {
  const { hasher } = context.ports;
  const matching: Matching = { accepted: new Map(), refused: new Set(), toMatch: new Map(), candidates: [] };
  for (const record of club.records.persons) {
    const link = context.doneBefore(club.links.get(record.id));
    if (link && !link.deleted) {
      context.counts.persons[link.lastOutcome]++;
      matching.accepted.set(record.id, link.pid);
      if (link.newPerson) context.seeds.settle(link.pid);
      if (link.seed) context.seeds.person(link.pid, link.seed === 'club' ? club.records.club : undefined);
      continue;
    }
    matching.toMatch.set(record, identityKeysOf(record, club.state.club.identityKey, hasher));
  }
  return matching;
}

function identityLookups(matching: Matching): { kind: 'identity'; key: string }[] {
  return [...matching.toMatch.values()].flatMap((keys) =>
    [keys.clubKey, keys.national].flatMap((key) => (key ? [{ kind: 'identity' as const, key }] : [])),
  );
}

/** The records that changed, each with the register person it is; an unchanged one is accepted, a conflict refused. */
function candidatesOf(context: ApplyContext, club: ClubApply, matching: Matching, identities: Identities): Candidate[] {
  const candidates: Candidate[] = [];
  for (const [record, keys] of matching.toMatch) {
    const link = club.links.get(record.id);
    const live = link && !link.deleted ? link : undefined;
    const digest = personDigest(record, context.ports.hasher);
    if (live && live.digest === digest) {
      context.counts.persons.unchanged++;
      matching.accepted.set(record.id, live.pid);
      continue;
    }
    const pid = personIdOf(context, record, keys, live, identities);
    if (pid === undefined) {
      context.errors.push(
        recordError('IDENTITY_CONFLICT', record.line, { club: club.records.club, record: record.id }),
      );
      matching.refused.add(record.id);
      continue;
    }
    // A deleted link coming back is not a new person: its id (derived from the same identity, or from the same
    // vendor id when there is none) may be named by activities stored before.
    const newPerson =
      link === undefined && !identities.knownBefore(keys.clubKey) && !identities.knownBefore(keys.national);
    const all = [...new Set([keys.clubKey, keys.national])].filter((k): k is string => k !== undefined);
    const newKeys = all.filter((k) => identities.owner(k) === undefined || !identities.knownBefore(k));
    candidates.push({ record, pid, ...(live ? { link: live } : {}), keys: all, newKeys, newPerson, digest });
  }
  return candidates;
}

/**
 * The register person a record is: its live link's, else the one its keys find, else a new one; undefined when its
 * keys find another person than its link's, or two persons (IDENTITY_CONFLICT).
 */
function personIdOf(
  context: ApplyContext,
  record: PersonRecord,
  keys: IdentityKeys,
  live: StoredPersonLink | undefined,
  identities: Identities,
): string | undefined {
  const byClubKey = identities.owner(keys.clubKey);
  const byNational = identities.owner(keys.national);
  if (live) return [byClubKey, byNational].some((p) => p !== undefined && p !== live.pid) ? undefined : live.pid;
  if (byClubKey !== undefined && byNational !== undefined && byClubKey !== byNational) return undefined;
  return byClubKey ?? byNational ?? newPersonId(keys, context.vendor, record, context.ports.hasher);
}

/**
 * A person found by e-mail or member number whose known personnummer is another than the record's is not the same
 * person: reported, never merged. Returns the stored persons of the candidates (a new person's item cannot exist
 * yet, but for an earlier attempt of this upload, which wrote the same).
 */
async function refuseOtherPersonnummer(
  context: ApplyContext,
  club: ClubApply,
  matching: Matching,
): Promise<DocsOf<'person'>> {
  const persons = await DocsOf.read(
    context.ports.store,
    matching.candidates.filter((c) => !c.newPerson).map((c) => ({ kind: 'person' as const, pid: c.pid })),
  );
  for (const c of [...matching.candidates]) {
    const known = persons.of({ kind: 'person', pid: c.pid })?.personnummer;
    if (
      c.record.identity.kind === 'personnummer' &&
      known !== undefined &&
      known !== c.record.identity.personnummer &&
      !c.link
    ) {
      context.errors.push(
        recordError('IDENTITY_CONFLICT', c.record.line, { club: club.records.club, record: c.record.id }),
      );
      matching.refused.add(c.record.id);
      matching.candidates.splice(matching.candidates.indexOf(c), 1);
    }
  }
  return persons;
}

/** Who holds each register person in the club: the candidates, the records accepted so far, and the links the file leaves in place (delta). */
function holdersOf(context: ApplyContext, club: ClubApply, matching: Matching): Map<string, string[]> {
  const holders = new Map<string, string[]>();
  const hold = (pid: string, ref: string): void => {
    const list = holders.get(pid);
    if (list) list.push(ref);
    else holders.set(pid, [ref]);
  };
  for (const c of matching.candidates) hold(c.pid, c.record.id);
  // `accepted` maps ref → person: a record done or unchanged holds its person, so a new id of it is refused.
  for (const [ref, pid] of matching.accepted) hold(pid, ref);
  const leftInPlace = personLeftInPlace(club.records);
  for (const [ref, link] of club.links) {
    if (!link.deleted && leftInPlace(ref) && context.mode === 'delta') hold(link.pid, ref);
  }
  return holders;
}

/** Two ids of the club that are one person: every one of them is refused, never merged. The others are written. */
function acceptCandidates(context: ApplyContext, club: ClubApply, matching: Matching, persons: DocsOf<'person'>): void {
  const holders = holdersOf(context, club, matching);
  for (const c of matching.candidates) {
    const same = holders.get(c.pid)!;
    if (same.length > 1) {
      context.errors.push(
        recordError(
          'DUPLICATE_PERSON_IDENTITY',
          c.record.line,
          { club: club.records.club, record: c.record.id },
          otherIds(same, c.record.id),
        ),
      );
      matching.refused.add(c.record.id);
      continue;
    }
    writePerson(context, club, c, persons.of({ kind: 'person', pid: c.pid }));
    matching.accepted.set(c.record.id, c.pid);
  }
}

/** Stages an accepted record's writes: the person, its new keys, its membership, and its link (phase two). */
function writePerson(context: ApplyContext, club: ClubApply, c: Candidate, stored: StoredPerson | undefined): void {
  const { writes, upload } = context;
  const { record, pid } = c;
  const outcome = c.link ? 'updated' : 'created';
  context.counts.persons[outcome]++;
  const person = personOf(pid, record);
  if (!stored || JSON.stringify(stored) !== JSON.stringify(person)) writes.put({ kind: 'person', value: person });
  // Only keys new to the register are written: an existing key already points at this person.
  for (const key of c.newKeys) writes.put({ kind: 'identity', value: { key, pid, createdBy: upload.uploadId } });
  // Keys the record no longer has (a corrected personnummer) stop pointing at the person.
  for (const key of c.link?.keys ?? []) if (!c.keys.includes(key)) writes.delete({ kind: 'identity', key });
  writes.put({
    kind: 'membership',
    value: { pid, club: club.records.club, vendor: upload.vendor, ref: record.id, memberships: record.memberships },
  });
  const facts = factsOf(record);
  // Whose verdicts may change: everywhere when the facts the rules read changed (or a known person got a new
  // link), in this club when only the record did, or the person is new (another vendor's activities of the club
  // may name them already: a first load at the same time; the judge looks them up only if so). Kept on the
  // link, so that a retry seeds the same.
  const seed = (c.link && !sameFacts(c.link.facts, facts)) || (!c.link && !c.newPerson) ? 'all' : 'club';
  writes.put(
    {
      kind: 'person-link',
      value: {
        vendor: upload.vendor,
        club: club.records.club,
        ref: record.id,
        pid,
        digest: c.digest,
        facts,
        keys: c.keys,
        newPerson: c.newPerson,
        lastUpload: upload.uploadId,
        lastOutcome: outcome,
        ...(seed ? { seed } : {}),
      },
    },
    'last',
  );
  if (seed) context.seeds.person(pid, seed === 'club' ? club.records.club : undefined);
  if (c.newPerson) context.seeds.settle(pid);
}

/** The refs activities may name: records accepted or done, and in a delta file the live links it leaves in place. */
function resolvable(context: ApplyContext, club: ClubApply, matching: Matching): Map<string, string> {
  const accepted = new Map(matching.accepted);
  const leftInPlace = personLeftInPlace(club.records);
  // Live links the file leaves in place stay resolvable (a delta file names persons sent earlier).
  for (const [ref, link] of club.links) {
    if (!link.deleted && leftInPlace(ref) && context.mode === 'delta') accepted.set(ref, link.pid);
  }
  for (const ref of matching.refused) accepted.delete(ref);
  return accepted;
}
