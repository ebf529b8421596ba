import type { FileSource } from '../check/file-source.js';
import type { AmountsByYear } from '../rules/amounts.js';
import type { PeriodTotals } from '../rules/period-totals.js';
import { finalDateOf } from '../rules/periods.js';
import { purgeExpired, type PurgeOptions, type PurgeReport } from '../privacy/retention.js';
import type { PipelineClock, PipelinePorts } from './ports.js';
import { chunkJudged, chunksInManifest } from './judge-in-chunks.js';
import { recomputeClubPeriods, recomputeTotals } from './recompute-totals.js';
import { rejudge, seedsOfVendor, type RejudgeSeeds } from './rejudge.js';
import { failUpload, runImport } from './run-import.js';
import { stagedKey, type PersonSeed, type StagedApply } from './staging.js';
import type { LedgerEntry } from './upload.js';
import { VerdictChanges, type ChangeCause, type PendingChange } from './verdict-changes.js';

export interface ReconcileOptions {
  /** The upload's file, from the archive; undefined when it cannot be read any more. */
  readonly open: (entry: LedgerEntry) => FileSource | undefined;
  /** An upload unfinished for longer than this is stuck. */
  readonly stuckAfterMs: number;
  readonly amounts?: AmountsByYear;
  readonly sleep: (ms: number) => Promise<void>;
  /** Only these clubs (all clubs of the register when absent): the cloud's nightly job fans out per club. */
  readonly clubs?: readonly string[];
  /**
   * Resumes a stuck upload elsewhere instead of here (the cloud starts its workflow again, so that the steps
   * run with their own time limits and retries): `exists` when that restart had been made already (tonight),
   * `missing` when the file cannot be read any more (the upload is failed). Without it, `runImport` runs here.
   */
  readonly restart?: (entry: LedgerEntry) => Promise<'started' | 'exists' | 'missing'>;
  /** The retention purge (shared/core/privacy/retention.ts), run after the clubs when the whole register is reconciled. */
  readonly purge?: PurgeOptions;
}

export interface ReconcileReport {
  readonly resumed: readonly string[];
  readonly failed: readonly string[];
  /** Uploads still waiting for an earlier upload of their vendor. */
  readonly blocked: readonly string[];
  /** Uploads that had failed with records applied, whose changes were re-judged. */
  readonly rejudged: readonly string[];
  /** Stuck uploads handed to `restart` (the cloud's workflow runs them). */
  readonly restarted?: readonly string[];
  /**
   * Uploads whose reconciliation failed tonight (the error's name only): the others went on, and these are tried
   * again the next night. Not empty is an alarm.
   */
  readonly errors: readonly { readonly uploadId: string; readonly error: string }[];
  /** Totals that differed from the sum of their verdicts, with what was stored and what is stored now. */
  readonly drift: readonly {
    readonly club: string;
    readonly period: string;
    readonly before?: PeriodTotals;
    readonly after: PeriodTotals;
  }[];
  readonly closedPeriods: readonly { readonly club: string; readonly period: string }[];
  /**
   * The safety net: verdicts the recheck of the club's recent uploads found wrong and corrected (per club whose
   * recent uploads led to them). Not zero means a judge step wrote a stale verdict somewhere (a race): an alarm.
   */
  readonly corrected: readonly { readonly club: string; readonly verdicts: number }[];
  /** Clubs whose reconciliation failed tonight (the error's name only): the other clubs went on. Not empty is an alarm. */
  readonly clubErrors: readonly { readonly club: string; readonly error: string }[];
  /** Per vendor and period: activities received, approved, rejected. */
  readonly byVendorPeriod: readonly {
    readonly vendor: string;
    readonly period: string;
    readonly received: number;
    readonly approved: number;
    readonly rejected: number;
  }[];
  /** What the retention purge removed tonight (with `options.purge`). */
  readonly purged?: PurgeReport;
}

/**
 * The nightly job: finish files stuck mid-way (resumed from the archive, or failed with a receipt), re-judge
 * what failed uploads left stale, recompute every open period's totals from the verdicts and repair any drift,
 * close periods past their final date, purge what is past its retention (with `options.purge`), and report per
 * vendor and period. Running it twice changes nothing more.
 */
export async function reconcile(
  ports: PipelinePorts,
  clock: PipelineClock,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const uploads = await reconcileUploads(ports, clock, options);
  const clubs = await reconcileClubs(ports, clock, options.clubs ?? (await ports.store.allClubs()));
  const purged = options.purge && !options.clubs ? await purgeExpired(ports, clock, options.purge) : undefined;
  return { ...uploads, ...clubs, ...(purged ? { purged } : {}) };
}

