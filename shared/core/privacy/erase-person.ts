import { calendarKeysOf, parseCalendarEntry } from '../pipeline/activity-content.js';
import { nationalKeyOf, personIdOf } from '../pipeline/person-identity.js';
import { docId, type Doc, type DocKey, type PipelineClock, type PipelinePorts } from '../pipeline/ports.js';
import { recomputeClubPeriods } from '../pipeline/recompute-totals.js';
import { rejudge } from '../pipeline/rejudge.js';
import type {
  ActivityContent,
  StoredActivity,
  StoredCalendar,
  StoredMembership,
  StoredPerson,
  StoredPersonLink,
} from '../pipeline/stored.js';
import type { PrivacyStore } from './ports.js';
import { ERASURE_NOTES } from '../storage/bucket-layout.js';

/** Who is to be erased: the register's person id, or a personnummer (normalised, 12 digits) looked up by its key. */
export type ErasureSubject = { readonly pid: string } | { readonly personnummer: string };

/**
 * What an erasure did (no personal data: the register's person id and counts), kept under `erasureKey` so that a
 * retry, or the same request again, answers with it and changes nothing.
 */
export interface ErasureReport {
  readonly pid: string;
  /** `erased` the first time; `not-found` when the register has no such person and never erased one by that id. */
  readonly outcome: 'erased' | 'not-found';
  readonly erasedOn?: string;
  readonly removed?: {
    readonly person: number;
    readonly identityKeys: number;
    readonly memberships: number;
    readonly links: number;
    readonly calendars: number;
    /** Activities that named the person: the person's slot removed, each judged again. */
    readonly activities: number;
  };
  /** What stays, and why (ARCHIVE_NOTE). */
  readonly remains: readonly string[];
}

/** Why the archive keeps what it keeps after an erasure (docs/operations.md, Data protection). */
export const ARCHIVE_NOTE = [
  'archive: every file that named the person stays in archive/<vendor>/<upload>/ until its seven years have passed (LOK-stöd applications are audited: GDPR art. 17(3)(b) and (e)); the archive is not read by the register, so the person is not re-created from it',
  "verdicts of periods closed or applied for keep the vendor's reference to the person (not a name or personnummer): an application sent is audited as sent",
  "receipts already delivered to the vendor stay with the vendor (they hold the vendor's references, no personnummer)",
];

/** Where an erasure's report is kept (the object store): by person id, so the same request twice erases once. */
export function erasureKey(pid: string): string {
  return `${ERASURE_NOTES}${pid}.json`;
}

/** The register's person id for the subject: by the personnummer's identity key, else the id it would have been created with. */
async function pidOf(ports: PipelinePorts, subject: ErasureSubject): Promise<string> {
  if ('pid' in subject) return subject.pid;
  const national = nationalKeyOf(subject.personnummer, ports.hasher);
  const found = (await ports.store.get([{ kind: 'identity', key: national }])).get(
    docId({ kind: 'identity', key: national }),
  );
  if (found?.kind === 'identity') return found.value.pid;
  return personIdOf(national, ports.hasher);
}

/** The activity without the person in it (as leader or participant). */
function withoutPerson(content: ActivityContent, pid: string): ActivityContent {
  return {
    ...content,
    leaders: content.leaders.filter((l) => l.pid !== pid),
    participants: content.participants.filter((p) => p.pid !== pid),
  };
}

/**
 * A person's erasure on request (GDPR art. 17): every activity that names them loses their slot and is judged
 * again; then their calendars, links, memberships, the person and last the identity keys that lead to them are
 * deleted, and a report is kept. Each step is idempotent and the person is found again by the same request
 * until the end (the identity keys go last, the report is written after), so a retry after a failure anywhere
 * finishes the erasure, and a retry after the end returns the kept report.
 */
