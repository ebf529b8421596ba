import { fileError, recordError, type FileError, type RecordError } from '../errors/record-error.js';
import type { FileSource } from '../check/file-source.js';
import type { FileContents } from '../check/file-contents.js';
import { LIMITS } from '../format/limits.js';
import { readImport } from '../format/read-import.js';
import { recordKey, type ActivityRecord, type ImportHeader, type PersonRecord } from '../format/records.js';
import { KeptErrors } from '../receipt/kept-errors.js';
import { emptyCounts, type DuplicateOf } from '../receipt/receipt.js';
import { otherIds } from '../register/duplicate-ids.js';
import { fileRefusals } from '../register/file-refusals.js';
import type { PersonLink } from '../register/match-in-file.js';
import { resolveActivity } from '../register/resolve-activity.js';
import type { JudgedPerson } from '../rules/judge-input.js';
import { isClosedForActivity } from '../rules/periods.js';
import { calendarEntry, calendarKeysOf, contentOf, groupKey, periodOfDate, placeOf, sameContent, sameJudgedContent } from './activity-content.js';
import { identityKeysOf, factsOf, newPersonId, personDigest, personOf, sameFacts } from './person-identity.js';
import { clubContents, cutIntoParts, deleteParts, unitsOf, type FileClub } from './file-parts.js';
import { APPLY_UNITS_IN_PARALLEL, IMPORT_MAX_BYTES } from './import-steps.js';
import { inParallel } from './in-parallel.js';
import { docId, type ClubState, type Doc, type DocKey, type ObjectStore, type PipelineClock, type PipelinePorts } from './ports.js';
import { applyManifestKey, clubAppliedKey, readStaged, stagedKey, stagedPieces, type PersonSeed, type SettledPerson, type StagedApply } from './staging.js';
import type { ActivityContent, PreviousPlace, StoredActivity, StoredCalendar, StoredIdentity, StoredPerson, StoredPersonLink } from './stored.js';
import { stageReached, type LedgerEntry, type Upload } from './upload.js';

/** `opened`: this attempt read the file's clubs into the ledger (uploads waiting for it may look again). */
export type ApplyResult =
  | { readonly kind: 'blocked'; readonly waitingFor: Upload; readonly opened: boolean }
  | { readonly kind: 'applied'; readonly staged: StagedApply; readonly opened: boolean };

/** The file's records for one club, once duplicates are taken out. */
interface ClubRecords {
  readonly club: string;
  readonly line: number;
  readonly persons: PersonRecord[];
  readonly activities: ActivityRecord[];
  readonly deletedPersons: { id: string; line: number }[];
  readonly deletedActivities: { id: string; line: number }[];
  /** Ids sent but refused (by the reader or as duplicates): a full file does not remove them. */
  readonly refusedPersonIds: Set<string>;
  readonly refusedActivityIds: Set<string>;
}

/** The writes of an apply, in two phases: items the links depend on first, the links (which mark a record done) last. */
class Writes {
  readonly first = new Map<string, Doc>();
  readonly firstDeletes = new Map<string, DocKey>();
  readonly last = new Map<string, Doc>();
  put(doc: Doc, phase: 'first' | 'last' = 'first'): void {
    const id = docId(doc);
    (phase === 'first' ? this.first : this.last).set(id, doc);
    this.firstDeletes.delete(id);
  }
  delete(key: DocKey): void {
    const id = docId(key);
    if (!this.first.has(id)) this.firstDeletes.set(id, key);
  }
}

function isActive(state: ClubState | undefined, vendor: string, today: string): boolean {
  return state?.activations.some((a) => a.vendor === vendor && a.active && a.from <= today && (a.to === undefined || today <= a.to)) ?? false;
}

/** A stored activity in a period closed for it (lok-rules.md, PERIOD_CLOSED): a change or deletion is refused. */
function closedFor(state: ClubState, stored: StoredActivity, today: string): boolean {
  const date = stored.content?.date;
  if (date === undefined) return false;
  const period = periodOfDate(date);
  return isClosedForActivity(period, today, stored.receivedOn, {
    main: state.submittedPeriods.includes(period), supplementary: state.supplementedPeriods?.includes(period) ?? false,
  });
}

/** Splits the gathered file per club, refusing ids given twice (every occurrence: which one was meant is unknown). */
function recordsPerClub(file: FileContents, errors: RecordError[], counts: ReturnType<typeof emptyCounts>): Map<string, ClubRecords> {
  const { personDuplicates, activityDuplicates, refusedPersons, refusedActivities } = fileRefusals(file, errors, counts);
  const clubs = new Map<string, ClubRecords>();
  for (const { club, line } of file.clubs) {
    if (!clubs.has(club)) clubs.set(club, { club, line, persons: [], activities: [], deletedPersons: [], deletedActivities: [], refusedPersonIds: new Set(), refusedActivityIds: new Set() });
  }
  const of = (club: string) => clubs.get(club)!;
  for (const r of refusedPersons) of(r.club).refusedPersonIds.add(r.id);
  for (const r of refusedActivities) of(r.club).refusedActivityIds.add(r.id);
  for (const key of personDuplicates) of(key.split('\u0000')[0]!).refusedPersonIds.add(key.split('\u0000')[1]!);
  for (const key of activityDuplicates) of(key.split('\u0000')[0]!).refusedActivityIds.add(key.split('\u0000')[1]!);
  const keep = (entity: 'persons' | 'activities', dup: ReadonlySet<string>, record: { club: string; id: string }) => {
    if (!dup.has(recordKey(record))) return true;
    counts[entity].refused++;
    return false;
  };
  for (const p of file.persons) if (keep('persons', personDuplicates, p)) of(p.club).persons.push(p);
  for (const a of file.activities) if (keep('activities', activityDuplicates, a)) of(a.club).activities.push(a);
  for (const d of file.deletedPersons) if (keep('persons', personDuplicates, d)) of(d.club).deletedPersons.push(d);
  for (const d of file.deletedActivities) if (keep('activities', activityDuplicates, d)) of(d.club).deletedActivities.push(d);
  return clubs;
}

