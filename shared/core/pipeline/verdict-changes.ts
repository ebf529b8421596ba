/**
 * Verdict changes pushed back to the vendor (docs/importer-format.md, "Verdict changes after the receipt"): when a
 * re-judge (another upload's judge step, the nightly job) changes an activity's verdict after the receipt that
 * listed it was written, the activity's vendor finds the change in its outbox, in a change report named after
 * what caused it. A judge keeps the changes it is about to write before it writes them (a retry that finds the
 * verdicts written already still reports them), and publishes them once its verdicts are written: only then is
 * the ledger's word on a receipt final (a receipt step not started yet reads the new verdict itself).
 */
import { CHANGE_REPORT_SUFFIX, LATER_CHANGES_AT, RECEIPT_FORMAT_VERSION } from '../receipt/receipt.js';
import { countOf, personLines } from '../receipt/receipt-text.js';
import type { ActivityVerdict } from '../rules/verdict.js';
import { inParallel } from './in-parallel.js';
import type { ObjectStore, PipelinePorts } from './ports.js';
import type { StoredActivity } from './stored.js';
import { stageReached, type LedgerEntry, type Upload } from './upload.js';
import { nightlyWorkPrefix, outboxPrefix, uploadWorkPrefix } from '../storage/bucket-layout.js';

/** What re-judged: one chunk of an upload's judge step, or one part of the nightly job (a club's recheck, a failed upload's records). */
export type ChangeCause =
  | { readonly kind: 'upload'; readonly upload: Upload; readonly chunk: number }
  | { readonly kind: 'nightly'; readonly date: string; readonly part: string };

/** Who caused a change, as the vendor reads it: another vendor's upload is named by its id alone. */
export type ChangeReportCause =
  | { readonly by: 'your-upload'; readonly upload: string; readonly file: string }
  | { readonly by: 'other-upload'; readonly upload: string }
  | { readonly by: 'nightly'; readonly date: string };

/** One activity whose verdict changed after its receipt: the verdict its receipt (or an earlier report) gave, and the new one. */
export interface VerdictChange {
  readonly club: string;
  readonly id: string;
  readonly period: string;
  readonly date?: string;
  /** The file whose receipt listed the activity last (the upload that last changed it). */
  readonly receiptOf?: string;
  readonly before: ActivityVerdict;
  readonly after: ActivityVerdict;
}

/** A change report: `outbox/<time>-<upload or nightly>-<part>.changes.json` as the vendor sees it. */
export interface ChangeReport {
  readonly formatVersion: typeof RECEIPT_FORMAT_VERSION;
  readonly vendor: string;
  readonly cause: ChangeReportCause;
  readonly changes: readonly VerdictChange[];
}

/** A change a judge is about to write, kept with what the report needs to know about the activity. */
export interface PendingChange extends Omit<VerdictChange, 'receiptOf'> {
  readonly vendor: string;
  readonly lastUpload: string;
  readonly lastCompletedAt?: string;
}

/** What a change report is about: the verdict, every reason, and the counted leaders and participants (not payments or warnings). */
function reportedPart(v: ActivityVerdict): unknown {
  return [v.verdict, v.reasons, v.countedParticipants, v.leaders, v.participants];
}

/** Whether the vendor hears of a new verdict: its verdict, reasons, leaders or participants lines differ. */
export function isReportedChange(before: ActivityVerdict, after: ActivityVerdict): boolean {
  return JSON.stringify(reportedPart(before)) !== JSON.stringify(reportedPart(after));
}

/** `2026-11-25T10:00:01.000Z` → `20261125T100001Z`: a time in a file name, sorting as the time does. */
function compactTime(iso: string): string {
  return iso.replace(/\.\d+/, '').replace(/[-:]/g, '');
}

/** One path segment. */
const segment = (text: string) => encodeURIComponent(text);

function causeName(cause: ChangeCause): string {
  return cause.kind === 'upload'
    ? `${compactTime(cause.upload.completedAt)}-${cause.upload.uploadId}-${cause.chunk}`
    : `${cause.date.replace(/-/g, '')}-nightly-${segment(cause.part)}`;
}

/**
 * Where a vendor's change report of one cause goes: flat in its outbox beside the receipts, named by the cause's
 * time (the causing upload's completion, or the night's date) so that names sort in time, and by the cause and its
 * part so that a retried step writes the same object again (LATER_CHANGES_AT says so to the vendor).
 */
export function changeReportKey(vendor: string, cause: ChangeCause, kind: 'json' | 'txt' = 'json'): string {
  return `${outboxPrefix(vendor)}${causeName(cause)}${CHANGE_REPORT_SUFFIX}.${kind}`;
}