export async function erasePerson(
  ports: PipelinePorts,
  privacy: PrivacyStore,
  clock: PipelineClock,
  subject: ErasureSubject,
): Promise<ErasureReport> {
  const pid = await pidOf(ports, subject);
  const { store, objects } = ports;
  const pending = await objects.get(pendingKey(pid));
  const kept = await objects.get(erasureKey(pid));
  if (kept !== undefined && pending !== undefined) {
    await forgetKeys(ports, pid, (JSON.parse(pending) as Pending).identityKeys);
    return JSON.parse(kept) as ErasureReport;
  }
  const person = (await store.get([{ kind: 'person', pid }])).get(docId({ kind: 'person', pid }))?.value as
    StoredPerson | undefined;
  const [memberships, links, calendars] = await Promise.all([
    privacy.membershipsOf(pid),
    privacy.linksTo(pid),
    store.calendarsOf(pid),
  ]);
  // Nothing of the person: erased before (the same request again answers as the first did), or never there. A
  // person sent again after their erasure is a person again (the same id: it derives from the personnummer).
  if (pending === undefined && !person && memberships.length + links.length + calendars.length === 0) {
    return kept !== undefined ? (JSON.parse(kept) as ErasureReport) : { pid, outcome: 'not-found', remains: [] };
  }
  return eraseFound(ports, clock, pid, { person, memberships, links, calendars, pending });
}

/** What the register holds of a person, found by `erasePerson` or by the nightly purge's walk. */
export interface PersonFound {
  readonly person: StoredPerson | undefined;
  readonly memberships: readonly StoredMembership[];
  readonly links: readonly StoredPersonLink[];
  readonly calendars: readonly StoredCalendar[];
  /** The note of an erasure of the person under way (a retry). */
  readonly pending?: string | undefined;
}

/** Erases what was found of the person (`erasePerson`, from its second step). */
export async function eraseFound(
  ports: PipelinePorts,
  clock: PipelineClock,
  pid: string,
  found: PersonFound,
): Promise<ErasureReport> {
  const { store, objects } = ports;
  const { person, memberships, links, calendars, pending } = found;
  // What the erasure will change, noted before anything is: a retry after the activities, links and the person are
  // gone still knows which activities to judge, which heads to move, which keys to delete and what the first attempt
  // found (ids, keyed hashes and counts, no personal data), so that it finishes the same erasure with the same report.
  const earlier: Pending =
    pending === undefined
      ? { identityKeys: [], activities: [], heads: [], found: { person: 0, memberships: 0, links: 0, calendars: 0 } }
      : (JSON.parse(pending) as Pending);
  const activities = await activitiesNaming(ports, pid, calendars);
  const note: Pending = {
    identityKeys: [
      ...new Set([
        ...earlier.identityKeys,
        ...(await identityKeysOf(
          ports,
          pid,
          person,
          links.flatMap((l) => l.keys),
        )),
      ]),
    ],
    activities: [
      ...new Map(
        [...earlier.activities, ...activities.map((a) => ({ vendor: a.vendor, club: a.club, id: a.id }))].map((a) => [
          docId({ kind: 'activity', ...a }),
          a,
        ]),
      ).values(),
    ],
    heads: [...new Set([...earlier.heads, ...activities.flatMap((a) => calendarKeysOf(a.club, a.content))])],
    found: {
      person: Math.max(earlier.found.person, person ? 1 : 0),
      memberships: Math.max(earlier.found.memberships, memberships.length),
      links: Math.max(earlier.found.links, links.length),
      calendars: Math.max(earlier.found.calendars, calendars.length),
    },
  };
  await objects.put(pendingKey(pid), JSON.stringify(note));

  await store.write(
    activities.map((a): Doc => ({ kind: 'activity', value: { ...a, content: withoutPerson(a.content!, pid) } })),
  );
  // Named without the person's id: the heads and the vendors' change reports are read by others.
  const erasure = `erasure-${ports.hasher.hash(`erasure|${pid}`).slice(0, 16)}`;
  await store.bumpHeads(note.heads, erasure);
  const judged = await rejudge(
    ports,
    { activities: note.activities, persons: [], cause: { kind: 'nightly', date: clock.today, part: erasure } },
    clock.today,
  );
  await recomputeClubPeriods(store, judged.clubPeriods);

  await store.write(
    [],
    [
      ...calendars.map((c): DocKey => ({
        kind: 'calendar',
        key: c.key,
        period: c.period,
        vendor: c.vendor,
        club: c.club,
      })),
      ...links.map((l): DocKey => ({ kind: 'person-link', vendor: l.vendor, club: l.club, ref: l.ref })),
      ...memberships.map((m): DocKey => ({ kind: 'membership', pid, club: m.club, vendor: m.vendor })),
    ],
  );
  await store.write([], [{ kind: 'person', pid }]);
  const report: ErasureReport = {
    pid,
    outcome: 'erased',
    erasedOn: clock.today,
    removed: { ...note.found, identityKeys: note.identityKeys.length, activities: note.activities.length },
    remains: ARCHIVE_NOTE,
  };
  // The report before the identity keys go: a retry that still finds the person by a key finds the report, and
  // finishes with the keys (above).
  await objects.put(erasureKey(pid), JSON.stringify(report));
  await forgetKeys(ports, pid, note.identityKeys);
  return report;
}