type CalendarKey = DocKey & { kind: 'calendar' };

/** The calendar items an activity's content is in: one per person or group key, in the period of its date. */
function calendarDocKeys(vendor: string, club: string, content: ActivityContent | undefined): CalendarKey[] {
  if (!content || content.date === undefined) return [];
  const period = periodOfDate(content.date);
  return calendarKeysOf(club, content).map((key) => ({ kind: 'calendar' as const, key, period, vendor, club }));
}

/**
 * Calendar changes collected over a file: per calendar item, the entries to add and to remove. A calendar is one
 * item, bounded by DynamoDB's 400 KB: an activity that would take one past LIMITS.activitiesPerPeriod entries (the
 * reader's bound for one file, here across files) is refused before it is moved (`passes`).
 */
class CalendarChanges {
  private readonly changes = new Map<string, { key: CalendarKey; add: Set<string>; remove: Set<string> }>();
  /** The stored entries of the calendars read before the activities are moved (`read`); absent: none stored. */
  private readonly stored = new Map<string, readonly string[]>();
  private readonly read = new Set<string>();
  /** The entries of the calendars `passes` has looked at, as they stand after the moves so far. */
  private readonly current = new Map<string, Set<string>>();

  /** Reads the calendars of these keys (those of persons this upload created have none stored). */
  async load(ports: PipelinePorts, keys: readonly CalendarKey[], settled: ReadonlySet<string>): Promise<void> {
    const wanted = new Map<string, CalendarKey>();
    for (const key of keys) if (!settled.has(key.key) && !this.read.has(docId(key))) wanted.set(docId(key), key);
    const docs = await ports.store.get([...wanted.values()]);
    for (const id of wanted.keys()) {
      this.read.add(id);
      const entries = (docs.get(id)?.value as StoredCalendar | undefined)?.entries;
      if (entries) this.stored.set(id, entries);
    }
  }

  /** The key whose calendar moving the activity from `before` to `after` would take past `max` entries, if any. */
  passes(vendor: string, club: string, id: string, before: ActivityContent | undefined, after: ActivityContent | undefined, max: number): CalendarKey | undefined {
    if (!after || after.date === undefined) return undefined;
    const entry = calendarEntry(after.date, id);
    const leaving = before?.date === undefined ? undefined : calendarEntry(before.date, id);
    const left = new Set(calendarDocKeys(vendor, club, before).map(docId));
    for (const key of calendarDocKeys(vendor, club, after)) {
      const entries = this.currentOf(docId(key));
      if (entries.has(entry)) continue;
      const freed = leaving !== undefined && left.has(docId(key)) && entries.has(leaving) ? 1 : 0;
      if (entries.size - freed + 1 > max) return key;
    }
    return undefined;
  }

  private currentOf(id: string): Set<string> {
    let entries = this.current.get(id);
    if (!entries) {
      entries = new Set(this.stored.get(id) ?? []);
      const change = this.changes.get(id);
      for (const e of change?.remove ?? []) if (!change!.add.has(e)) entries.delete(e);
      for (const e of change?.add ?? []) entries.add(e);
      this.current.set(id, entries);
    }
    return entries;
  }

  move(vendor: string, club: string, id: string, before: ActivityContent | undefined, after: ActivityContent | undefined): void {
    for (const [content, op] of [[before, 'remove'], [after, 'add']] as const) {
      if (!content || content.date === undefined) continue;
      const entry = calendarEntry(content.date, id);
      for (const docKey of calendarDocKeys(vendor, club, content)) {
        const idOf = docId(docKey);
        let change = this.changes.get(idOf);
        if (!change) this.changes.set(idOf, (change = { key: docKey, add: new Set(), remove: new Set() }));
        if (op === 'remove') {
          change.remove.add(entry);
          if (!change.add.has(entry)) this.current.get(idOf)?.delete(entry);
        } else {
          change.add.add(entry);
          change.remove.delete(entry);
          this.current.get(idOf)?.add(entry);
        }
      }
    }
  }
  /** Reads the calendars, applies the changes, and adds the changed ones to the writes. Set operations: a retry re-applies them harmlessly. */
  async write(ports: PipelinePorts, writes: Writes, settled: ReadonlySet<string>): Promise<void> {
    // A person this upload created has calendars only from this file: what it adds is the whole calendar, so
    // there is nothing to read (a first load reads no calendar at all); those `load` read are not read again.
    const stored = await ports.store.get([...this.changes.values()].filter((c) => !settled.has(c.key.key) && !this.read.has(docId(c.key))).map((c) => c.key));
    for (const [id, change] of this.changes) {
      const before = this.stored.get(id) ?? (stored.get(id)?.value as StoredCalendar | undefined)?.entries ?? [];
      const entries = new Set(before);
      for (const e of change.remove) if (!change.add.has(e)) entries.delete(e);
      for (const e of change.add) entries.add(e);
      const after = [...entries].sort();
      if (after.length === before.length && after.every((e, i) => e === before[i])) continue;
      if (after.length === 0) writes.delete(change.key);
      else writes.put({ kind: 'calendar', value: { key: change.key.key, period: change.key.period, vendor: change.key.vendor, club: change.key.club, entries: after } });
    }
  }
}

