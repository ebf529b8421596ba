import type { AmountsByYear } from '../rules/amounts.js';
import type { PipelineClock, PipelinePorts } from './ports.js';
import { rejudge, seedsOfVendor } from './rejudge.js';
import { judgeIntentKey, readStaged, stagedKey, type StagedApply, type StagedJudge } from './staging.js';
import { stageReached, type Upload } from './upload.js';

/** The re-judge step: every activity the upload's changes can have reached, in every club. */
export async function judgeUpload(ports: PipelinePorts, upload: Upload, clock: PipelineClock, amounts?: AmountsByYear): Promise<StagedJudge> {
  const { store, objects } = ports;
  const entry = await store.upload(upload.vendor, upload.uploadId, upload.completedAt);
  if (!entry || !stageReached(entry.stage, 'applied')) throw new Error(`upload ${upload.uploadId} has not been applied`);
  if (stageReached(entry.stage, 'judged')) return readStaged<StagedJudge>(objects, stagedKey(upload, 'judge'));
  const staged = await readStaged<StagedApply>(objects, stagedKey(upload, 'apply'));
  const result = await rejudge(ports, {
    ...seedsOfVendor(upload.vendor, staged.seeds), settled: staged.seeds.settled, uploadId: upload.uploadId, intentKey: judgeIntentKey(upload),
  }, clock.today, amounts);
  const judged: StagedJudge = { clubPeriods: result.clubPeriods };
  await objects.put(stagedKey(upload, 'judge'), JSON.stringify(judged));
  await store.putUpload({ ...entry, stage: 'judged' });
  return judged;
}