/**
 * An erasure under way (`pendingKey`): the identity keys to delete last, the activities to judge again, the heads of
 * their calendar keys as they were, what the first attempt found.
 */
interface Pending {
  readonly identityKeys: readonly string[];
  readonly activities: readonly { readonly vendor: string; readonly club: string; readonly id: string }[];
  readonly heads: readonly string[];
  readonly found: {
    readonly person: number;
    readonly memberships: number;
    readonly links: number;
    readonly calendars: number;
  };
}

function pendingKey(pid: string): string {
  return `${ERASURE_NOTES}${pid}.pending.json`;
}

/** The last step: the identity keys deleted, then the erasure's note of them. */
async function forgetKeys(ports: PipelinePorts, pid: string, identityKeys: readonly string[]): Promise<void> {
  await ports.store.write(
    [],
    identityKeys.map((key): DocKey => ({ kind: 'identity', key })),
  );
  await ports.objects.delete(pendingKey(pid));
}

/** The activities that still name the person (their calendars say where; an activity already without them is left). */
async function activitiesNaming(
  ports: PipelinePorts,
  pid: string,
  calendars: readonly { vendor: string; club: string; entries: readonly string[] }[],
): Promise<StoredActivity[]> {
  const keys = calendars.flatMap((c) =>
    c.entries.map((e): DocKey => ({ kind: 'activity', vendor: c.vendor, club: c.club, id: parseCalendarEntry(e).id })),
  );
  const found = await ports.store.get(keys);
  const named: StoredActivity[] = [];
  for (const doc of found.values()) {
    if (doc.kind !== 'activity' || !doc.value.content) continue;
    const { leaders, participants } = doc.value.content;
    if (leaders.some((l) => l.pid === pid) || participants.some((p) => p.pid === pid)) named.push(doc.value);
  }
  return named;
}

/** The identity keys that lead to the person: their links' keys and their personnummer's, where they still lead to them. */
async function identityKeysOf(
  ports: PipelinePorts,
  pid: string,
  person: StoredPerson | undefined,
  linkKeys: readonly string[],
): Promise<string[]> {
  const candidates = [
    ...new Set([...linkKeys, ...(person?.personnummer ? [nationalKeyOf(person.personnummer, ports.hasher)] : [])]),
  ];
  const found = await ports.store.get(candidates.map((key): DocKey => ({ kind: 'identity', key })));
  return [...found.values()].flatMap((doc) =>
    doc.kind === 'identity' && doc.value.pid === pid ? [doc.value.key] : [],
  );
}