export type UploadsReport = Pick<
  ReconcileReport,
  'resumed' | 'failed' | 'blocked' | 'rejudged' | 'restarted' | 'errors'
>;
export type ClubsReport = Pick<
  ReconcileReport,
  'drift' | 'closedPeriods' | 'corrected' | 'clubErrors' | 'byVendorPeriod'
>;

/**
 * What tonight did with one unfinished upload ('waiting': nothing yet, it is neither stale nor stuck, or it was
 * finished since it was listed).
 */
export type UploadOutcome = 'resumed' | 'failed' | 'blocked' | 'rejudged' | 'restarted' | 'waiting';

/** One upload's part of the night: what was done with it, or the name of the error that stopped it (never a message). */
export type UploadResult = { readonly uploadId: string } & (
  { readonly outcome: UploadOutcome } | { readonly error: string }
);

/** The options of the uploads half (the clubs are the other half's). */
export type UploadOptions = Omit<ReconcileOptions, 'clubs'>;

/** The upload an item of the cloud's uploads half names: the ledger entry's key, read again when it runs. */
export type UploadKey = Pick<LedgerEntry, 'vendor' | 'uploadId' | 'completedAt'>;

/**
 * The first half of the nightly job, here for the whole register (local mode; the cloud fans it out per upload,
 * `reconcileListedUpload`): stuck and stale uploads, each on its own: one that fails (an unreadable staged object,
 * a throttled table) is reported and the others go on.
 */
export async function reconcileUploads(
  ports: PipelinePorts,
  clock: PipelineClock,
  options: UploadOptions,
): Promise<UploadsReport> {
  const results: UploadResult[] = [];
  for (const entry of await ports.store.allUnfinishedUploads()) {
    try {
      results.push({ uploadId: entry.uploadId, outcome: await reconcileUpload(ports, clock, options, entry) });
    } catch (error) {
      results.push({ uploadId: entry.uploadId, error: error instanceof Error ? error.name : 'Error' });
    }
  }
  return uploadsReportOf(results, options.restart !== undefined);
}

/**
 * The uploads half's report from its uploads' results (in their order); `restarted` only where stuck uploads are
 * restarted elsewhere (the cloud).
 */
export function uploadsReportOf(results: readonly UploadResult[], withRestarts: boolean): UploadsReport {
  const done: Record<Exclude<UploadOutcome, 'waiting'>, string[]> = {
    resumed: [],
    failed: [],
    blocked: [],
    rejudged: [],
    restarted: [],
  };
  const errors: { uploadId: string; error: string }[] = [];
  for (const result of results) {
    if ('error' in result) errors.push({ uploadId: result.uploadId, error: result.error });
    else if (result.outcome !== 'waiting') done[result.outcome].push(result.uploadId);
  }
  const { restarted, ...rest } = done;
  return { ...rest, errors, ...(withRestarts ? { restarted } : {}) };
}

/**
 * One upload the cloud's plan listed, its ledger entry read again (consistently): the list is older, and the
 * upload may have finished since (then there is nothing to do: 'waiting'). Throws what `reconcileUpload` throws.
 */
export async function reconcileListedUpload(
  ports: PipelinePorts,
  clock: PipelineClock,
  options: UploadOptions,
  upload: UploadKey,
): Promise<UploadOutcome> {
  const entry = await ports.store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  // Unfinished as the ledger's open uploads are: not done, or failed with changes left stale.
  if (entry === undefined || (entry.stage === 'done' && !entry.stale)) return 'waiting';
  return reconcileUpload(ports, clock, options, entry);
}

/**
 * One unfinished upload: a stale one re-judged; a stuck one resumed here (local mode) or restarted elsewhere
 * (`options.restart`), or failed when its file cannot be read any more. Throws when it cannot be reconciled.
 */
export async function reconcileUpload(
  ports: PipelinePorts,
  clock: PipelineClock,
  options: UploadOptions,
  entry: LedgerEntry,
): Promise<UploadOutcome> {
  const { store } = ports;
  if (entry.stale) {
    const cause: ChangeCause = { kind: 'nightly', date: clock.today, part: `failed-${entry.uploadId}` };
    await new VerdictChanges(ports.objects, cause).inherit(await leftOverChanges(ports, entry));
    const result = await rejudge(ports, { ...(await staleSeeds(ports, entry)), cause }, clock.today, options.amounts);
    await recomputeClubPeriods(store, result.clubPeriods);
    const { stale: _stale, ...rest } = entry;
    await store.putUpload(rest);
    return 'rejudged';
  }
  if (Date.parse(clock.now()) - Date.parse(entry.receivedAt) < options.stuckAfterMs) return 'waiting';
  if (options.restart) {
    const outcome = await options.restart(entry);
    if (outcome === 'started') return 'restarted';
    if (outcome === 'exists') return 'waiting';
    await failUpload(ports, entry, clock);
    return 'failed';
  }
  const source = options.open(entry);
  if (!source) {
    await failUpload(ports, entry, clock);
    return 'failed';
  }
  const result = await runImport(ports, entry, () => options.open(entry)!, clock, {
    sleep: options.sleep,
    ...(options.amounts ? { amounts: options.amounts } : {}),
  });
  return result.kind === 'done' ? 'resumed' : result.kind;
}

