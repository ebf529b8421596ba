import type { FileError, RecordError } from '../errors/record-error.js';
import type { ErrorsLeftOut } from '../receipt/kept-errors.js';
import type { ActivityCounts, DuplicateOf, EntityCounts } from '../receipt/receipt.js';
import type { ObjectStore, Upload } from './ports.js';
import { uploadWorkPrefix } from '../storage/bucket-layout.js';

/** A person whose verdicts may have changed: in one club (memberships) or everywhere (facts). */
export interface PersonSeed {
  readonly pid: string;
  readonly club?: string;
}

/** A person this upload created, and the one club of the file whose records name them. */
export interface SettledPerson {
  readonly pid: string;
  readonly club: string;
}

/**
 * What the apply step made of a file, kept between steps: the next steps read it instead of the file, and a
 * retried apply writes the same thing again (it is derived from the file and from what the items record).
 */
export interface StagedApply extends Partial<ErrorsLeftOut> {
  readonly status: 'rejected' | 'duplicate' | 'applied' | 'partially_applied';
  readonly sha256: string;
  readonly counts: { readonly persons: EntityCounts; readonly activities: ActivityCounts };
  /** The first RECEIPT_MAX_ERRORS by line; `errorsTotal` and `errorsLeftOut` count the rest, as the receipt does. */
  readonly errors: readonly (RecordError | FileError)[];
  readonly clubs: readonly string[];
  /** The activities of the file that were applied (created, updated, unchanged), in file order. */
  readonly activities: readonly { readonly club: string; readonly id: string; readonly period: string }[];
  /** Activities this upload created, changed or deleted, and persons whose verdicts may change. */
  readonly seeds: {
    readonly activities: readonly { readonly club: string; readonly id: string }[];
    readonly persons: readonly PersonSeed[];
    /** Persons this upload created in one club of the file: every activity of the file naming them is among that club's seeds. */
    readonly settled: readonly SettledPerson[];
  };
  /** Status `duplicate`: the earlier upload of the same bytes (the receipt names it). */
  readonly duplicateOf?: DuplicateOf;
}

/** What re-judging touched: the totals step recomputes these. */
export interface StagedJudge {
  readonly clubPeriods: readonly { readonly club: string; readonly period: string }[];
}

export function stagedKey(upload: Upload, step: 'read' | 'apply' | 'judge'): string {
  return `${uploadWorkPrefix(upload)}${step}.json`;
}

/** Club ids come from the file: kept to one path segment. */
const segment = (club: string) => encodeURIComponent(club);

/**
 * Part `part` of a club's records, as read `readId` of the upload cut them from the file (file-parts.ts): each
 * read has its own parts, so two reads of one upload (a retried invocation while the first still runs) never mix.
 */
export function clubPartKey(upload: Upload, readId: string, club: string, part: number): string {
  return `${uploadWorkPrefix(upload)}reads/${readId}/${segment(club)}/part-${part}.jsonl`;
}

/** The manifest of a fanned-out apply: one JSON line per unit of clubs, `{"unit":i}` (ids only reach the workflow). */
export function applyManifestKey(upload: Upload): string {
  return `${uploadWorkPrefix(upload)}apply-units.jsonl`;
}

/** What applying one club of the file staged (apply-file.ts, `applyUnit`). */
export function clubAppliedKey(upload: Upload, club: string): string {
  return `${uploadWorkPrefix(upload)}clubs/${segment(club)}/applied.json`;
}

/** Where a judge (the step, or chunk `chunk` of it) keeps the verdicts it writes until it has checked them (rejudge.ts). */
export function judgeIntentKey(upload: Upload, chunk?: number): string {
  return `${uploadWorkPrefix(upload)}judge-unchecked${chunk === undefined ? '' : `-${chunk}`}.json`;
}

export async function readStaged<T>(objects: ObjectStore, key: string): Promise<T> {
  const text = await objects.get(key);
  if (text === undefined) throw new Error(`staged result ${key} is missing: run the earlier step first`);
  return JSON.parse(text) as T;
}

/** JSON written in pieces: a first load's staged result holds every activity of the file. */
export function* stagedPieces(
  value: Omit<StagedApply, 'activities' | 'seeds'> & {
    readonly activities: readonly unknown[];
    readonly seeds: { readonly [K in keyof StagedApply['seeds']]: readonly unknown[] };
  },
): Generator<string> {
  const { activities, seeds, errors, ...rest } = value;
  yield JSON.stringify(rest).slice(0, -1);
  yield ',"activities":';
  yield* array(activities);
  yield ',"errors":';
  yield* array(errors);
  yield ',"seeds":{"activities":';
  yield* array(seeds.activities);
  yield ',"persons":';
  yield* array(seeds.persons);
  yield ',"settled":';
  yield* array(seeds.settled);
  yield '}}';
}

function* array(items: readonly unknown[]): Generator<string> {
  yield '[';
  for (let i = 0; i < items.length; i += 1000) {
    yield (
      (i > 0 ? ',' : '') +
      items
        .slice(i, i + 1000)
        .map((item) => JSON.stringify(item))
        .join(',')
    );
  }
  yield ']';
}
