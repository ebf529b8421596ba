import type { FileError } from '../errors/record-error.js';
import { errorCount } from '../receipt/kept-errors.js';
import { emptyCounts, LATER_CHANGES_AT, RECEIPT_FORMAT_VERSION, type Receipt } from '../receipt/receipt.js';
import { receiptJson } from '../receipt/receipt-json.js';
import { receiptText } from '../receipt/receipt-text.js';
import type { PeriodTotals } from '../rules/period-totals.js';
import type { ActivityVerdict } from '../rules/verdict.js';
import { inParallel } from './in-parallel.js';
import { docId, type PipelineClock, type PipelinePorts } from './ports.js';
import { readStaged, stagedKey, type StagedApply } from './staging.js';
import type { StoredVerdict } from './stored.js';
import { stageReached, type LedgerEntry, type Upload } from './upload.js';
import { outboxPrefix } from '../storage/bucket-layout.js';

/** Where a file's receipt goes: next to it, in the vendor's outbox (importer-format.md, The receipt). */
export function receiptKey(upload: Pick<Upload, 'vendor' | 'file'>, kind: 'json' | 'txt' = 'json'): string {
  return `${outboxPrefix(upload.vendor)}${upload.file}.receipt.${kind}`;
}

/** The receipt step: verdicts as stored now, written to the outbox; the ledger entry is done. */
export async function finishUpload(
  ports: PipelinePorts,
  upload: Upload,
  clock: Pick<PipelineClock, 'now'>,
): Promise<Receipt> {
  const { store, objects } = ports;
  const entry = await store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  if (!entry || !stageReached(entry.stage, 'totalled'))
    throw new Error(`upload ${upload.uploadId} has not been totalled`);
  if (entry.stage === 'done') {
    const text = await objects.get(receiptKey(upload));
    if (text !== undefined) return JSON.parse(text) as Receipt;
  }
  const staged = await readStaged<StagedApply>(objects, stagedKey(upload, 'apply'));
  const receipt = await receiptOf(ports, upload, entry, staged, entry.finishedAt ?? clock.now());
  await writeReceipt(ports, upload, receipt);
  const done: LedgerEntry = {
    ...entry,
    stage: 'done',
    status: receipt.status,
    finishedAt: receipt.completedAt,
    counts: receipt.counts,
    errors: errorCount(receipt),
  };
  // The vendor's entry says `done` last: a retry after a fault anywhere before it writes everything again.
  await Promise.all(staged.clubs.map((club) => store.putClubUpload(club, done)));
  await store.putUpload(done);
  return receipt;
}

export async function writeReceipt(ports: PipelinePorts, upload: Upload, receipt: Receipt): Promise<void> {
  await ports.objects.put(receiptKey(upload), receiptJson(receipt));
  await ports.objects.put(receiptKey(upload, 'txt'), receiptText(receipt));
}

async function receiptOf(
  ports: PipelinePorts,
  upload: Upload,
  entry: LedgerEntry,
  staged: StagedApply,
  completedAt: string,
): Promise<Receipt> {
  const { store } = ports;
  const keys = staged.activities.map((a) => ({ kind: 'verdict' as const, vendor: upload.vendor, ...a }));
  const docs = await store.get(keys);
  const counts = { persons: { ...staged.counts.persons }, activities: { ...staged.counts.activities } };
  const activities: ActivityVerdict[] = [];
  for (const key of keys) {
    const verdict = (docs.get(docId(key))?.value as StoredVerdict | undefined)?.verdict;
    if (!verdict) continue;
    activities.push(verdict);
    counts.activities[verdict.verdict]++;
  }
  const clubPeriods = new Map(staged.activities.map((a) => [`${a.club}|${a.period}`, a]));
  const stored = await inParallel([...clubPeriods.values()], 4, ({ club, period }) => store.totals(club, period));
  // As `check` does: a period enters the receipt's totals with its first approved activity.
  const totals: PeriodTotals[] = stored.flatMap(({ value }) =>
    value && value.totals.approvedActivities > 0 ? [value.totals] : [],
  );
  totals.sort((a, b) =>
    a.club < b.club ? -1 : a.club > b.club ? 1 : a.period < b.period ? -1 : a.period > b.period ? 1 : 0,
  );
  return {
    formatVersion: RECEIPT_FORMAT_VERSION,
    file: upload.file,
    sha256: staged.sha256,
    vendor: upload.vendor,
    status: staged.status,
    receivedAt: entry.receivedAt,
    completedAt,
    counts,
    errors: staged.errors,
    ...(staged.errorsTotal !== undefined
      ? { errorsTotal: staged.errorsTotal, errorsLeftOut: staged.errorsLeftOut ?? {} }
      : {}),
    activities,
    ...(staged.status === 'applied' || staged.status === 'partially_applied' ? { totals } : {}),
    ...(staged.duplicateOf ? { duplicateOf: staged.duplicateOf } : {}),
    laterChanges: LATER_CHANGES_AT,
  };
}

/** The receipt of a file the pipeline gave up on: nothing more will be applied from it. */
export function failedReceipt(upload: Upload, entry: LedgerEntry, error: FileError, completedAt: string): Receipt {
  return {
    formatVersion: RECEIPT_FORMAT_VERSION,
    file: upload.file,
    sha256: entry.sha256 ?? '',
    vendor: upload.vendor,
    status: 'rejected',
    receivedAt: entry.receivedAt,
    completedAt,
    counts: emptyCounts(),
    errors: [error],
    activities: [],
    laterChanges: LATER_CHANGES_AT,
  };
}