/**
 * What the read step staged: the file's status and, for a file to apply, its header, its clubs (cut into parts)
 * in units of work, its errors outside records, and the failed uploads of the same bytes whose writes count as
 * this upload's (`FileClaim.failed`).
 */
export interface StagedRead {
  readonly status: 'rejected' | 'duplicate' | 'read';
  /** Which read cut the parts (`clubPartKey`). */
  readonly readId: string;
  readonly sha256: string;
  readonly error?: FileError;
  readonly header?: ImportHeader;
  readonly clubs: readonly FileClub[];
  readonly units: readonly (readonly string[])[];
  readonly errors: readonly RecordError[];
  readonly failed: readonly string[];
  /** Status `duplicate`: the upload that holds the claim on the same bytes. */
  readonly duplicateOf?: DuplicateOf;
}

/** The earlier upload a duplicate copies, from the ledger (a duplicate is rare: one look-up by id is fine). */
async function duplicateOf(store: PipelinePorts['store'], vendor: string, owner: string): Promise<{ duplicateOf?: DuplicateOf }> {
  const entry = await store.findUpload(vendor, owner);
  return entry ? { duplicateOf: { file: entry.file, uploadId: entry.uploadId, receivedAt: entry.receivedAt } } : {};
}

export type ReadResult =
  | { readonly kind: 'blocked'; readonly waitingFor: Upload; readonly opened: boolean }
  | { readonly kind: 'read'; readonly read: StagedRead; readonly opened: boolean };

/**
 * A club's part of the apply step's result: its activities keep their lines, so the join puts them in file order;
 * its settled persons are ids (the join keeps those of one club only); the keys its changes reach are moved by the
 * join, once for the file: a head moved per club would not move again for the file's next club (a retry's move
 * is skipped), and a judge elsewhere that read it in between would miss that club's writes.
 */
type ClubApplied = Omit<StagedApply, 'activities' | 'seeds'> & {
  readonly activities: readonly { readonly club: string; readonly id: string; readonly period: string; readonly line: number }[];
  readonly seeds: Omit<StagedApply['seeds'], 'settled'> & { readonly settled: readonly string[] };
  /** The calendar keys whose heads the join moves once every club is written (rejudge.ts). */
  readonly touched: readonly string[];
};

/**
 * The apply step: read the file whole (the read step), apply its clubs unit by unit, `APPLY_UNITS_IN_PARALLEL`
 * at once (memory is bounded by the units in flight, not by the file), join their results. Idempotent: every item
 * it writes records the upload that wrote it, so a retry recognises what it already did and stages the same
 * result. Blocked while an earlier upload of the same vendor that may touch its clubs is unfinished.
 */
export async function applyFile(
  ports: PipelinePorts, upload: Upload, source: FileSource, clock: PipelineClock, onRecords?: (records: number) => void,
): Promise<ApplyResult> {
  const { staged: done } = await appliedBefore(ports, upload);
  if (done) return { kind: 'applied', staged: done, opened: false };
  const read = await readFile(ports, upload, source, clock, onRecords);
  if (read.kind === 'blocked') return read;
  await inParallel(read.read.units.map((_, unit) => unit), APPLY_UNITS_IN_PARALLEL, (unit) => applyUnit(ports, upload, unit, clock));
  return { kind: 'applied', staged: await joinApply(ports, upload), opened: read.opened };
}

async function registered(ports: PipelinePorts, upload: Upload): Promise<LedgerEntry> {
  const entry = await ports.store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  if (!entry) throw new Error(`upload ${upload.uploadId} is not registered`);
  return entry;
}

/** The upload's ledger entry, and what its apply step staged if it got that far. */
async function appliedBefore(ports: PipelinePorts, upload: Upload): Promise<{ readonly entry: LedgerEntry; readonly staged?: StagedApply }> {
  const entry = await registered(ports, upload);
  if (!stageReached(entry.stage, 'applied')) return { entry };
  const text = await ports.objects.get(stagedKey(upload, 'apply'));
  return text === undefined ? { entry } : { entry, staged: JSON.parse(text) as StagedApply };
}

/**
 * The read step: the file read and validated whole, its records cut into parts per club (file-parts.ts), its
 * clubs entered in the ledger, its turn checked and its bytes claimed. Nothing of the register changes here.
 */
