/**
 * The one definition of the import steps and their retry policy. The local runner (`runImport`) follows it;
 * the cloud's state machine is built from it (a state per step, with this Retry), so both apply a file the same
 * way. Every step is a use-case that can be retried on its own without changing the result.
 */
export const IMPORT_STEPS = [
  { name: 'register', does: 'enter the upload in the file ledger (once per upload id)' },
  { name: 'apply', does: 'read and validate the file, refuse a duplicate, authorise its clubs (CLUB_NOT_ACTIVATED), match persons, apply the records as deltas' },
  { name: 'judge', does: 're-judge every activity the changes can reach, in every club, week by week' },
  { name: 'totals', does: "recompute the period totals of every club period whose verdicts may have changed" },
  { name: 'receipt', does: "write the receipt to the vendor's outbox and close the ledger entry" },
] as const;

export type ImportStepName = (typeof IMPORT_STEPS)[number]['name'];

/**
 * Files above this size are judged in chunks side by side (`judge-in-chunks.ts`; the cloud's Distributed Map).
 * Chunks cost more than they save below it: each closes its own weeks without the "settled" shortcut, so at
 * 10 000 activities (10.5 MB) chunks of 2 000 read 47 000 items in 12 805 requests where the single judge step
 * reads 25 500 in 685, and take 18.6 s against 3.5 s (`npm run bench -- --only cloud`). The single step judged
 * 100 000 activities (about 100 MB) in 35 s; above that its time and memory head for a Lambda's limits.
 */
export const LARGE_FILE_BYTES = 100 * 1024 * 1024;
/**
 * The apply step works per club (file-parts.ts): the file is read whole and cut into parts per club, then its
 * clubs are applied in units of at most this many records (whole clubs; a larger club is a unit of its own),
 * each retried on its own, so memory is bounded by a unit, not by the file.
 */
export const APPLY_UNIT_RECORDS = 10_000;
/** Units applied at once: locally by `applyFile`, in the cloud by the ApplyUnits Distributed Map. */
export const APPLY_UNITS_IN_PARALLEL = 4;
/** Seeds per chunk of a fanned-out judge: large, since each chunk pays for its own closure. */
export const JUDGE_CHUNK_SEEDS = 10_000;
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