/**
 * The changes a failed upload's judge chunks kept and did not publish (a chunk without a result died for good, maybe
 * after writing them): the night's re-judge finds those verdicts written already, and reports them instead.
 */
async function leftOverChanges(ports: PipelinePorts, entry: LedgerEntry): Promise<PendingChange[]> {
  const left: PendingChange[] = [];
  const chunks = (await chunksInManifest(ports.objects, entry)) ?? 0;
  for (let chunk = 0; chunk < chunks; chunk++) {
    if (await chunkJudged(ports.objects, entry, chunk)) continue;
    left.push(...(await new VerdictChanges(ports.objects, { kind: 'upload', upload: entry, chunk }).kept()));
  }
  return left;
}

/**
 * What a failed upload may have left unjudged: the seeds its apply staged, or, where it died before staging them
 * (or the staged object has expired), the activities of its clubs it was the last to write and every person the
 * vendor links there (its first phase may have changed a person's facts or memberships before the link that
 * would say so was written). More than it wrote, but failures are rare and a verdict must not stay stale.
 */
async function staleSeeds(ports: PipelinePorts, entry: LedgerEntry): Promise<RejudgeSeeds> {
  const staged = await stagedSeeds(ports, entry);
  if (staged !== undefined) return staged;
  const activities: { vendor: string; club: string; id: string }[] = [];
  const persons: { pid: string }[] = [];
  for (const club of entry.clubsInFile ?? entry.clubs ?? []) {
    const links = await ports.store.linksOf(entry.vendor, club);
    for (const a of links.activities)
      if (a.lastUpload === entry.uploadId) activities.push({ vendor: entry.vendor, club, id: a.id });
    for (const p of links.persons) if (!p.deleted) persons.push({ pid: p.pid });
  }
  return { activities, persons };
}

/** The seeds an upload's apply staged, with its vendor; undefined when the staged object is not there (any more). */
async function stagedSeeds(ports: PipelinePorts, entry: LedgerEntry): Promise<RejudgeSeeds | undefined> {
  const staged = await ports.objects.get(stagedKey(entry, 'apply'));
  return staged === undefined ? undefined : seedsOfVendor(entry.vendor, (JSON.parse(staged) as StagedApply).seeds);
}

/**
 * A failed upload the uploads' half could not re-judge tonight (the club's view keeps `stale` from its failure; the
 * ledger entry, read again, says whether it still is): that half reported it in `errors` and tries it again the next
 * night, and what stopped it there (its staged seeds, unreadable) must not stop the club's recheck too.
 */
async function stillStale(ports: PipelinePorts, entry: LedgerEntry): Promise<boolean> {
  return (
    entry.stale === true && (await ports.store.upload(entry.vendor, entry.uploadId, entry.completedAt))?.stale === true
  );
}

/** How far back the nightly recheck looks: a day and some, so that consecutive nights overlap. */
export const RECHECK_HOURS = 26;
/** The club's latest uploads the recheck considers (newest first); a club's day holds far fewer. */
const RECHECK_UPLOADS = 500;

/**
 * The safety net for the judge step: the club's uploads finished since `since` are judged again from their staged
 * seeds (every week their changes reached, in every club), and the verdicts that come out different are written.
 * Judging is a function of what is stored, so this writes nothing unless a judge step wrote a verdict from state
 * that changed under it (two vendors' uploads judging the same week at once). Returns the verdicts corrected.
 */
export async function recheckRecentUploads(
  ports: PipelinePorts,
  clock: PipelineClock,
  club: string,
  since: string,
): Promise<number> {
  const { store } = ports;
  const seeds: { activities: RejudgeSeeds['activities'][number][]; persons: PersonSeed[] } = {
    activities: [],
    persons: [],
  };
  for (const entry of await store.uploadsOf({ club }, RECHECK_UPLOADS)) {
    if (entry.stage !== 'done' || entry.finishedAt === undefined || entry.finishedAt < since) continue;
    if (await stillStale(ports, entry)) continue;
    const staged = await stagedSeeds(ports, entry);
    if (staged === undefined) continue;
    seeds.activities.push(...staged.activities.filter((a) => a.club === club));
    seeds.persons.push(...staged.persons.filter((p) => p.club === undefined || p.club === club));
  }
  if (seeds.activities.length + seeds.persons.length === 0) return 0;
  const result = await rejudge(
    ports,
    { ...seeds, cause: { kind: 'nightly', date: clock.today, part: `recheck-${club}` } },
    clock.today,
  );
  if (result.written > 0) await recomputeClubPeriods(store, result.clubPeriods);
  return result.written;
}