export async function readFile(
  ports: PipelinePorts, upload: Upload, source: FileSource, clock: PipelineClock, onRecords?: (records: number) => void,
): Promise<ReadResult> {
  const { store, objects } = ports;
  let entry = await registered(ports, upload);
  const before = await objects.get(stagedKey(upload, 'read'));
  if (before !== undefined) return { kind: 'read', read: JSON.parse(before) as StagedRead, opened: false };
  // It waits for the earlier uploads of its vendor that may touch its clubs (importer-format.md, Order): known
  // from an earlier attempt without reading the file again, else once the file is read.
  if (entry.clubsInFile) {
    const blocked = await blockedInLedger(store, upload, entry.clubsInFile, false);
    if (blocked) return blocked;
  }
  let opened = false;
  // Its own parts: an earlier attempt's, or another invocation's still running, are never mixed with these.
  const readId = `${clock.now().replace(/[^0-9]/g, '')}-${Math.random().toString(36).slice(2, 10)}`;
  const file = await cutIntoParts(objects, { upload, readId }, readImport(source.chunks, { evaluationDate: clock.today, maxBytes: IMPORT_MAX_BYTES }), onRecords);
  const sha256 = await source.sha256();
  const nothing = { readId, clubs: [], units: [], errors: [], failed: [] };
  let read: StagedRead;
  if (!file.ok) read = { status: 'rejected', sha256, error: file.error, ...nothing };
  else if (file.header.vendor !== upload.vendor) {
    await deleteParts(objects, { upload, readId }, file.clubs);
    read = { status: 'rejected', sha256, error: fileError('INVALID_HEADER', 2, [`vendor ska vara ${upload.vendor}`, `vendor must be ${upload.vendor}`]), ...nothing };
  } else {
    const clubsInFile = file.clubs.map((c) => c.club);
    // The bytes' hash and the file's clubs go into the ledger before anything else: later uploads of other clubs
    // need not wait for this one; if this upload fails, failing it finds the claim (below) and releases it, so that
    // the same bytes sent again are imported instead of refused as a duplicate; and reconciliation knows where its
    // records may lie.
    if (!entry.clubsInFile) {
      entry = { ...entry, sha256, clubsInFile, mode: file.header.mode };
      await store.putUpload(entry);
      await store.openClubs(upload, clubsInFile);
      opened = true;
      const blocked = await blockedInLedger(store, upload, clubsInFile, opened);
      if (blocked) return blocked;
    }
    const claim = await store.claimFile(upload.vendor, sha256, upload.uploadId);
    read = claim.owner !== upload.uploadId
      ? { status: 'duplicate', sha256, ...nothing, ...await duplicateOf(store, upload.vendor, claim.owner) }
      : { status: 'read', readId, sha256, header: file.header, clubs: file.clubs, units: unitsOf(file.clubs), errors: file.errors, failed: claim.failed };
  }
  await objects.put(stagedKey(upload, 'read'), JSON.stringify(read));
  return { kind: 'read', read, opened };
}

type Blocked = Extract<ReadResult, { kind: 'blocked' }>;

/**
 * Blocked while the ledger holds an upload this one must wait for: the waiting rule (`mustWaitFor`, upload.ts) as
 * `RegisterStore.predecessorOf` answers it from the ledger, per club of the file.
 */
async function blockedInLedger(store: PipelinePorts['store'], upload: Upload, clubs: readonly string[], opened: boolean): Promise<Blocked | undefined> {
  const predecessor = await store.predecessorOf(upload, clubs);
  return predecessor === undefined ? undefined : { kind: 'blocked', waitingFor: predecessor, opened };
}

/** Writes the manifest of the read file's units for a Distributed Map (one line at least: a map never reads an empty one). */
export async function applyManifest(objects: ObjectStore, upload: Upload, read: StagedRead): Promise<string> {
  const key = applyManifestKey(upload);
  await objects.put(key, Array.from({ length: Math.max(1, read.units.length) }, (_, unit) => `${JSON.stringify({ unit })}\n`).join(''));
  return key;
}

/** One unit of the apply step: each of its clubs applied from its parts and staged, unless an earlier attempt staged it. */
export async function applyUnit(ports: PipelinePorts, upload: Upload, unit: number, clock: PipelineClock): Promise<void> {
  const read = await readStaged<StagedRead>(ports.objects, stagedKey(upload, 'read'));
  const clubs = new Map(read.clubs.map((c) => [c.club, c]));
  const applying: ApplyingUpload = { ...upload, owns: ownedBy(upload, read.failed) };
  for (const club of read.units[unit] ?? []) {
    const key = clubAppliedKey(upload, club);
    if (await ports.objects.get(key) !== undefined) continue;
    const contents = await clubContents(ports.objects, { upload, readId: read.readId }, read.header!, clubs.get(club)!);
    await ports.objects.put(key, stagedPieces(await applyContents(ports, applying, contents, read.sha256, clock)));
  }
}

/** The end of the apply step: the clubs' results joined in file order, staged for the next steps; the ledger says `applied`. */
export async function joinApply(ports: PipelinePorts, upload: Upload): Promise<StagedApply> {
  const { entry, staged: done } = await appliedBefore(ports, upload);
  if (done) return done;
  const read = await readStaged<StagedRead>(ports.objects, stagedKey(upload, 'read'));
  const clubs = read.status !== 'read' ? [] : await Promise.all(read.clubs.map((c) => readStaged<ClubApplied>(ports.objects, clubAppliedKey(upload, c.club))));
  // Once every club is written: a judge that reads a head after it moved reads all of them.
  await ports.store.bumpHeads([...new Set(clubs.flatMap((c) => c.touched))], upload.uploadId);
  const staged = read.status !== 'read' ? nothingApplied(read.status, read.sha256, read.error ? [read.error] : [], read.duplicateOf) : joined(read, clubs);
  await ports.objects.put(stagedKey(upload, 'apply'), stagedPieces(staged));
  await ports.store.putUpload({
    ...entry, stage: 'applied', sha256: staged.sha256, clubs: staged.clubs,
    ...(staged.status === 'rejected' || staged.status === 'duplicate' ? { status: staged.status } : {}),
  });
  return staged;
}

