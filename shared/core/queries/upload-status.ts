/**
 * "Why is vendor X's file stuck?": per upload of a vendor, what the ledger says, whether its file still waits in
 * the inbox or is archived, which earlier upload it waits for (the apply step's own rule, `blockerOf`), and in the
 * cloud the state of its import execution (named by the upload id; a nightly restart `<id>-r<YYYYMMDD>`), joined
 * into one sentence per upload: what is going on and what to do. Pure: the register, the files and the executions
 * are ports (DynamoDB, the disk or the bucket, Step Functions). Ids, file names, stages and codes only: never the
 * contents of a file.
 */
import type { Vendor } from '../admin/register-admin.js';
import { addDays } from '../calendar/dates.js';
import { inParallel } from '../pipeline/in-parallel.js';
import type { PipelineClock, RegisterStore } from '../pipeline/ports.js';
import { blockerOf, restartSuffix, type LedgerEntry, type Upload, type UploadStage } from '../pipeline/upload.js';

/** A file lying in a vendor's inbox. */
export interface InboxFile {
  readonly vendor: string;
  readonly file: string;
  readonly completedAt: string;
  /**
   * Its upload id where the store names an upload by its object (the cloud: bucket, key and version); undefined in
   * local mode, which names an upload when it takes the file in.
   */
  readonly uploadId?: string;
}

/** Where uploads' files are: the inbox they wait in, the archive they are kept in. */
export interface UploadFiles {
  /** The vendor's files in its inbox (each stays there until its upload is done or failed in the cloud). */
  inInbox(vendor: string): Promise<InboxFile[]>;
  /** Whether the file is a completed upload (the cloud's tag; a dropped session's leftover is not). */
  isCompleted(file: InboxFile): Promise<boolean>;
  /** Whether the upload's file is kept in the archive (`archive/<vendor>/<upload>/<file>`). */
  isArchived(upload: Upload): Promise<boolean>;
}

