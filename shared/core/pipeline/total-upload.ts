import type { PipelinePorts } from './ports.js';
import { recomputeClubPeriods } from './recompute-totals.js';
import { readStaged, stagedKey, type StagedJudge } from './staging.js';
import { stageReached, type Upload } from './upload.js';

/** The totals step: every club period whose verdicts the upload may have changed is summed again. */
export async function totalUpload(ports: PipelinePorts, upload: Upload): Promise<void> {
  const { store, objects } = ports;
  const entry = await store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  if (!entry || !stageReached(entry.stage, 'judged')) throw new Error(`upload ${upload.uploadId} has not been judged`);
  if (stageReached(entry.stage, 'totalled')) return;
  const { clubPeriods } = await readStaged<StagedJudge>(objects, stagedKey(upload, 'judge'));
  await recomputeClubPeriods(store, clubPeriods);
  await store.putUpload({ ...entry, stage: 'totalled' });
}