function joined(read: StagedRead, clubs: readonly ClubApplied[]): StagedApply {
  const counts = emptyCounts();
  for (const c of clubs) {
    for (const k of ['created', 'updated', 'unchanged', 'deleted', 'refused'] as const) {
      counts.persons[k] += c.counts.persons[k];
      counts.activities[k] += c.counts.activities[k];
    }
  }
  // Each club kept its first errors by line: together they hold the file's first ones.
  const errors = new KeptErrors();
  errors.merge(read);
  for (const c of clubs) errors.merge(c);
  return {
    status: errors.total > 0 ? 'partially_applied' : 'applied',
    sha256: read.sha256,
    counts,
    ...errors.summary(),
    clubs: clubs.flatMap((c) => c.clubs),
    activities: clubs.flatMap((c) => c.activities).sort((a, b) => a.line - b.line).map(({ club, id, period }) => ({ club, id, period })),
    seeds: {
      activities: clubs.flatMap((c) => c.seeds.activities),
      persons: clubs.flatMap((c) => c.seeds.persons),
      settled: settledInOneClub(read.clubs, clubs),
    },
  };
}

/** Persons created in exactly one club of the file, with it: a person of several clubs is never settled (judge-in-chunks.ts). */
function settledInOneClub(fileClubs: readonly FileClub[], clubs: readonly ClubApplied[]): SettledPerson[] {
  const clubOf = new Map<string, string | null>();
  for (const [i, applied] of clubs.entries()) {
    const club = fileClubs[i]!.club;
    for (const pid of applied.seeds.settled) clubOf.set(pid, clubOf.has(pid) && clubOf.get(pid) !== club ? null : club);
  }
  return [...clubOf].flatMap(([pid, club]) => (club === null ? [] : [{ pid, club }]));
}

/**
 * The upload applying a file, and whose writes count as its own: its earlier attempts' (they name it), and
 * those of failed uploads of the same bytes (`FileClaim.failed`), which wrote the same records before they died.
 * Either way a record written by them is one this upload applied: counted with their outcome, seeded again.
 */
interface ApplyingUpload extends Upload {
  owns(writer: string | undefined): boolean;
}

function ownedBy(upload: Upload, failedUploads: readonly string[]): ApplyingUpload['owns'] {
  const failed = new Set(failedUploads);
  return (writer) => writer === upload.uploadId || (writer !== undefined && failed.has(writer));
}

function nothingApplied(status: 'rejected' | 'duplicate', sha256: string, errors: readonly FileError[], duplicate?: DuplicateOf): StagedApply {
  return {
    status, sha256, counts: emptyCounts(), errors, clubs: [], activities: [], seeds: { activities: [], persons: [], settled: [] },
    ...(duplicate ? { duplicateOf: duplicate } : {}),
  };
}