/**
 * Where a judge keeps the changes it is about to write (every vendor's) until they are published, and the vendors
 * it may have written a report for (so a report of changes since undone is written again, empty: nothing in the
 * outbox is read or deleted by a judge).
 */
function pendingKey(cause: ChangeCause): string {
  return cause.kind === 'upload'
    ? `${uploadWorkPrefix(cause.upload)}changes-${cause.chunk}.json`
    : `${nightlyWorkPrefix(cause.date)}changes-${segment(cause.part)}.json`;
}

function reportCause(cause: ChangeCause, vendor: string): ChangeReportCause {
  if (cause.kind === 'nightly') return { by: 'nightly', date: cause.date };
  return cause.upload.vendor === vendor
    ? { by: 'your-upload', upload: cause.upload.uploadId, file: cause.upload.file }
    : { by: 'other-upload', upload: cause.upload.uploadId };
}

const changeId = (c: { vendor: string; club: string; id: string }) => `${c.vendor}|${c.club}|${c.id}`;

/** The changes of one re-judge (one cause), kept before its verdicts are written and published after. */
export class VerdictChanges {
  private state: { readonly changes: Map<string, PendingChange>; readonly published: Set<string> } | undefined;
  private keptAny = false;

  constructor(
    private readonly objects: ObjectStore,
    readonly cause: ChangeCause,
  ) {}

  /** A change of this activity's verdict is reported to its vendor: it was written by another upload than the cause (whose own receipt shows it). */
  concerns(activity: StoredActivity): boolean {
    return this.cause.kind === 'nightly' || activity.lastUpload !== this.cause.upload.uploadId;
  }

  /** The change of one activity's verdict, if its vendor hears of it. */
  changeOf(
    activity: StoredActivity,
    period: string,
    before: ActivityVerdict,
    after: ActivityVerdict,
  ): PendingChange | undefined {
    if (!this.concerns(activity) || !isReportedChange(before, after)) return undefined;
    return {
      vendor: activity.vendor,
      club: activity.club,
      id: activity.id,
      period,
      ...(activity.content?.date !== undefined ? { date: activity.content.date } : {}),
      lastUpload: activity.lastUpload,
      ...(activity.lastCompletedAt !== undefined ? { lastCompletedAt: activity.lastCompletedAt } : {}),
      before,
      after,
    };
  }

  /**
   * Keeps changes about to be written, merged with those kept before (by an earlier pass or attempt): an activity
   * keeps the verdict its vendor last saw as `before`, and takes the newest `after`.
   */
  async keep(changes: readonly PendingChange[]): Promise<void> {
    if (changes.length === 0) return;
    const pending = (await this.load()).changes;
    for (const change of changes) {
      const earlier = pending.get(changeId(change));
      pending.set(changeId(change), earlier ? { ...change, before: earlier.before } : change);
    }
    await this.save();
    this.keptAny = true;
  }

  /** The changes kept so far (by this or an earlier attempt). */
  async kept(): Promise<PendingChange[]> {
    return [...(await this.load()).changes.values()];
  }

  /**
   * Takes over changes another cause kept and never published (a failed upload's judge chunks, for the night's
   * re-judge of what it left): added where this cause has none for the activity, so a second night changes nothing.
   */
  async inherit(changes: readonly PendingChange[]): Promise<void> {
    const pending = (await this.load()).changes;
    const added = changes.filter((c) => !pending.has(changeId(c)));
    if (added.length === 0) return;
    for (const change of added) pending.set(changeId(change), change);
    await this.save();
    this.keptAny = true;
  }

  /**
   * Once the verdicts are written: each vendor's kept changes whose receipt was written by now (its upload reached
   * the receipt step: `totalled` or `done`), written to the vendor's outbox. `earlier`: an earlier attempt may have
   * kept changes (it wrote verdicts it did not check); otherwise nothing is read unless this attempt kept some.
   */
  async publish(store: PipelinePorts['store'], earlier: boolean): Promise<void> {
    if (!this.keptAny && !earlier && this.cause.kind === 'upload') return;
    const state = await this.load();
    const pending = [...state.changes.values()];
    const receipts = await receiptsWritten(store, pending);
    const byVendor = new Map<string, VerdictChange[]>(pending.map((c) => [c.vendor, []]));
    for (const c of pending) {
      if (!isReportedChange(c.before, c.after)) continue; // changed back since it was kept
      // Without a completion time the activity was written before they were kept: its upload is long done.
      const known = c.lastCompletedAt !== undefined;
      const receipt = known ? receipts.get(`${c.vendor}|${c.lastUpload}`) : undefined;
      if (known && receipt === undefined) continue; // its receipt step has not begun: it reads the new verdict
      const { vendor, lastUpload: _upload, lastCompletedAt: _at, ...change } = c;
      byVendor.get(vendor)!.push({ ...change, ...(receipt ? { receiptOf: receipt.file } : {}) });
    }
    for (const [vendor, changes] of byVendor) {
      const keys = [changeReportKey(vendor, this.cause), changeReportKey(vendor, this.cause, 'txt')] as const;
      // Nothing (any more) for this vendor: a report an earlier attempt may have written of a change since undone
      // is written again with no changes.
      if (changes.length === 0 && !state.published.has(vendor)) continue;
      if (!state.published.has(vendor)) {
        state.published.add(vendor);
        await this.save(); // before the report: a retry after a death in between knows it may be there
      }
      const report: ChangeReport = {
        formatVersion: RECEIPT_FORMAT_VERSION,
        vendor,
        cause: reportCause(this.cause, vendor),
        changes: sortedChanges(changes),
      };
      await this.objects.put(keys[0], `${JSON.stringify(report, null, 2)}\n`);
      await this.objects.put(keys[1], changeReportText(report, keys[0]));
    }
  }

