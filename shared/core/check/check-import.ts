import type { RecordError } from '../errors/record-error.js';
import { recordKey, type ActivityRecord, type PersonRecord } from '../format/records.js';
import { readImport } from '../format/read-import.js';
import { IMPORT_MAX_BYTES } from '../pipeline/import-steps.js';
import { KeptErrors } from '../receipt/kept-errors.js';
import { emptyCounts, RECEIPT_FORMAT_VERSION, type Receipt } from '../receipt/receipt.js';
import { fileRefusals } from '../register/file-refusals.js';
import { matchInFile } from '../register/match-in-file.js';
import { resolveActivity } from '../register/resolve-activity.js';
import { defaultAmountsByYear, type AmountsByYear } from '../rules/amounts.js';
import { judgeWeeks } from '../rules/judge-activities.js';
import { type ClubFacts, type JudgeContext, type JudgedActivity } from '../rules/judge-input.js';
import { PeriodTotalsAccumulator } from '../rules/period-totals.js';
import type { ActivityVerdict } from '../rules/verdict.js';
import { gatherFile, type FileContents } from './file-contents.js';
import type { FileSource } from './file-source.js';

export interface CheckOptions {
  /** Evaluation date `YYYY-MM-DD` (Europe/Stockholm). */
  readonly today: string;
  /** Clock for receivedAt / completedAt (ISO 8601). */
  readonly now: () => string;
  /** The date in Sweden (Europe/Stockholm) of an ISO 8601 time with offset: the file's `created` is compared
   *  with activity dates, which are Swedish local dates, whatever offset the vendor wrote it in. */
  readonly swedishDateOf: (isoTime: string) => string;
  readonly amounts?: AmountsByYear;
  /** Files over this are FILE_TOO_LARGE (default: the importer's limit, IMPORT_MAX_BYTES). */
  readonly maxBytes?: number;
  /** Records read so far while reading; activities judged so far (of `total`) while judging. */
  readonly onProgress?: (progress: {
    readonly phase: 'read' | 'judge';
    readonly records: number;
    readonly total?: number;
  }) => void;
}

const NO_FACTS: ClubFacts = { countsEveryoneAsDisabled: false, submittedPeriods: new Set() };

/** Takes the items out of a list one by one, so that each can be freed as soon as it has been used. */
function* drain<T>(items: readonly T[]): Generator<T> {
  const list = items as (T | undefined)[];
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as T;
    list[i] = undefined;
    yield item;
  }
  list.length = 0;
}

interface Prepared {
  readonly judged: JudgedActivity[];
  /** The line of each activity in the file: the receipt lists activities in file order. */
  readonly lines: Map<JudgedActivity, number>;
  /** Bounded: the first RECEIPT_MAX_ERRORS by line, the rest counted. */
  readonly errors: KeptErrors<RecordError>;
  readonly counts: ReturnType<typeof emptyCounts>;
}

/**
 * Everything the empty register makes of a file's records: duplicates and identity conflicts refused, persons
 * matched, refs resolved. The records are consumed: only what judging needs stays in memory.
 */
function prepare(file: FileContents, today: string, createdOn: string): Prepared {
  const errors = new KeptErrors<RecordError>();
  for (const error of file.errors) errors.push(error);
  const counts = emptyCounts();
  const { personDuplicates, activityDuplicates } = fileRefusals(file, errors, counts);
  const persons: PersonRecord[] = [];
  for (const person of drain(file.persons)) {
    if (personDuplicates.has(recordKey(person))) counts.persons.refused++;
    else persons.push(person);
  }
  const match = matchInFile(persons);
  for (const error of match.errors) errors.push(error);
  counts.persons.refused += match.refused.size;
  counts.persons.created = persons.length - match.refused.size;
  persons.length = 0; // matched: the records' names and e-mails are not needed to judge

  const origin = { vendor: file.header.vendor, receivedOn: today, createdOn };
  const judged: JudgedActivity[] = [];
  const lines = new Map<JudgedActivity, number>();
  for (const record of drain<ActivityRecord>(file.activities)) {
    if (activityDuplicates.has(recordKey(record))) {
      counts.activities.refused++;
      continue;
    }
    const resolved = resolveActivity(record, (club, ref) => match.links.get(club)?.get(ref), origin);
    for (const error of resolved.errors) errors.push(error);
    judged.push(resolved.activity);
    lines.set(resolved.activity, record.line);
  }
  counts.activities.created = judged.length;
  return { judged, lines, errors, counts };
}

/**
 * `check`: judges a file exactly as the importer would on an empty register in which the file's vendor is
 * activated for every club in the file. Stores nothing.
 */
export async function checkImport(source: FileSource, options: CheckOptions): Promise<Receipt> {
  const receivedAt = options.now();
  const gathered = await gatherFile(
    readImport(source.chunks, { evaluationDate: options.today, maxBytes: options.maxBytes ?? IMPORT_MAX_BYTES }),
    (records) => options.onProgress?.({ phase: 'read', records }),
  );
  const file = source.name;
  const sha256 = await source.sha256();
  if (!gathered.ok) {
    return {
      formatVersion: RECEIPT_FORMAT_VERSION,
      file,
      sha256,
      vendor: gathered.vendor ?? '',
      status: 'rejected',
      receivedAt,
      completedAt: options.now(),
      counts: emptyCounts(),
      errors: [gathered.error],
      activities: [],
    };
  }
  const { header } = gathered.contents;
  const { judged, lines, errors, counts } = prepare(
    gathered.contents,
    options.today,
    options.swedishDateOf(header.created),
  );

  const total = judged.length;
  options.onProgress?.({ phase: 'judge', records: 0, total });
  const context: JudgeContext = { today: options.today, club: () => NO_FACTS };
  const inFileOrder: { readonly line: number; readonly verdict: ActivityVerdict }[] = [];
  const totals = new PeriodTotalsAccumulator();
  for (const week of judgeWeeks(drain(judged), context, options.amounts ?? defaultAmountsByYear)) {
    for (const { activity, verdict } of week) {
      totals.add(activity, verdict);
      inFileOrder.push({ line: lines.get(activity) ?? 0, verdict });
      lines.delete(activity); // so that the judged activity can go
      counts.activities[verdict.verdict]++;
    }
    options.onProgress?.({ phase: 'judge', records: inFileOrder.length, total });
  }
  const activities = inFileOrder.sort((a, b) => a.line - b.line).map((entry) => entry.verdict);

  return {
    formatVersion: RECEIPT_FORMAT_VERSION,
    file,
    sha256,
    vendor: header.vendor,
    status: errors.total > 0 ? 'partially_applied' : 'applied',
    receivedAt,
    completedAt: options.now(),
    counts,
    ...errors.summary(),
    activities,
    totals: totals.totals(),
  };
}
