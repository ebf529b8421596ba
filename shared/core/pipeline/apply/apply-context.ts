import type { RecordError } from '../../errors/record-error.js';
import { KeptErrors } from '../../receipt/kept-errors.js';
import { emptyCounts } from '../../receipt/receipt.js';
import { isClosedForActivity } from '../../rules/periods.js';
import { periodOfDate } from '../activity-content.js';
import type { ClubState, PipelinePorts } from '../ports.js';
import type { PersonSeed } from '../staging.js';
import type { LastChange, PreviousPlace, StoredActivity, StoredPersonLink } from '../stored.js';
import type { Upload } from '../upload.js';
import { CalendarChanges } from './calendar-changes.js';
import type { ClubRecords } from './club-records.js';
import { Writes } from './writes.js';

/**
 * The upload applying a file, and whose writes count as its own: its earlier attempts' (they name it), and
 * those of failed uploads of the same bytes (`FileClaim.failed`), which wrote the same records before they died.
 * Either way a record written by them is one this upload applied: counted with their outcome, seeded again.
 */
export interface ApplyingUpload extends Upload {
  owns(writer: string | undefined): boolean;
}

export function ownedBy(upload: Upload, failedUploads: readonly string[]): ApplyingUpload['owns'] {
  const failed = new Set(failedUploads);
  return (writer) => writer === upload.uploadId || (writer !== undefined && failed.has(writer));
}

/** An activity the apply accepted (created, updated, unchanged), with its line: the join puts them in file order. */
export interface AppliedActivity {
  readonly club: string;
  readonly id: string;
  readonly period: string;
  readonly line: number;
}

/** Whose verdicts the apply may have changed (rejudge.ts), and the calendar keys whose heads move once it is written. */
export class ApplySeeds {
  readonly persons = new Map<string, PersonSeed>();
  readonly activities: { club: string; id: string }[] = [];
  /** The calendar keys whose heads move once everything is written: every key a seed reaches (rejudge.ts). */
  readonly touched = new Set<string>();
  /** Persons this upload created (judge-in-chunks.ts: settled). */
  readonly settled = new Set<string>();

  person(pid: string, club?: string): void {
    const key = club === undefined ? pid : `${pid}|${club}`;
    if (!this.persons.has(key)) this.persons.set(key, { pid, ...(club !== undefined ? { club } : {}) });
    this.touched.add(pid);
  }

  activity(club: string, id: string, ...places: (PreviousPlace | undefined)[]): void {
    this.activities.push({ club, id });
    for (const place of places) for (const key of place?.keys ?? []) this.touched.add(key);
  }

  settle(pid: string): void {
    this.settled.add(pid);
  }
}

/** A club of the file being applied: its records, its state and what its vendor holds for it. */
export interface ClubApply {
  readonly records: ClubRecords;
  readonly state: ClubState;
  /** The vendor's person links of the club, by the vendor's person id. */
  readonly links: ReadonlyMap<string, StoredPersonLink>;
  /** The vendor's activities of the club (tombstones included), by the vendor's activity id. */
  readonly activities: ReadonlyMap<string, StoredActivity>;
}

/**
 * What every part of one apply (`applyContents`: persons, activities, removals, calendar changes) reads and
 * gathers: the one object they share, in place of collectors and callbacks passed from part to part.
 */
export class ApplyContext {
  readonly errors = new KeptErrors();
  readonly counts = emptyCounts();
  readonly writes = new Writes();
  readonly calendars = new CalendarChanges();
  readonly seeds = new ApplySeeds();
  readonly applied: AppliedActivity[] = [];
  /** The clubs the vendor is active for. */
  readonly authorised: string[] = [];

  constructor(
    readonly ports: PipelinePorts,
    readonly upload: ApplyingUpload,
    readonly today: string,
    /** The Swedish date of the file's `created` time (ACTIVITY_IN_FUTURE). */
    readonly createdOn: string,
    readonly mode: 'delta' | 'full',
  ) {}

  get vendor(): string {
    return this.upload.vendor;
  }

  /**
   * The item as this upload left it, when this upload changed it last (an earlier attempt of it, or a failed upload
   * of the same bytes): the record is done, counted with that outcome and seeded again, never written again.
   */
  doneBefore<T extends LastChange>(item: T | undefined): T | undefined {
    return item !== undefined && this.upload.owns(item.lastUpload) ? item : undefined;
  }

  /** A record refused: its error kept, and counted as refused when `counted`. */
  refuse(entity: 'persons' | 'activities', error: RecordError, counted = true): void {
    this.errors.push(error);
    if (counted) this.counts[entity].refused++;
  }
}

export function isActive(state: ClubState | undefined, vendor: string, today: string): boolean {
  return (
    state?.activations.some(
      (a) => a.vendor === vendor && a.active && a.from <= today && (a.to === undefined || today <= a.to),
    ) ?? false
  );
}

/** A stored activity in a period closed for it (lok-rules.md, PERIOD_CLOSED): a change or deletion is refused. */
export function closedFor(state: ClubState, stored: StoredActivity, today: string): boolean {
  const date = stored.content?.date;
  if (date === undefined) return false;
  const period = periodOfDate(date);
  return isClosedForActivity(period, today, stored.receivedOn, {
    main: state.submittedPeriods.includes(period),
    supplementary: state.supplementedPeriods?.includes(period) ?? false,
  });
}