async function applyContents(ports: PipelinePorts, upload: ApplyingUpload, file: FileContents, sha256: string, clock: PipelineClock): Promise<ClubApplied> {
  const { store } = ports;
  const { vendor, uploadId } = upload;
  const today = clock.today;
  const createdOn = clock.swedishDateOf(file.header.created);
  // Bounded (errors found after reading have no limit of their own: a ref to nobody is one each).
  const errors = new KeptErrors();
  for (const error of file.errors) errors.push(error);
  const recordErrors: RecordError[] = [];
  const counts = emptyCounts();
  const perClub = recordsPerClub(file, recordErrors, counts);
  for (const error of recordErrors) errors.push(error);
  recordErrors.length = 0;
  const states = await store.clubs([...perClub.keys()]);
  const writes = new Writes();
  const calendars = new CalendarChanges();
  const personSeeds = new Map<string, PersonSeed>();
  // The calendar keys whose heads move once everything is written: every key a seed reaches (rejudge.ts).
  const touched = new Set<string>();
  const seedPerson = (pid: string, club?: string) => {
    const key = club === undefined ? pid : `${pid}|${club}`;
    if (!personSeeds.has(key)) personSeeds.set(key, { pid, ...(club !== undefined ? { club } : {}) });
    touched.add(pid);
  };
  const activitySeeds: { club: string; id: string }[] = [];
  const seedActivity = (club: string, id: string, ...places: (PreviousPlace | undefined)[]) => {
    activitySeeds.push({ club, id });
    for (const place of places) for (const key of place?.keys ?? []) touched.add(key);
  };
  const settled = new Set<string>();
  const applied: { club: string; id: string; period: string; line: number }[] = [];
  const authorised: string[] = [];

  for (const records of perClub.values()) {
    const state = states.get(records.club);
    if (!state || !isActive(state, vendor, today)) {
      errors.push(recordError('CLUB_NOT_ACTIVATED', records.line, { club: records.club }));
      counts.persons.refused += records.persons.length + records.deletedPersons.length;
      counts.activities.refused += records.activities.length + records.deletedActivities.length;
      continue;
    }
    authorised.push(records.club);
    const links = await store.linksOf(vendor, records.club);
    const personLinks = new Map(links.persons.map((l) => [l.ref, l]));
    const storedActivities = new Map(links.activities.map((a) => [a.id, a]));
    const accepted = await matchPersons(ports, upload, records, state, personLinks, writes, errors, counts, seedPerson, (pid) => settled.add(pid), file.header.mode);

    // Refs resolve to this file's accepted persons, or to live links the file leaves in place.
    const stubs = new Map<string, JudgedPerson>();
    const linkOf = (club: string, ref: string): PersonLink | undefined => {
      const pid = accepted.get(ref);
      if (pid === undefined) return undefined;
      let person = stubs.get(pid);
      if (!person) stubs.set(pid, (person = { key: pid, identity: 'none', memberships: new Map() }));
      return { ref, person, disability: false };
    };
    const origin = { vendor, receivedOn: today, createdOn };
    // The calendars the club's activities are added to, read before any is moved: an activity that would take one
    // past the limit is refused. Keys only (the activities are resolved again below).
    await calendars.load(ports, records.activities.flatMap((record) => {
      const stored = storedActivities.get(record.id);
      if (stored && upload.owns(stored.lastUpload)) return [];
      const content = contentOf(record, resolveActivity(record, linkOf, origin).activity);
      return sameContent(stored?.content, content) ? [] : calendarDocKeys(vendor, records.club, content);
    }), settled);
    const sent = new Set<string>();
    for (const record of records.activities) {
      sent.add(record.id);
      const stored = storedActivities.get(record.id);
      const live = stored?.content !== undefined ? stored : undefined;
      const resolved = resolveActivity(record, linkOf, origin);
      for (const error of resolved.errors) errors.push(error);
      if (stored && upload.owns(stored.lastUpload)) {
        // Applied by an earlier attempt of this upload (or a failed upload of the same bytes): the same outcome. Its calendars were written before it
        // (phase one ends before any link is written), so nothing more to do.
        count(counts.activities, stored.lastOutcome);
        if (stored.content) applied.push({ club: records.club, id: record.id, period: periodOfDate(stored.content.date), line: record.line });
        // A new person's calendar is written from this file's entries alone (not read): this activity's must be
        // among them again. For a calendar that is read, the entry is there already and nothing changes.
        if (stored.content) calendars.move(vendor, records.club, record.id, undefined, stored.content);
        if (!stored.verdictUnchanged) seedActivity(records.club, record.id, placeOf(records.club, stored.content), stored.prev);
        continue;
      }
      const content = contentOf(record, resolved.activity);
      if (live && sameContent(live.content, content)) {
        counts.activities.unchanged++;
        applied.push({ club: records.club, id: record.id, period: periodOfDate(content.date), line: record.line });
        continue;
      }
      if (live && closedFor(state, live, today)) {
        errors.push(recordError('PERIOD_CLOSED', record.line, { club: records.club, record: record.id }));
        counts.activities.refused++;
        continue;
      }
      const full = calendars.passes(vendor, records.club, record.id, live?.content, content, LIMITS.activitiesPerPeriod);
      if (full) {
        errors.push(recordError('TOO_MANY_ACTIVITIES', record.line, { club: records.club, record: record.id }, `${calendarName(records.club, content, full.key)} > ${LIMITS.activitiesPerPeriod} (${full.period})`));
        counts.activities.refused++;
        continue;
      }
      const outcome = live ? 'updated' : 'created';
      counts.activities[outcome]++;
      const prev = placeOf(records.club, live?.content);
      // A new place name (or group name) changes no verdict: nothing to re-judge, which keeps a typical small
      // correction from re-judging every week its leaders and participants reach.
      // (The file's created date matters only to ACTIVITY_IN_FUTURE: whether the activity lies after it.)
      const future = (created: string) => content.date !== undefined && content.date > created;
      const verdictUnchanged = live !== undefined && future(live.createdOn) === future(createdOn) && sameJudgedContent(live.content!, content);
      writes.put({ kind: 'activity', value: {
        vendor, club: records.club, id: record.id, content, receivedOn: stored?.receivedOn ?? today, createdOn,
        lastUpload: uploadId, lastCompletedAt: upload.completedAt, lastOutcome: outcome, ...(prev ? { prev } : {}), ...(verdictUnchanged ? { verdictUnchanged } : {}),
      } }, 'last');
      calendars.move(vendor, records.club, record.id, live?.content, content);
      if (!verdictUnchanged) seedActivity(records.club, record.id, placeOf(records.club, content), prev);
      applied.push({ club: records.club, id: record.id, period: periodOfDate(content.date), line: record.line });
    }
    const removals: { id: string; line: number; explicit: boolean }[] = records.deletedActivities.map((d) => ({ ...d, explicit: true }));
    for (const d of records.deletedActivities) sent.add(d.id);
    // A full file removes what it does not send; a record it sent but that was refused is not "not sent".
    for (const id of records.refusedActivityIds) sent.add(id);
    if (file.header.mode === 'full') {
      for (const [id, stored] of storedActivities) {
        if (!sent.has(id) && (stored.content !== undefined || upload.owns(stored.lastUpload))) removals.push({ id, line: records.line, explicit: false });
      }
    }
    for (const removal of removals) {
      const stored = storedActivities.get(removal.id);
      if (stored && upload.owns(stored.lastUpload) && stored.lastOutcome === 'deleted') {
        counts.activities.deleted++;
        seedActivity(records.club, removal.id, stored.prev);
        continue;
      }
      if (!stored?.content) {
        if (removal.explicit) {
          errors.push(recordError('UNKNOWN_RECORD', removal.line, { club: records.club, record: removal.id }));
          counts.activities.refused++;
        }
        continue;
      }
      if (closedFor(state, stored, today)) {
        errors.push(recordError('PERIOD_CLOSED', removal.line, { club: records.club, record: removal.id }));
        if (removal.explicit) counts.activities.refused++;
        continue;
      }
      counts.activities.deleted++;
      const prev = placeOf(records.club, stored.content)!;
      writes.put({ kind: 'activity', value: {
        vendor, club: records.club, id: removal.id, receivedOn: stored.receivedOn, createdOn: stored.createdOn,
        lastUpload: uploadId, lastCompletedAt: upload.completedAt, lastOutcome: 'deleted', prev,
      } }, 'last');
      calendars.move(vendor, records.club, removal.id, stored.content, undefined);
      seedActivity(records.club, removal.id, prev);
    }
  }

  await calendars.write(ports, writes, settled);
  // Phase one, then the links and activities that mark each record done: a crash in between leaves records
  // that a retry applies again, never a link without the items it points to.
  await store.write([...writes.first.values()], [...writes.firstDeletes.values()]);
  await store.write([...writes.last.values()]);
  // In file order once the join has every club's (byLine).
  return {
    status: errors.total > 0 ? 'partially_applied' : 'applied',
    sha256,
    counts,
    ...errors.summary(),
    clubs: authorised,
    activities: applied,
    seeds: { activities: activitySeeds, persons: [...personSeeds.values()], settled: [...settled] },
    touched: [...touched],
  };
}

