import { fileError, type FileError, type RecordError } from '../errors/record-error.js';
import type { FileSource } from '../check/file-source.js';
import { readImport } from '../format/read-import.js';
import type { ImportHeader } from '../format/records.js';
import { KeptErrors } from '../receipt/kept-errors.js';
import { emptyCounts, type DuplicateOf } from '../receipt/receipt.js';
import { applyContents, type ClubApplied } from './apply/apply-contents.js';
import { ownedBy, type ApplyingUpload } from './apply/apply-context.js';
import { clubContents, cutIntoParts, deleteParts, unitsOf, type FileClub } from './file-parts.js';
import { APPLY_UNITS_IN_PARALLEL, IMPORT_MAX_BYTES } from './import-steps.js';
import { inParallel } from './in-parallel.js';
import type { ObjectStore, PipelineClock, PipelinePorts } from './ports.js';
import {
  applyManifestKey,
  clubAppliedKey,
  readStaged,
  stagedKey,
  stagedPieces,
  type SettledPerson,
  type StagedApply,
} from './staging.js';
import { stageReached, type LedgerEntry, type Upload } from './upload.js';

/** `opened`: this attempt read the file's clubs into the ledger (uploads waiting for it may look again). */
export type ApplyResult =
  | { readonly kind: 'blocked'; readonly waitingFor: Upload; readonly opened: boolean }
  | { readonly kind: 'applied'; readonly staged: StagedApply; readonly opened: boolean };

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
async function duplicateOf(
  store: PipelinePorts['store'],
  vendor: string,
  owner: string,
): Promise<{ duplicateOf?: DuplicateOf }> {
  const entry = await store.findUpload(vendor, owner);
  return entry ? { duplicateOf: { file: entry.file, uploadId: entry.uploadId, receivedAt: entry.receivedAt } } : {};
}

export type ReadResult =
  | { readonly kind: 'blocked'; readonly waitingFor: Upload; readonly opened: boolean }
  | { readonly kind: 'read'; readonly read: StagedRead; readonly opened: boolean };

/**
 * The apply step: read the file whole (the read step), apply its clubs unit by unit, `APPLY_UNITS_IN_PARALLEL`
 * at once (memory is bounded by the units in flight, not by the file), join their results. Idempotent: every item
 * it writes records the upload that wrote it, so a retry recognises what it already did and stages the same
 * result. Blocked while an earlier upload of the same vendor that may touch its clubs is unfinished.
 */
export async function applyFile(
  ports: PipelinePorts,
  upload: Upload,
  source: FileSource,
  clock: PipelineClock,
  onRecords?: (records: number) => void,
): Promise<ApplyResult> {
  const { staged: done } = await appliedBefore(ports, upload);
  if (done) return { kind: 'applied', staged: done, opened: false };
  const read = await readFile(ports, upload, source, clock, onRecords);
  if (read.kind === 'blocked') return read;
  await inParallel(
    read.read.units.map((_, unit) => unit),
    APPLY_UNITS_IN_PARALLEL,
    (unit) => applyUnit(ports, upload, unit, clock),
  );
  return { kind: 'applied', staged: await joinApply(ports, upload), opened: read.opened };
}

async function registered(ports: PipelinePorts, upload: Upload): Promise<LedgerEntry> {
  const entry = await ports.store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  if (!entry) throw new Error(`upload ${upload.uploadId} is not registered`);
  return entry;
}

/** The upload's ledger entry, and what its apply step staged if it got that far. */
async function appliedBefore(
  ports: PipelinePorts,
  upload: Upload,
): Promise<{ readonly entry: LedgerEntry; readonly staged?: StagedApply }> {
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
  ports: PipelinePorts,
  upload: Upload,
  source: FileSource,
  clock: PipelineClock,
  onRecords?: (records: number) => void,
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
  const file = await cutIntoParts(
    objects,
    { upload, readId },
    readImport(source.chunks, { evaluationDate: clock.today, maxBytes: IMPORT_MAX_BYTES }),
    onRecords,
  );
  const sha256 = await source.sha256();
  const nothing = { readId, clubs: [], units: [], errors: [], failed: [] };
  let read: StagedRead;
  if (!file.ok) read = { status: 'rejected', sha256, error: file.error, ...nothing };
  else if (file.header.vendor !== upload.vendor) {
    await deleteParts(objects, { upload, readId }, file.clubs);
    read = {
      status: 'rejected',
      sha256,
      error: fileError('INVALID_HEADER', 2, [`vendor ska vara ${upload.vendor}`, `vendor must be ${upload.vendor}`]),
      ...nothing,
    };
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
    read =
      claim.owner !== upload.uploadId
        ? { status: 'duplicate', sha256, ...nothing, ...(await duplicateOf(store, upload.vendor, claim.owner)) }
        : {
            status: 'read',
            readId,
            sha256,
            header: file.header,
            clubs: file.clubs,
            units: unitsOf(file.clubs),
            errors: file.errors,
            failed: claim.failed,
          };
  }
  await objects.put(stagedKey(upload, 'read'), JSON.stringify(read));
  return { kind: 'read', read, opened };
}