/**
 * The second half, club by club (the cloud fans it out per club): the recheck of recent uploads, totals drift,
 * closed periods, counts.
 */
export async function reconcileClubs(
  ports: PipelinePorts,
  clock: PipelineClock,
  clubs: readonly string[],
): Promise<ClubsReport> {
  const report: Mutable<ClubsReport> = {
    drift: [],
    closedPeriods: [],
    corrected: [],
    clubErrors: [],
    byVendorPeriod: [],
  };
  const perVendor = new Map<
    string,
    { vendor: string; period: string; received: number; approved: number; rejected: number }
  >();
  const since = new Date(Date.parse(clock.now()) - RECHECK_HOURS * 3_600_000).toISOString();
  for (const club of clubs) {
    // One club that cannot be reconciled tonight (an unreadable staged object, a throttled table) is reported and
    // tried again the next night; the other clubs go on.
    try {
      await reconcileClub(ports, clock, { club, since, report, perVendor });
    } catch (error) {
      report.clubErrors.push({ club, error: error instanceof Error ? error.name : 'Error' });
    }
  }
  report.byVendorPeriod = sortedRows(perVendor);
  return report;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/** One club of the night: the recheck of its recent uploads, its periods' counts, drift and closing. */
async function reconcileClub(
  ports: PipelinePorts,
  clock: PipelineClock,
  night: {
    readonly club: string;
    readonly since: string;
    readonly report: Mutable<ClubsReport>;
    readonly perVendor: Map<
      string,
      { vendor: string; period: string; received: number; approved: number; rejected: number }
    >;
  },
): Promise<void> {
  const { store } = ports;
  const { club, report, perVendor } = night;
  const verdicts = await recheckRecentUploads(ports, clock, club, night.since);
  if (verdicts > 0) report.corrected.push({ club, verdicts });
  for (const stored of await store.totalsOf(club)) {
    const { period } = stored.totals;
    for (const v of await store.verdictsOf(club, period)) {
      const key = `${v.vendor}|${period}`;
      const row = perVendor.get(key) ?? { vendor: v.vendor, period, received: 0, approved: 0, rejected: 0 };
      row.received++;
      row[v.verdict.verdict]++;
      perVendor.set(key, row);
    }
    if (stored.closed) continue;
    const { before, after } = await recomputeTotals(store, club, period);
    if (JSON.stringify(before) !== JSON.stringify(after))
      report.drift.push({ club, period, ...(before ? { before } : {}), after });
    if (clock.today > finalDateOf(period)) {
      const { value, revision } = await store.totals(club, period);
      if (value && !value.closed && (await store.putTotals(club, period, { ...value, closed: true }, revision)))
        report.closedPeriods.push({ club, period });
    }
  }
}

function sortedRows<T extends { vendor: string; period: string }>(rows: Map<string, T>): T[] {
  return [...rows.values()].sort((a, b) =>
    a.vendor < b.vendor ? -1 : a.vendor > b.vendor ? 1 : a.period < b.period ? -1 : 1,
  );
}

/** How many verdicts the recheck corrected, over the clubs of a report (a metric, with an alarm above zero). */
export function correctedVerdicts(report: Pick<ClubsReport, 'corrected'>): number {
  return report.corrected.reduce((sum, c) => sum + c.verdicts, 0);
}

/** The club halves of a fanned-out run, joined (the cloud's report step). */
export function joinClubsReports(parts: readonly ClubsReport[]): ClubsReport {
  const perVendor = new Map<
    string,
    { vendor: string; period: string; received: number; approved: number; rejected: number }
  >();
  for (const part of parts) {
    for (const row of part.byVendorPeriod) {
      const key = `${row.vendor}|${row.period}`;
      const sum = perVendor.get(key) ?? {
        vendor: row.vendor,
        period: row.period,
        received: 0,
        approved: 0,
        rejected: 0,
      };
      sum.received += row.received;
      sum.approved += row.approved;
      sum.rejected += row.rejected;
      perVendor.set(key, sum);
    }
  }
  return {
    drift: parts.flatMap((p) => p.drift),
    closedPeriods: parts.flatMap((p) => p.closedPeriods),
    corrected: parts.flatMap((p) => p.corrected ?? []),
    clubErrors: parts.flatMap((p) => p.clubErrors ?? []),
    byVendorPeriod: sortedRows(perVendor),
  };
}
