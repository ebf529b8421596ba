import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { applyMetrics, readInTurn } from './commons/apply-in-turn.js';
import { stepHandler } from './commons/step-handler.js';
import type { StepInput } from './commons/workflow-input.js';

/**
 * Apply (files up to LARGE_FILE_BYTES): the archived file is read, validated and applied club by club
 * (`applyFile`), waiting for its turn while an earlier upload of the vendor that may touch its clubs is unfinished.
 */
export const handler = stepHandler('apply', async ({ upload }: StepInput) => {
  const { result, records, seconds } = await readInTurn(upload, ({ ports, upload, source, clock, onRecords }) =>
    applyFile(ports, upload, source, clock, onRecords),
  );
  applyMetrics(upload.vendor, result.staged.status, { records, seconds });
  return { status: result.staged.status, errors: result.staged.errors.length };
});
