import type { AmountsByYear } from '../rules/amounts.js';
import type { PipelineClock, PipelinePorts } from './ports.js';
import { rejudge, seedsOfVendor } from './rejudge.js';
import {
  judgeIntentKey,
  readStaged,
  stagedKey,
  type PersonSeed,
  type StagedApply,
  type StagedJudge,
} from './staging.js';
import { stageReached, type Upload } from './upload.js';
import { uploadWorkPrefix } from '../storage/bucket-layout.js';

/**
 * The judge step in chunks: the seeds cut into chunks of whole clubs, judged one after another (the judge step)
 * or side by side (the cloud's Distributed Map for a large file), then joined. Memory is bounded by a chunk, not
 * by the file. Each chunk closes its own weeks over shared calendar keys from the register, so a chunk's verdicts
 * are right whatever the other chunks hold; where two chunks reach the same week they judge it from the same
 * stored state and write the same verdicts. A chunk is told which persons this upload created in its clubs alone
 * ("settled": every activity of this upload naming them is among its seeds); a person created in several clubs
 * of the file, or in a club cut over several chunks, is looked up like any other.
 */
export interface JudgeChunk {
  readonly activities: readonly { readonly club: string; readonly id: string }[];
  readonly persons: readonly PersonSeed[];
  readonly settled: readonly string[];
}

/** The manifest of a fanned-out judge: one JSON line per chunk, `{"chunk":i}` (ids only reach the workflow). */
export function judgeManifestKey(upload: Upload): string {
  return `${uploadWorkPrefix(upload)}judge-chunks.jsonl`;
}

function chunkKey(upload: Upload, chunk: number): string {
  return `${uploadWorkPrefix(upload)}judge-chunk-${chunk}.json`;
}

function chunkResultKey(upload: Upload, chunk: number): string {
  return `${uploadWorkPrefix(upload)}judged-chunk-${chunk}.json`;
}

/** The upload's ledger entry, once its apply step is done (else an error: the judge runs after it). */
export async function appliedEntry(ports: PipelinePorts, upload: Upload) {
  const entry = await ports.store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  if (!entry || !stageReached(entry.stage, 'applied'))
    throw new Error(`upload ${upload.uploadId} has not been applied`);
  return entry;
}

/**
 * Cuts the applied seeds into chunks of whole clubs of about `size` seeds (at least one chunk) and writes them
 * with their manifest; a retry finds the manifest and keeps the chunks it lists (their results may be written).
 */
export async function splitJudge(
  ports: PipelinePorts,
  upload: Upload,
  size: number,
): Promise<{ readonly chunks: number; readonly manifest: string }> {
  await appliedEntry(ports, upload);
  const manifest = judgeManifestKey(upload);
  const written = await chunksInManifest(ports.objects, upload);
  if (written !== undefined) return { chunks: written, manifest };
  const staged = await readStaged<StagedApply>(ports.objects, stagedKey(upload, 'apply'));
  // The persons a chunk's clubs alone created keep their seeds: the chunk drops those its heads show alone (rejudge).
  const chunks = chunksOf(staged.seeds, size);
  for (const [i, chunk] of chunks.entries()) await ports.objects.put(chunkKey(upload, i), JSON.stringify(chunk));
  await ports.objects.put(manifest, chunks.map((_, i) => `${JSON.stringify({ chunk: i })}\n`).join(''));
  return { chunks: chunks.length, manifest };
}

/** How many chunks the upload's judge manifest lists; undefined before its judge step split the seeds. */
export async function chunksInManifest(objects: PipelinePorts['objects'], upload: Upload): Promise<number | undefined> {
  const written = await objects.get(judgeManifestKey(upload));
  return written === undefined ? undefined : written.split('\n').filter((line) => line !== '').length;
}

/**
 * Whole clubs per chunk, in the seeds' order, until a chunk holds `size` seeds; a club with more is cut into
 * chunks of `size` and none of its persons is settled. Persons seeded everywhere (their facts changed) come last.
 */
export function chunksOf(seeds: StagedApply['seeds'], size: number): JudgeChunk[] {
  interface Club {
    activities: JudgeChunk['activities'][number][];
    persons: PersonSeed[];
    settled: string[];
  }
  const clubs = new Map<string, Club>();
  const of = (club: string) =>
    clubs.get(club) ?? clubs.set(club, { activities: [], persons: [], settled: [] }).get(club)!;
  for (const a of seeds.activities) of(a.club).activities.push(a);
  for (const p of seeds.persons) if (p.club !== undefined) of(p.club).persons.push(p);
  for (const s of seeds.settled) of(s.club).settled.push(s.pid);
  const chunks: JudgeChunk[] = [];
  let current: Club = { activities: [], persons: [], settled: [] };
  const seedsIn = (c: Club) => c.activities.length + c.persons.length;
  const close = () => {
    if (seedsIn(current) > 0) chunks.push(current);
    current = { activities: [], persons: [], settled: [] };
  };
  for (const club of clubs.values()) {
    if (seedsIn(club) > size) {
      close();
      for (let i = 0; i < club.activities.length; i += size)
        chunks.push({ activities: club.activities.slice(i, i + size), persons: [], settled: [] });
      for (let i = 0; i < club.persons.length; i += size)
        chunks.push({ activities: [], persons: club.persons.slice(i, i + size), settled: [] });
      continue;
    }
    if (seedsIn(current) + seedsIn(club) > size) close();
    current.activities.push(...club.activities);
    current.persons.push(...club.persons);
    current.settled.push(...club.settled);
  }
  close();
  const everywhere = seeds.persons.filter((p) => p.club === undefined);
  for (let i = 0; i < everywhere.length; i += size)
    chunks.push({ activities: [], persons: everywhere.slice(i, i + size), settled: [] });
  // A file that changed nothing (a duplicate, a rejected file) still has one chunk: the map never reads an empty manifest.
  if (chunks.length === 0) chunks.push({ activities: [], persons: [], settled: [] });
  return chunks;
}

/** Whether the chunk has been judged (its result written: its changes are published). */
export async function chunkJudged(objects: PipelinePorts['objects'], upload: Upload, chunk: number): Promise<boolean> {
  return (await objects.get(chunkResultKey(upload, chunk))) !== undefined;
}

/** Judges one chunk; its club periods are kept for the join. Idempotent like every step. */
export async function judgeChunk(
  ports: PipelinePorts,
  upload: Upload,
  chunk: number,
  clock: PipelineClock,
  amounts?: AmountsByYear,
): Promise<void> {
  if (await chunkJudged(ports.objects, upload, chunk)) return;
  const seeds = await readStaged<JudgeChunk>(ports.objects, chunkKey(upload, chunk));
  const result = await rejudge(
    ports,
    {
      ...seedsOfVendor(upload.vendor, seeds),
      settled: seeds.settled,
      uploadId: upload.uploadId,
      intentKey: judgeIntentKey(upload, chunk),
      cause: { kind: 'upload', upload, chunk },
    },
    clock.today,
    amounts,
  );
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