/** How the vendor names a calendar key of an activity: the ref of its person, or its group's id (never a register id). */
function calendarName(club: string, content: ActivityContent, key: string): string {
  const person = [...content.leaders, ...content.participants].find((p) => p.pid === key);
  return person?.ref ?? (content.group && groupKey(club, content.group.id) === key ? `group ${content.group.id}` : 'a person');
}

function count(counts: { created: number; updated: number; deleted: number }, outcome: 'created' | 'updated' | 'deleted'): void {
  counts[outcome]++;
}

/**
 * Matches a club's person records (importer-format.md, Identity) and stages their writes. Returns the refs that
 * activities may name: accepted records of the file and live links the file leaves in place.
 */
async function matchPersons(
  ports: PipelinePorts, upload: ApplyingUpload, records: ClubRecords, state: ClubState, links: Map<string, StoredPersonLink>,
  writes: Writes, errors: KeptErrors, counts: ReturnType<typeof emptyCounts>,
  seedPerson: (pid: string, club?: string) => void, settle: (pid: string) => void, mode: 'delta' | 'full',
): Promise<Map<string, string>> {
  const { store, hasher } = ports;
  const { vendor, uploadId } = upload;
  const club = records.club;
  const where = (id: string) => ({ club, record: id });

  interface Candidate { record: PersonRecord; pid: string; link?: StoredPersonLink; keys: string[]; newKeys: string[]; newPerson: boolean; digest: string }
  const candidates: Candidate[] = [];
  const done = new Map<string, string>();
  const refused = new Set<string>();
  const keysOf = new Map<PersonRecord, ReturnType<typeof identityKeysOf>>();
  const lookups: DocKey[] = [];
  for (const record of records.persons) {
    const link = links.get(record.id);
    if (link && upload.owns(link.lastUpload) && !link.deleted) {
      count(counts.persons, link.lastOutcome);
      done.set(record.id, link.pid);
      if (link.newPerson) settle(link.pid);
      if (link.seed) seedPerson(link.pid, link.seed === 'club' ? club : undefined);
      continue;
    }
    const keys = identityKeysOf(record, state.club.identityKey, hasher);
    keysOf.set(record, keys);
    for (const k of [keys.clubKey, keys.national]) if (k) lookups.push({ kind: 'identity', key: k });
  }
  const found = await store.get(lookups);
  const identityOf = (key: string | undefined) => (key === undefined ? undefined : found.get(docId({ kind: 'identity', key }))?.value as StoredIdentity | undefined);
  const owner = (key: string | undefined) => identityOf(key)?.pid;
  /** Known before this upload: a key this upload created (an earlier attempt of it) does not count. */
  const knownBefore = (key: string | undefined) => { const identity = identityOf(key); return identity !== undefined && !upload.owns(identity.createdBy); };

  for (const [record, keys] of keysOf) {
    const link = links.get(record.id);
    const live = link && !link.deleted ? link : undefined;
    const digest = personDigest(record, hasher);
    if (live && live.digest === digest) {
      counts.persons.unchanged++;
      done.set(record.id, live.pid);
      continue;
    }
    const byClubKey = owner(keys.clubKey);
    const byNational = owner(keys.national);
    let pid: string;
    if (live) {
      pid = live.pid;
      const other = [byClubKey, byNational].find((p) => p !== undefined && p !== pid);
      if (other) {
        errors.push(recordError('IDENTITY_CONFLICT', record.line, where(record.id)));
        refused.add(record.id);
        continue;
      }
    } else {
      if (byClubKey !== undefined && byNational !== undefined && byClubKey !== byNational) {
        errors.push(recordError('IDENTITY_CONFLICT', record.line, where(record.id)));
        refused.add(record.id);
        continue;
      }
      pid = byClubKey ?? byNational ?? newPersonId(keys, vendor, record, hasher);
    }
    // A deleted link coming back is not a new person: its id (derived from the same identity, or from the same
    // vendor id when there is none) may be named by activities stored before.
    const newPerson = link === undefined && !knownBefore(keys.clubKey) && !knownBefore(keys.national);
    const all = [...new Set([keys.clubKey, keys.national])].filter((k): k is string => k !== undefined);
    candidates.push({ record, pid, ...(live ? { link: live } : {}), keys: all, newKeys: all.filter((k) => owner(k) === undefined || !knownBefore(k)), newPerson, digest });
  }

  // A person found by e-mail or member number whose known personnummer is another than the record's is not
  // the same person: reported, never merged.
  // A new person's item cannot exist yet (but for an earlier attempt of this upload, which wrote the same).
  const persons = await store.get(candidates.filter((c) => !c.newPerson).map((c) => ({ kind: 'person' as const, pid: c.pid })));
  const storedPerson = (pid: string) => persons.get(docId({ kind: 'person', pid }))?.value as StoredPerson | undefined;
  for (const c of [...candidates]) {
    const known = storedPerson(c.pid)?.personnummer;
    if (c.record.identity.kind === 'personnummer' && known !== undefined && known !== c.record.identity.personnummer && !c.link) {
      errors.push(recordError('IDENTITY_CONFLICT', c.record.line, where(c.record.id)));
      refused.add(c.record.id);
      candidates.splice(candidates.indexOf(c), 1);
    }
  }

  // Two ids of the club that are one person: every one of them is refused, never merged.
  const deleted = new Set(records.deletedPersons.map((d) => d.id));
  const sentIds = new Set([...records.persons.map((p) => p.id), ...records.refusedPersonIds]);
  const holders = new Map<string, string[]>();
  const hold = (pid: string, ref: string): void => {
    const list = holders.get(pid);
    if (list) list.push(ref);
    else holders.set(pid, [ref]);
  };
  for (const c of candidates) hold(c.pid, c.record.id);
  for (const [pid, ref] of done) hold(pid, ref);
  for (const [ref, link] of links) {
    if (!link.deleted && !sentIds.has(ref) && !deleted.has(ref) && !(mode === 'full')) hold(link.pid, ref);
  }
  const accepted = new Map<string, string>(done);
  for (const c of candidates) {
    const same = holders.get(c.pid)!;
    if (same.length > 1) {
      errors.push(recordError('DUPLICATE_PERSON_IDENTITY', c.record.line, where(c.record.id), otherIds(same, c.record.id)));
      refused.add(c.record.id);
      continue;
    }
    const { record, pid } = c;
    const outcome = c.link ? 'updated' : 'created';
    counts.persons[outcome]++;
    accepted.set(record.id, pid);
    const person = personOf(pid, record);
    const stored = storedPerson(pid);
    if (!stored || JSON.stringify(stored) !== JSON.stringify(person)) writes.put({ kind: 'person', value: person });
    // Only keys new to the register are written: an existing key already points at this person.
    for (const key of c.newKeys) writes.put({ kind: 'identity', value: { key, pid, createdBy: uploadId } });
    // Keys the record no longer has (a corrected personnummer) stop pointing at the person.
    for (const key of c.link?.keys ?? []) if (!c.keys.includes(key)) writes.delete({ kind: 'identity', key });
    writes.put({ kind: 'membership', value: { pid, club, vendor, ref: record.id, memberships: record.memberships } });
    const facts = factsOf(record);
    // Whose verdicts may change: everywhere when the facts the rules read changed (or a known person got a new
    // link), in this club when only the record did, or the person is new (another vendor's activities of the club
    // may name them already: a first load at the same time; the judge looks them up only if so). Kept on the
    // link, so that a retry seeds the same.
    const seed = (c.link && !sameFacts(c.link.facts, facts)) || (!c.link && !c.newPerson) ? 'all' : 'club';
    writes.put({ kind: 'person-link', value: {
      vendor, club, ref: record.id, pid, digest: c.digest, facts, keys: c.keys, newPerson: c.newPerson,
      lastUpload: uploadId, lastOutcome: outcome, ...(seed ? { seed } : {}),
    } }, 'last');
    if (seed) seedPerson(pid, seed === 'club' ? club : undefined);
    if (c.newPerson) settle(pid);
  }
  counts.persons.refused += refused.size;

  // Deletions: explicit ones, and in full mode every live link the file did not send.
  const removals: { ref: string; line: number; explicit: boolean }[] = records.deletedPersons.map((d) => ({ ref: d.id, line: d.line, explicit: true }));
  if (mode === 'full') {
    for (const [ref, link] of links) {
      if (!sentIds.has(ref) && !deleted.has(ref) && (!link.deleted || upload.owns(link.lastUpload))) removals.push({ ref, line: records.line, explicit: false });
    }
  }
  for (const removal of removals) {
    const link = links.get(removal.ref);
    if (link?.deleted && upload.owns(link.lastUpload)) {
      counts.persons.deleted++;
      seedPerson(link.pid, club);
      continue;
    }
    if (!link || link.deleted) {
      if (removal.explicit) {
        errors.push(recordError('UNKNOWN_RECORD', removal.line, where(removal.ref)));
        counts.persons.refused++;
      }
      continue;
    }
    counts.persons.deleted++;
    writes.delete({ kind: 'membership', pid: link.pid, club, vendor });
    writes.put({ kind: 'person-link', value: { ...link, deleted: true, lastUpload: uploadId, lastOutcome: 'deleted' } }, 'last');
    seedPerson(link.pid, club);
  }
  // Live links the file leaves in place stay resolvable (a delta file names persons sent earlier).
  for (const [ref, link] of links) {
    if (!link.deleted && !sentIds.has(ref) && !deleted.has(ref) && mode === 'delta') accepted.set(ref, link.pid);
  }
  for (const ref of refused) accepted.delete(ref);
  return accepted;
}