export const EXECUTION_STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** An import execution as Step Functions describes it (ids, times and the error's name: never its input or cause). */
export interface ExecutionState {
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly error?: string;
}

/** The cloud's import executions, by name. */
export interface ExecutionLookup {
  /** The execution of the import state machine with this name, or undefined when there is none. */
  describe(name: string): Promise<ExecutionState | undefined>;
}

export interface StatusPorts {
  readonly store: RegisterStore;
  readonly vendors: { vendor(id: string): Promise<Vendor | undefined> };
  readonly files: UploadFiles;
  /** The import executions: given in the cloud, absent in local mode. */
  readonly executions?: ExecutionLookup;
}

export interface StatusQuery {
  readonly vendor: string;
  /** One upload; else the latest `limit`. */
  readonly upload?: string;
  readonly limit: number;
}

/** Nights back from today whose restart (`<id>-r<YYYYMMDD>`) is looked for: the names cannot be listed by prefix. */
export const RESTART_NIGHTS = 7;

/** What is going on with an upload, as a word (`summary` says it in a sentence). */
export type UploadSituation =
  | 'imported'
  | 'rejected'
  | 'failed'
  | 'waiting'
  | 'running'
  | 'stopped'
  | 'unfinished'
  | 'starting'
  | 'never-started'
  | 'not-taken-in'
  | 'partial';

/** The upload another one waits for, and how that one is doing. */
export interface Blocker {
  readonly uploadId: string;
  readonly file: string;
  readonly completedAt: string;
  /** Its ledger stage; absent when it is only in the inbox (never registered). */
  readonly stage?: UploadStage;
  /** Its latest execution (the cloud): a restart's when there is one. */
  readonly execution?: ExecutionState;
  /** What it is doing, in a few words. */
  readonly doing: string;
}

export interface UploadStatus {
  /** Absent for a file local mode has not taken in yet. */
  readonly uploadId?: string;
  readonly file: string;
  readonly completedAt: string;
  /** The ledger entry; absent when the upload never reached it. */
  readonly ledger?: {
    readonly stage: UploadStage;
    readonly status?: string;
    readonly receivedAt: string;
    readonly finishedAt?: string;
    /** The first 12 hex digits of the bytes' sha256. */
    readonly sha256?: string;
    readonly clubs?: readonly string[];
    readonly errors?: number;
    readonly stale?: boolean;
  };
  readonly inInbox: boolean;
  readonly archived: boolean;
  /** Only for a file in the inbox with no ledger entry: whether it is a completed upload. */
  readonly completed?: boolean;
  readonly waitingFor?: Blocker;
  /** The execution named by the upload id (the cloud); absent when there is none. */
  readonly execution?: ExecutionState;
  /** The latest nightly restart found, `<id>-r<YYYYMMDD>` (the cloud). */
  readonly restart?: ExecutionState;
  readonly situation: UploadSituation;
  /** One sentence: what is going on and what to do. */
  readonly summary: string;
}

/** A vendor's uploads not done yet, and the oldest of them. */
export interface OpenUploads {
  readonly vendor: string;
  readonly open: number;
  readonly oldestCompletedAt?: string;
  readonly oldestAgeSeconds?: number;
}

export interface VendorStatus extends OpenUploads {
  readonly mode: 'local' | 'cloud';
  readonly asOf: string;
  /** Newest first. */
  readonly uploads: readonly UploadStatus[];
}

export type StatusResult =
  { readonly ok: true; readonly status: VendorStatus } | { readonly ok: false; readonly unknown: 'vendor' | 'upload' };

const LOOKUPS_IN_PARALLEL = 8;

/**
 * Open uploads per vendor, and how long the oldest has waited since its upload completed: every upload not done,
 * whether the ledger has it (`unfinished`) or it only lies in an inbox. The same figures the cloud's metrics carry.
 */
export function openUploadFigures(
  unfinished: readonly LedgerEntry[],
  inbox: readonly InboxFile[],
  now: string,
): OpenUploads[] {
  const open = new Map<string, { vendor: string; completedAt: string }>();
  for (const entry of unfinished) if (entry.stage !== 'done') open.set(`${entry.vendor}|${entry.uploadId}`, entry);
  inbox.forEach((file, i) => open.set(`${file.vendor}|${file.uploadId ?? `file#${i}`}`, file));
  const byVendor = new Map<string, OpenUploads>();
  for (const { vendor, completedAt } of open.values()) {
    const seen = byVendor.get(vendor);
    const oldest =
      seen?.oldestCompletedAt === undefined || completedAt < seen.oldestCompletedAt
        ? completedAt
        : seen.oldestCompletedAt;
    byVendor.set(vendor, {
      vendor,
      open: (seen?.open ?? 0) + 1,
      oldestCompletedAt: oldest,
      oldestAgeSeconds: ageSeconds(oldest, now),
    });
  }
  return [...byVendor.values()].sort((a, b) => (a.vendor < b.vendor ? -1 : 1));
}

function ageSeconds(since: string, now: string): number {
  return Math.max(0, Math.round((Date.parse(now) - Date.parse(since)) / 1000));
}

/** A row before it is explained: a ledger entry, or a file in the inbox that has none. */
interface Row {
  readonly upload:
    | Upload
    | { readonly vendor: string; readonly file: string; readonly completedAt: string; readonly uploadId?: string };
  readonly entry?: LedgerEntry;
  readonly inbox?: InboxFile;
  readonly archived: boolean;
}

/**
 * The status of a vendor's latest `limit` uploads (or of one), newest first, files still in the inbox included.
 * Unknown vendor, or an upload id the vendor has neither in the ledger nor in its inbox: `{ ok: false }`.
 */
export async function uploadStatus(
  ports: StatusPorts,
  query: StatusQuery,
  clock: Pick<PipelineClock, 'now' | 'today' | 'swedishDateOf'>,
): Promise<StatusResult> {
  const { store, files, executions } = ports;
  const { vendor } = query;
  if (!(await ports.vendors.vendor(vendor))) return { ok: false, unknown: 'vendor' };
  const now = clock.now();
  const [unfinished, inbox] = await Promise.all([store.unfinishedUploads(vendor), files.inInbox(vendor)]);
  const open = unfinished.filter((e) => e.stage !== 'done');
  const openById = new Map(open.map((e) => [e.uploadId, e]));

  // The ledger's entries to show, then the inbox's files that are none of them.
  let entries: LedgerEntry[];
  if (query.upload !== undefined) {
    const found = openById.get(query.upload) ?? (await store.findUpload(vendor, query.upload));
    entries = found ? [found] : [];
  } else {
    entries = await store.uploadsOf({ vendor }, query.limit);
  }
  const archivedOf = new Map<string, boolean>();
  await inParallel(entries, LOOKUPS_IN_PARALLEL, async (e) => archivedOf.set(e.uploadId, await files.isArchived(e)));
  const matched = new Set<InboxFile>();
  const inboxOf = (entry: LedgerEntry): InboxFile | undefined => {
    const file = inbox.find(
      (f) =>
        !matched.has(f) &&
        (f.uploadId !== undefined
          ? f.uploadId === entry.uploadId
          : // Local mode: the file of an upload registered but not yet moved into the archive (the process ended in between).
            f.file === entry.file && entry.stage !== 'done' && !archivedOf.get(entry.uploadId)),
    );
    if (file) matched.add(file);
    return file;
  };
  let rows: Row[] = entries.map((entry) => ({
    upload: entry,
    entry,
    inbox: inboxOf(entry),
    archived: archivedOf.get(entry.uploadId) ?? false,
  }));
  const inboxOnly = inbox.filter((f) => !matched.has(f) && (query.upload === undefined || f.uploadId === query.upload));
  // A file in the inbox whose upload the ledger has (unfinished, or done and not yet out of the inbox) is that upload.
  const inboxRows = await inParallel(inboxOnly, LOOKUPS_IN_PARALLEL, async (file): Promise<Row> => {
    const entry =
      file.uploadId === undefined
        ? undefined
        : (openById.get(file.uploadId) ?? (await store.upload(vendor, file.uploadId, file.completedAt)));
    return entry
      ? { upload: entry, entry, inbox: file, archived: await files.isArchived(entry) }
      : { upload: file, inbox: file, archived: false };
  });
  // Newest first in the vendor's order (completion time, then upload id), as the ledger lists them.
  const order = (row: Row) => `${row.upload.completedAt}#${row.upload.uploadId ?? ''}`;
  rows = [...rows, ...inboxRows].sort((a, b) => (order(a) > order(b) ? -1 : order(a) < order(b) ? 1 : 0));
  if (query.upload === undefined) rows = rows.slice(0, query.limit);
  else if (rows.length === 0) return { ok: false, unknown: 'upload' };

  // What an upload may wait for, by the apply step's rule: the vendor's unfinished uploads and, in the cloud, the
  // completed uploads in its inbox (the earliest of those the ledger does not have yet is the only one that matters).
  const known = new Set([...open.map((e) => e.uploadId), ...rows.flatMap((r) => (r.entry ? [r.entry.uploadId] : []))]);
  const candidates: (Upload & { stage?: UploadStage })[] = [...open];
  for (const file of [...inbox].sort((a, b) => (a.completedAt < b.completedAt ? -1 : 1))) {
    if (file.uploadId === undefined || known.has(file.uploadId)) continue;
    if (await files.isCompleted(file)) {
      candidates.push({ vendor, file: file.file, completedAt: file.completedAt, uploadId: file.uploadId });
      break;
    }
  }

  const executionsOf = new Map<string, Promise<Runs>>();
  const lookUp = (upload: Upload, entry: LedgerEntry | undefined): Promise<Runs> => {
    if (!executions) return Promise.resolve({});
    let found = executionsOf.get(upload.uploadId);
    if (!found) executionsOf.set(upload.uploadId, (found = executionsFor(executions, upload, entry, clock)));
    return found;
  };

  const uploads = await inParallel(rows, LOOKUPS_IN_PARALLEL, async (row): Promise<UploadStatus> => {
    const { entry, inbox: file } = row;
    const uploadId = row.upload.uploadId;
    const withId = uploadId === undefined ? undefined : ({ ...row.upload, uploadId } as Upload);
    // Only an upload in the ledger and not done waits (one only in the inbox has not started at all).
    const blocking = withId && entry && entry.stage !== 'done' ? blockerOf(withId, candidates) : undefined;
    const [own, blockerRuns] = await Promise.all([
      withId ? lookUp(withId, entry) : Promise.resolve<Runs>({}),
      blocking
        ? lookUp(blocking, 'stage' in blocking ? (blocking as LedgerEntry) : undefined)
        : Promise.resolve(undefined),
    ]);
    const completed = entry === undefined && file !== undefined ? await files.isCompleted(file) : undefined;
    const waitingFor = blocking ? describeBlocker(blocking, blockerRuns, executions !== undefined) : undefined;
    const base = {
      ...(uploadId !== undefined ? { uploadId } : {}),
      file: row.upload.file,
      completedAt: row.upload.completedAt,
      ...(entry ? { ledger: ledgerOf(entry) } : {}),
      inInbox: file !== undefined,
      archived: row.archived,
      ...(completed !== undefined ? { completed } : {}),
      ...(waitingFor ? { waitingFor } : {}),
      ...(own.original ? { execution: own.original } : {}),
      ...(own.restart ? { restart: own.restart } : {}),
    };
    return { ...base, ...explain(base, executions !== undefined) };
  });

  const figures = openUploadFigures(unfinished, inbox, now).find((f) => f.vendor === vendor) ?? { vendor, open: 0 };
  return { ok: true, status: { ...figures, mode: executions ? 'cloud' : 'local', asOf: now, uploads } };
}

/** An upload's executions: the one named by its upload id, and its latest nightly restart. */
export interface Runs {
  readonly original?: ExecutionState;
  readonly restart?: ExecutionState;
}

/**
 * The execution named by the upload id, and its latest nightly restart of the last `RESTART_NIGHTS` nights (status
 * says what they do; the nightly job restarts an upload only when neither runs).
 */
export async function executionsFor(
  executions: ExecutionLookup,
  upload: Upload,
  entry: LedgerEntry | undefined,
  clock: Pick<PipelineClock, 'today' | 'swedishDateOf'>,
): Promise<Runs> {
  const original = await executions.describe(upload.uploadId);
  // Done by its own execution: no restart to look for.
  if (entry?.stage === 'done' && original?.status === 'SUCCEEDED') return original ? { original } : {};
  const first = clock.swedishDateOf(upload.completedAt);
  for (let night = clock.today, n = 0; night >= first && n < RESTART_NIGHTS; night = addDays(night, -1), n++) {
    const restart = await executions.describe(`${upload.uploadId}${restartSuffix(night)}`);
    if (restart) return { ...(original ? { original } : {}), restart };
  }
  return original ? { original } : {};
}

function ledgerOf(entry: LedgerEntry): NonNullable<UploadStatus['ledger']> {
  return {
    stage: entry.stage,
    ...(entry.status !== undefined ? { status: entry.status } : {}),
    receivedAt: entry.receivedAt,
    ...(entry.finishedAt !== undefined ? { finishedAt: entry.finishedAt } : {}),
    ...(entry.sha256 !== undefined ? { sha256: entry.sha256.slice(0, 12) } : {}),
    ...(entry.clubs !== undefined ? { clubs: entry.clubs } : {}),
    ...(entry.errors !== undefined ? { errors: entry.errors } : {}),
    ...(entry.stale ? { stale: true } : {}),
  };
}

/** The blocker, and what it is doing, in a few words. */
function describeBlocker(blocking: Upload & { stage?: UploadStage }, runs: Runs | undefined, cloud: boolean): Blocker {
  const execution = runs?.restart ?? runs?.original;
  const stage = blocking.stage;
  let doing: string;
  if (!cloud) doing = 'it is unfinished: local mode imports it first (now, or at its next start)';
  else if (stage === undefined) {
    doing =
      execution?.status === 'RUNNING'
        ? 'it is starting (execution RUNNING)'
        : "it is in the inbox, never started: the nightly sweep starts it, or check the starter's dead-letter queue";
  } else if (execution?.status === 'RUNNING') doing = 'it is running';
  else if (execution === undefined) doing = 'no execution of it is found: the nightly reconciliation restarts it';
  else
    doing = `its execution ${execution.status}${execution.error ? ` (${execution.error})` : ''}: the nightly reconciliation restarts it`;
  return {
    uploadId: blocking.uploadId,
    file: blocking.file,
    completedAt: blocking.completedAt,
    ...(stage !== undefined ? { stage } : {}),
    ...(execution ? { execution } : {}),
    doing,
  };
}

type Explained = Pick<UploadStatus, 'situation' | 'summary'>;

/** What is going on with the upload and what to do, in one sentence. */
function explain(s: Omit<UploadStatus, 'situation' | 'summary'>, cloud: boolean): Explained {
  const { ledger, waitingFor } = s;
  const execution = s.restart ?? s.execution;
  const run = execution
    ? `execution ${execution.name} ${execution.status}${execution.error ? ` (${execution.error})` : ''}`
    : undefined;
  if (ledger?.stage === 'done') {
    const written = ledger.finishedAt ? ` ${ledger.finishedAt}` : '';
    switch (ledger.status) {
      case 'failed':
        return {
          situation: 'failed',
          summary: `failed: IMPORT_FAILED receipt written${ledger.stale ? ' (what it applied is re-judged by the nightly reconciliation)' : ''}; send the file again`,
        };
      case 'rejected':
        return {
          situation: 'rejected',
          summary: `rejected: the receipt lists why (${ledger.errors ?? 0} error(s)); fix the file and send it again`,
        };
      case 'duplicate':
        return {
          situation: 'imported',
          summary: `done: the same bytes were imported before, nothing changed; receipt written${written}`,
        };
      default:
        return {
          situation: 'imported',
          summary: `done: ${ledger.status ?? 'imported'}, receipt written${written}; nothing to do`,
        };
    }
  }
  if (waitingFor) {
    const own =
      cloud && execution && execution.status !== 'RUNNING'
        ? `; this upload's ${run}: the nightly reconciliation restarts it once the earlier one is done`
        : '';
    return {
      situation: 'waiting',
      summary: `waiting for upload ${waitingFor.uploadId} (${waitingFor.file}, ${waitingFor.stage ?? 'not in the ledger'}) — ${waitingFor.doing}${own}`,
    };
  }
  if (ledger) {
    if (!cloud) {
      return {
        situation: 'unfinished',
        summary: `unfinished at stage ${ledger.stage}: local mode is importing it now, or resumes it at its next start (npm start); \`lok-importer reconcile\` resumes it too`,
      };
    }
    if (execution?.status === 'RUNNING')
      return {
        situation: 'running',
        summary: `running: at stage ${ledger.stage} (${run} since ${execution.startedAt ?? '?'})`,
      };
    if (!execution) {
      return {
        situation: 'stopped',
        summary: `stopped at stage ${ledger.stage}: no execution named ${s.uploadId} (nor a restart of the last ${RESTART_NIGHTS} nights); the nightly reconciliation restarts it`,
      };
    }
    return {
      situation: 'stopped',
      summary: `stopped at stage ${ledger.stage}: ${run}; the nightly reconciliation restarts it from the archive once unfinished for 2 hours`,
    };
  }
  if (!cloud) {
    return {
      situation: 'not-taken-in',
      summary:
        "in the inbox, not taken in yet: local mode takes it after the vendor's earlier uploads, or at its next start (npm start)",
    };
  }
  if (s.completed === false) {
    return {
      situation: 'partial',
      summary:
        'in the inbox, a partial upload (the SFTP session dropped): never imported; remove it from the inbox, the vendor sends the file again',
    };
  }
  if (execution?.status === 'RUNNING')
    return { situation: 'starting', summary: `starting: ${run}, not in the ledger yet` };
  if (execution) {
    return {
      situation: 'stopped',
      summary: `in the inbox with no ledger entry: ${run}; read its failed state, then start it again (the nightly sweep will not: the name is taken)`,
    };
  }
  return {
    situation: 'never-started',
    summary: "in the inbox, never started: the nightly sweep starts it, or check the starter's dead-letter queue",
  };
}