  private async load(): Promise<NonNullable<VerdictChanges['state']>> {
    if (!this.state) {
      const text = await this.objects.get(pendingKey(this.cause));
      const kept =
        text === undefined
          ? { changes: [], published: [] }
          : (JSON.parse(text) as { changes: PendingChange[]; published: string[] });
      this.state = { changes: new Map(kept.changes.map((c) => [changeId(c), c])), published: new Set(kept.published) };
    }
    return this.state;
  }

  private async save(): Promise<void> {
    const { changes, published } = await this.load();
    await this.objects.put(
      pendingKey(this.cause),
      JSON.stringify({ changes: [...changes.values()], published: [...published] }),
    );
  }
}

/** The ledger entries of the uploads that last changed these activities, where their receipt step has begun (by vendor and upload id). */
async function receiptsWritten(
  store: PipelinePorts['store'],
  changes: readonly PendingChange[],
): Promise<Map<string, LedgerEntry>> {
  const uploads = new Map<string, { vendor: string; uploadId: string; completedAt: string }>();
  for (const c of changes) {
    if (c.lastCompletedAt !== undefined)
      uploads.set(`${c.vendor}|${c.lastUpload}`, {
        vendor: c.vendor,
        uploadId: c.lastUpload,
        completedAt: c.lastCompletedAt,
      });
  }
  const entries = await inParallel([...uploads.values()], 8, (u) => store.upload(u.vendor, u.uploadId, u.completedAt));
  // `totalled`: its receipt step may have read the old verdict already; before it, that step reads the new one.
  return new Map(
    entries.flatMap((e) =>
      e !== undefined && stageReached(e.stage, 'totalled') ? [[`${e.vendor}|${e.uploadId}`, e]] : [],
    ),
  );
}

function sortedChanges(changes: VerdictChange[]): VerdictChange[] {
  return changes.sort((a, b) => (a.club < b.club ? -1 : a.club > b.club ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function causeText(cause: ChangeReportCause): string {
  switch (cause.by) {
    case 'your-upload':
      return `your upload ${cause.upload} (file ${cause.file})`;
    case 'other-upload':
      return `another vendor's upload ${cause.upload}`;
    case 'nightly':
      return `the nightly job of ${cause.date}`;
  }
}

function verdictLines(label: string, v: ActivityVerdict): string[] {
  return [
    `    ${label} ${v.verdict}${v.reasons.length ? `: ${v.reasons.join(', ')}` : ''} (${v.countedParticipants} counted)`,
    ...personLines(v, '      '),
  ];
}

/** The human form of a change report (`.changes.txt`): ids and codes only, never personal data. */
export function changeReportText(report: ChangeReport, key: string): string {
  const out = [
    `${key.slice(key.lastIndexOf('/') + 1)}  VERDICT CHANGES`,
    `format ${report.formatVersion}  vendor ${report.vendor}`,
    `caused by ${causeText(report.cause)}`,
    '',
    `${countOf(report.changes.length, 'activity', 'activities')} changed after ${report.changes.length === 1 ? 'its receipt' : 'their receipts'}:`,
  ];
  for (const c of report.changes) {
    out.push(
      `  club ${c.club} activity ${c.id}${c.date ? ` (${c.date})` : ''}${c.receiptOf ? `, last in the receipt of ${c.receiptOf}` : ''}`,
    );
    out.push(...verdictLines('before:', c.before), ...verdictLines('now:   ', c.after));
  }
  out.push(
    '',
    `Every receipt and change report is a snapshot; later changes come in further ${LATER_CHANGES_AT} reports.`,
  );
  return `${out.join('\n')}\n`;
}
