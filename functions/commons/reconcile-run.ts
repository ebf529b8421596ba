import type { UploadKey, UploadResult } from '../../shared/core/pipeline/reconcile.js';
import type { ObjectStore } from '../../shared/core/pipeline/ports.js';
import { RECONCILIATION_REPORTS } from '../../shared/core/storage/bucket-layout.js';

/** What every state of a reconciliation run receives: the run's id (the execution's name) names its reports. */
export interface ReconcileRun {
  readonly runId: string;
}

/** An item of the uploads' Distributed Map (its ItemSelector): the night's run id and one upload's ledger key. */
export interface UploadItem extends ReconcileRun {
  readonly upload: UploadKey;
}

/** Only ids and digits reach a key: an execution name and an upload id are letters, digits, `-` and `_` already. */
function keySafe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Where a run's report (`<prefix>.json`), its manifests and its parts are kept. */
export function reportPrefix(runId: string): string {
  return `${RECONCILIATION_REPORTS}${keySafe(runId)}`;
}

/** The clubs' batches' parts of a run, one object per batch. */
export function clubPartsPrefix(runId: string): string {
  return `${reportPrefix(runId)}/parts/`;
}

/** The uploads' results of a run, one object per upload (a retry or the error's record replaces it). */
export function uploadResultsPrefix(runId: string): string {
  return `${reportPrefix(runId)}/uploads/`;
}

/** The night's retention purge's report (functions/reconcile-purge.ts), for the report to join. */
export function purgePartKey(runId: string): string {
  return `${reportPrefix(runId)}/purge.json`;
}

/** One upload's result of the night, under `uploadResultsPrefix`, for the report to join. */
export async function putUploadResult(objects: ObjectStore, runId: string, result: UploadResult): Promise<void> {
  await objects.put(`${uploadResultsPrefix(runId)}${keySafe(result.uploadId)}.json`, JSON.stringify(result));
}

/**
 * A JSON Lines list for a Distributed Map to fan out over (its ItemReader), `<report prefix>/<name>.jsonl`, one
 * item a line: its key and how many items it holds (an empty list is not fanned out over).
 */
export async function writeManifest(
  objects: ObjectStore,
  runId: string,
  name: string,
  items: readonly unknown[],
): Promise<{ manifest: string; items: number }> {
  const manifest = `${reportPrefix(runId)}/${name}.jsonl`;
  await objects.put(manifest, items.map((item) => `${JSON.stringify(item)}\n`).join(''));
  return { manifest, items: items.length };
}
