import { gatherFile, type FileContents } from '../check/file-contents.js';
import type { FileError, RecordError } from '../errors/record-error.js';
import { walkEvents, type ImportEvent } from '../format/import-event.js';
import type { ImportHeader } from '../format/records.js';
import { APPLY_UNIT_RECORDS } from './import-steps.js';
import type { ObjectStore, Upload } from './ports.js';
import { clubPartKey } from './staging.js';

/** A record event of one club, as a part holds it. */
type ClubEvent = Extract<
  ImportEvent,
  { kind: 'person' | 'activity' | 'delete-person' | 'delete-activity' | 'refused' }
>;

/** Whose parts: one read of an upload's file (`clubPartKey`). */
export interface PartsOf {
  readonly upload: Upload;
  readonly readId: string;
}

/** A club of the file: the line of its (first) Club element, its records and the parts they were cut into. */
export interface FileClub {
  readonly club: string;
  readonly line: number;
  readonly records: number;
  readonly parts: number;
}

/** What reading a whole file gave: rejected, or its header, its clubs (cut into parts) and its errors outside records. */
export type FileRead =
  | { readonly ok: false; readonly error: FileError; readonly vendor?: string }
  | {
      readonly ok: true;
      readonly header: ImportHeader;
      readonly clubs: readonly FileClub[];
      readonly errors: readonly RecordError[];
    };

/** How records are buffered: a part is written once its club's records reach `part` bytes of JSON; every club's once all clubs' unwritten records reach `buffered`. */
export interface PartSizes {
  readonly part: number;
  readonly buffered: number;
}

const PART_SIZES: PartSizes = { part: 4 * 1024 * 1024, buffered: 48 * 1024 * 1024 };

/**
 * Reads a whole file once and cuts its records into parts per club in the object store, so that no step ever
 * holds more than one club of it. Memory is bounded by what is buffered (`sizes.buffered`), not by the file. A
 * file rejected at its last byte still applies nothing: its parts are deleted and the rejection returned.
 */
export async function cutIntoParts(
  objects: ObjectStore,
  read: PartsOf,
  batches: AsyncIterable<readonly ImportEvent[]>,
  onRecords?: (records: number) => void,
  sizes = PART_SIZES,
): Promise<FileRead> {
  const parts = new ClubParts(objects, read, sizes.part);
  const errors: RecordError[] = [];
  let records = 0;
  const end = await walkEvents(
    batches,
    (event) => {
      if (event.kind === 'club') parts.open(event.club, event.line);
      else if (event.kind === 'error') errors.push(event.error);
      else {
        parts.add(event.kind === 'refused' ? event.club : event.record.club, event);
        if (++records % 10_000 === 0) onRecords?.(records);
      }
    },
    () => parts.flushOver(sizes.buffered),
  );
  if (!end.ok) {
    await parts.discard();
    return end;
  }
  onRecords?.(records);
  await parts.flushOver(0);
  return { ok: true, header: end.header, clubs: parts.clubs(), errors };
}

/** The buffered records per club and the parts written so far. */
class ClubParts {
  private readonly byClub = new Map<
    string,
    { line: number; records: number; parts: number; lines: string[]; bytes: number }
  >();
  private buffered = 0;
  constructor(
    private readonly objects: ObjectStore,
    private readonly read: PartsOf,
    private readonly partBytes: number,
  ) {}

  open(club: string, line: number): void {
    if (!this.byClub.has(club)) this.byClub.set(club, { line, records: 0, parts: 0, lines: [], bytes: 0 });
  }

  add(club: string, event: ClubEvent): void {
    const text = JSON.stringify(event);
    const of = this.byClub.get(club);
    if (!of) throw new Error(`a record of club ${club} outside its Club element`);
    of.lines.push(text);
    of.records++;
    of.bytes += text.length;
    this.buffered += text.length;
  }

  /** Writes a part of every club with `partBytes` buffered, and of every club at all once the buffers reach `limit`. */
  async flushOver(limit: number): Promise<void> {
    const all = this.buffered > limit;
    for (const [club, of] of this.byClub) {
      if (of.lines.length === 0 || (!all && of.bytes < this.partBytes)) continue;
      const lines = of.lines;
      of.lines = [];
      this.buffered -= of.bytes;
      of.bytes = 0;
      await this.objects.put(
        clubPartKey(this.read.upload, this.read.readId, club, of.parts++),
        (function* () {
          for (const l of lines) yield `${l}\n`;
        })(),
      );
    }
  }

  clubs(): FileClub[] {
    return [...this.byClub].map(([club, { line, records, parts }]) => ({ club, line, records, parts }));
  }

  async discard(): Promise<void> {
    await deleteParts(this.objects, this.read, this.clubs());
  }
}

/** Deletes the clubs' parts (a file that applies nothing leaves none behind). */
export async function deleteParts(objects: ObjectStore, read: PartsOf, clubs: readonly FileClub[]): Promise<void> {
  for (const { club, parts } of clubs)
    for (let part = 0; part < parts; part++) await objects.delete(clubPartKey(read.upload, read.readId, club, part));
}

/** One club's records read back from its parts: the file as if it held that club alone (gathered as `check` gathers a file). */
export async function clubContents(
  objects: ObjectStore,
  read: PartsOf,
  header: ImportHeader,
  club: FileClub,
): Promise<FileContents> {
  async function* events(): AsyncGenerator<readonly ImportEvent[]> {
    yield [
      { kind: 'header', header, line: 1 },
      { kind: 'club', club: club.club, line: club.line },
    ];
    for (let part = 0; part < club.parts; part++) {
      const key = clubPartKey(read.upload, read.readId, club.club, part);
      const text = await objects.get(key);
      if (text === undefined) throw new Error(`part ${key} is missing: run the read step again`);
      yield text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as ClubEvent);
    }
  }
  const gathered = await gatherFile(events());
  if (!gathered.ok) throw new Error(`the parts of club ${club.club} hold a rejection`);
  return gathered.contents;
}

/**
 * The file's clubs in units of work, in file order: a unit holds whole clubs, up to APPLY_UNIT_RECORDS records
 * (a larger club is a unit of its own). Units are applied side by side, each retried on its own.
 */
export function unitsOf(clubs: readonly FileClub[], unitRecords = APPLY_UNIT_RECORDS): string[][] {
  const units: string[][] = [];
  let current: string[] = [];
  let records = 0;
  for (const club of clubs) {
    if (current.length > 0 && records + club.records > unitRecords) {
      units.push(current);
      current = [];
      records = 0;
    }
    current.push(club.club);
    records += club.records;
  }
  if (current.length > 0) units.push(current);
  return units;
}