type BlockedResult = Extract<ReadResult, { kind: 'blocked' }>;

/**
 * Blocked while the ledger holds an upload this one must wait for: the waiting rule (`mustWaitFor`, upload.ts) as
 * `RegisterStore.predecessorOf` answers it from the ledger, per club of the file.
 */
async function blockedInLedger(
  store: PipelinePorts['store'],
  upload: Upload,
  clubs: readonly string[],
  opened: boolean,
): Promise<BlockedResult | undefined> {
  const predecessor = await store.predecessorOf(upload, clubs);
  return predecessor === undefined ? undefined : { kind: 'blocked', waitingFor: predecessor, opened };
}

/** Writes the manifest of the read file's units for a Distributed Map (one line at least: a map never reads an empty one). */
export async function applyManifest(objects: ObjectStore, upload: Upload, read: StagedRead): Promise<string> {
  const key = applyManifestKey(upload);
  await objects.put(
    key,
    Array.from({ length: Math.max(1, read.units.length) }, (_, unit) => `${JSON.stringify({ unit })}\n`).join(''),
  );
  return key;
}

/** One unit of the apply step: each of its clubs applied from its parts and staged, unless an earlier attempt staged it. */
export async function applyUnit(
  ports: PipelinePorts,
  upload: Upload,
  unit: number,
  clock: PipelineClock,
): Promise<void> {
  const read = await readStaged<StagedRead>(ports.objects, stagedKey(upload, 'read'));
  const clubs = new Map(read.clubs.map((c) => [c.club, c]));
  const applying: ApplyingUpload = { ...upload, owns: ownedBy(upload, read.failed) };
  for (const club of read.units[unit] ?? []) {
    const key = clubAppliedKey(upload, club);
    if ((await ports.objects.get(key)) !== undefined) continue;
    const contents = await clubContents(ports.objects, { upload, readId: read.readId }, read.header!, clubs.get(club)!);
    await ports.objects.put(key, stagedPieces(await applyContents(ports, applying, contents, read.sha256, clock)));
  }
}

/** The end of the apply step: the clubs' results joined in file order, staged for the next steps; the ledger says `applied`. */
export async function joinApply(ports: PipelinePorts, upload: Upload): Promise<StagedApply> {
  const { entry, staged: done } = await appliedBefore(ports, upload);
  if (done) return done;
  const read = await readStaged<StagedRead>(ports.objects, stagedKey(upload, 'read'));
  const clubs =
    read.status !== 'read'
      ? []
      : await Promise.all(
          read.clubs.map((c) => readStaged<ClubApplied>(ports.objects, clubAppliedKey(upload, c.club))),
        );
  // Once every club is written: a judge that reads a head after it moved reads all of them.
  await ports.store.bumpHeads([...new Set(clubs.flatMap((c) => c.touched))], upload.uploadId);
  const staged =
    read.status !== 'read'
      ? nothingApplied(read.status, read.sha256, read.error ? [read.error] : [], read.duplicateOf)
      : joined(read, clubs);
  await ports.objects.put(stagedKey(upload, 'apply'), stagedPieces(staged));
  await ports.store.putUpload({
    ...entry,
    stage: 'applied',
    sha256: staged.sha256,
    clubs: staged.clubs,
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
    activities: clubs
      .flatMap((c) => c.activities)
      .sort((a, b) => a.line - b.line)
      .map(({ club, id, period }) => ({ club, id, period })),
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

function nothingApplied(
  status: 'rejected' | 'duplicate',
  sha256: string,
  errors: readonly FileError[],
  duplicate?: DuplicateOf,
): StagedApply {
  return {
    status,
    sha256,
    counts: emptyCounts(),
    errors,
    clubs: [],
    activities: [],
    seeds: { activities: [], persons: [], settled: [] },
    ...(duplicate ? { duplicateOf: duplicate } : {}),
  };
}
