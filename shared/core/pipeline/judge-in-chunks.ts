import type { AmountsByYear } from '../rules/amounts.js';
import type { PipelineClock, PipelinePorts } from './ports.js';
import { HeadWatch } from './head-watch.js';
import { rejudge, seedsOfVendor } from './rejudge.js';
import { judgeIntentKey, readStaged, stagedKey, type PersonSeed, type StagedApply, type StagedJudge } from './staging.js';
import { stageReached, type Upload } from './upload.js';

/**
 * The judge step of a large file, fanned out: the seeds are cut into chunks judged side by side (the cloud's
 * Distributed Map), then joined. Each chunk closes its own weeks over shared calendar keys from the register, so
 * a chunk's verdicts are right whatever the other chunks hold; where two chunks reach the same week they judge
 * it from the same stored state and write the same verdicts. Unlike the single judge step, chunks are not told
 * which persons are new ("settled"): that shortcut is only sound when every seed is judged together.
 */
export interface JudgeChunk {
  readonly activities: readonly { readonly club: string; readonly id: string }[];
  readonly persons: readonly PersonSeed[];
}

/** The manifest of a fanned-out judge: one JSON line per chunk, `{"chunk":i}` (ids only reach the workflow). */
export function judgeManifestKey(upload: Upload): string {
  return `work/${upload.vendor}/${upload.uploadId}/judge-chunks.jsonl`;
}

function chunkKey(upload: Upload, chunk: number): string {
  return `work/${upload.vendor}/${upload.uploadId}/judge-chunk-${chunk}.json`;
}

function chunkResultKey(upload: Upload, chunk: number): string {
  return `work/${upload.vendor}/${upload.uploadId}/judged-chunk-${chunk}.json`;
}

async function appliedEntry(ports: PipelinePorts, upload: Upload) {
  const entry = await ports.store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  if (!entry || !stageReached(entry.stage, 'applied')) throw new Error(`upload ${upload.uploadId} has not been applied`);
  return entry;
}

/** Cuts the applied seeds into chunks of at most `size` seeds (at least one chunk) and writes them with their manifest. */
export async function splitJudge(ports: PipelinePorts, upload: Upload, size: number): Promise<{ readonly chunks: number; readonly manifest: string }> {
  await appliedEntry(ports, upload);
  const staged = await readStaged<StagedApply>(ports.objects, stagedKey(upload, 'apply'));
  const { activities } = staged.seeds;
  // A person this upload created and alone has reached is named only by its own seeds: no chunk looks it up (an
  // upload that reaches the person later judges its own activities against this one's, written by now).
  const alone = await new HeadWatch(ports.store).alone(staged.seeds.settled, upload.uploadId);
  const persons = staged.seeds.persons.filter((p) => !alone.has(p.pid));
  const chunks: JudgeChunk[] = [];
  for (let i = 0; i < activities.length; i += size) chunks.push({ activities: activities.slice(i, i + size), persons: [] });
  for (let i = 0; i < persons.length; i += size) chunks.push({ activities: [], persons: persons.slice(i, i + size) });
  // A file that changed nothing (a duplicate, a rejected file) still has one chunk: the map never reads an empty manifest.
  if (chunks.length === 0) chunks.push({ activities: [], persons: [] });
  for (const [i, chunk] of chunks.entries()) await ports.objects.put(chunkKey(upload, i), JSON.stringify(chunk));
  const manifest = judgeManifestKey(upload);
  await ports.objects.put(manifest, chunks.map((_, i) => `${JSON.stringify({ chunk: i })}\n`).join(''));
  return { chunks: chunks.length, manifest };
}

/** Judges one chunk; its club periods are kept for the join. Idempotent like every step. */
export async function judgeChunk(ports: PipelinePorts, upload: Upload, chunk: number, clock: PipelineClock, amounts?: AmountsByYear): Promise<void> {
  const seeds = await readStaged<JudgeChunk>(ports.objects, chunkKey(upload, chunk));
  const result = await rejudge(ports, { ...seedsOfVendor(upload.vendor, seeds), uploadId: upload.uploadId, intentKey: judgeIntentKey(upload, chunk) }, clock.today, amounts);
  const judged: StagedJudge = { clubPeriods: result.clubPeriods };
  await ports.objects.put(chunkResultKey(upload, chunk), JSON.stringify(judged));
}

/** Joins the chunks' club periods into the judge step's result; the upload is judged. */
export async function joinJudge(ports: PipelinePorts, upload: Upload, chunks: number): Promise<StagedJudge> {
  const entry = await appliedEntry(ports, upload);
  if (stageReached(entry.stage, 'judged')) return readStaged<StagedJudge>(ports.objects, stagedKey(upload, 'judge'));
  const clubPeriods = new Map<string, { club: string; period: string }>();
  for (let i = 0; i < chunks; i++) {
    const part = await readStaged<StagedJudge>(ports.objects, chunkResultKey(upload, i));
    for (const cp of part.clubPeriods) clubPeriods.set(`${cp.club}|${cp.period}`, cp);
  }
  const judged: StagedJudge = { clubPeriods: [...clubPeriods.values()] };
  await ports.objects.put(stagedKey(upload, 'judge'), JSON.stringify(judged));
  await ports.store.putUpload({ ...entry, stage: 'judged' });
  return judged;
}
