import type { AmountsByYear } from '../rules/amounts.js';
import { JUDGE_CHUNK_SEEDS } from './import-steps.js';
import { appliedEntry, joinJudge, judgeChunk, splitJudge } from './judge-in-chunks.js';
import type { PipelineClock, PipelinePorts } from './ports.js';
import { readStaged, stagedKey, type StagedJudge } from './staging.js';
import { stageReached, type Upload } from './upload.js';

/**
 * The re-judge step: every activity the upload's changes can have reached, in every club, judged chunk by chunk
 * (judge-in-chunks.ts, JUDGE_CHUNK_SEEDS seeds of whole clubs each) so that its memory is bounded by a chunk's
 * weeks, not by the file. Idempotent: a retry judges only the chunks without a result.
 */
export async function judgeUpload(
  ports: PipelinePorts,
  upload: Upload,
  clock: PipelineClock,
  amounts?: AmountsByYear,
): Promise<StagedJudge> {
  const entry = await appliedEntry(ports, upload);
  if (stageReached(entry.stage, 'judged')) return readStaged<StagedJudge>(ports.objects, stagedKey(upload, 'judge'));
  const { chunks } = await splitJudge(ports, upload, JUDGE_CHUNK_SEEDS);
  for (let chunk = 0; chunk < chunks; chunk++) await judgeChunk(ports, upload, chunk, clock, amounts);
  return joinJudge(ports, upload, chunks);
}
