/**
 * The one definition of the import steps and their retry policy. The local runner (`runImport`) follows it;
 * the cloud's state machine is built from it (a state per step, with this Retry), so both apply a file the same
 * way. Every step is a use-case that can be retried on its own without changing the result.
 */
export const IMPORT_STEPS = [
  { name: 'register', does: 'enter the upload in the file ledger (once per upload id)' },
  {
    name: 'apply',
    does: 'read and validate the file, refuse a duplicate, authorise its clubs (CLUB_NOT_ACTIVATED), match persons, apply the records as deltas',
  },
  { name: 'judge', does: 're-judge every activity the changes can reach, in every club, week by week' },
  { name: 'totals', does: 'recompute the period totals of every club period whose verdicts may have changed' },
  { name: 'receipt', does: "write the receipt to the vendor's outbox and close the ledger entry" },
] as const;

export type ImportStepName = (typeof IMPORT_STEPS)[number]['name'];

/**
 * The largest file the importer takes (FILE_TOO_LARGE above it, from the import and from `check`): the size
 * proven to import within the functions' memory (`npm run bench -- --only import --import-sizes 250000`: 250 000
 * activities, 265.6 MB, in one process: apply 585 MB, judge 732 MB, receipt 1 343 MB peak RSS, under the 2 GB of
 * each function). The apply and judge steps are bounded per club; the receipt step still holds the file's
 * verdicts, which is what bounds this.
 */
export const IMPORT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Files above this size are applied and judged fanned out: their units of clubs and their judge chunks run side by
 * side in the cloud's Distributed Maps (ApplyUnits, JudgeChunks), each in a function of its own. Below it one
 * function applies the units and judges the chunks (several units at once, the chunks one after another): a
 * Distributed Map's child executions cost more than they save for a file that one function clears in minutes.
 */
export const LARGE_FILE_BYTES = 100 * 1024 * 1024;
/**
 * Seeds per judge chunk (judge-in-chunks.ts): whole clubs, so that the persons a chunk's clubs alone created need
 * no look-up ("settled"). Memory is bounded by a chunk's weeks, not by the file.
 */
export const JUDGE_CHUNK_SEEDS = 10_000;
/**
 * The apply step works per club (file-parts.ts): the file is read whole and cut into parts per club, then its
 * clubs are applied in units of at most this many records (whole clubs; a larger club is a unit of its own),
 * each retried on its own, so memory is bounded by a unit, not by the file.
 */
export const APPLY_UNIT_RECORDS = 10_000;
/** Units applied at once: locally by `applyFile`, in the cloud by the ApplyUnits Distributed Map. */
export const APPLY_UNITS_IN_PARALLEL = 4;
/** Chunks judged at once: bounded so that the register's write capacity is shared with other vendors' files. */
export const JUDGE_CHUNKS_IN_PARALLEL = 10;

/**
 * Transient failures (throttling, a lost connection, a Lambda timeout) are retried with exponential backoff and
 * full jitter; after the last attempt the upload is marked failed with a receipt. A step that finds an earlier
 * upload of the same vendor unfinished reports `blocked` and waits for its turn (turns.ts), not on a schedule.
 */
export const RETRY_POLICY = {
  maxAttempts: 6,
  intervalSeconds: 1,
  backoffRate: 2,
  maxDelaySeconds: 30,
  jitter: 'FULL',
} as const;

/**
 * How long an upload waiting for its turn (the state machine's WaitForTurn) waits for word from the upload before
 * it before Apply looks again: word is lost only when that upload died between ending and handing on.
 */
export const WAIT_FOR_TURN_SECONDS = 3600;

export type RetryPolicy = typeof RETRY_POLICY;

/** The delay before attempt `attempt + 1` (attempt counts from 1), with full jitter: random in [0, cap). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxDelaySeconds, policy.intervalSeconds * policy.backoffRate ** (attempt - 1)) * 1000;
  return Math.floor(random() * cap);
}
