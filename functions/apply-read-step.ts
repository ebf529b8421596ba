import { applyManifest, readFile } from '../shared/core/pipeline/apply-file.js';
import { readInTurn } from './commons/apply-in-turn.js';
import { stepHandler } from './commons/step-handler.js';
import { pipelineUpload, type StepInput } from './commons/workflow-input.js';

/**
 * ApplyRead (files above LARGE_FILE_BYTES): the archived file read and validated whole and cut into parts per club,
 * in turn like Apply; the units of its clubs go into a JSON Lines manifest for the ApplyUnits Distributed Map.
 */
export const handler = stepHandler(
  'apply',
  async ({ upload }: StepInput) => {
    const { result, ports } = await readInTurn(upload, ({ ports, upload, source, clock, onRecords }) =>
      readFile(ports, upload, source, clock, onRecords),
    );
    const manifest = await applyManifest(ports.objects, pipelineUpload(upload), result.read);
    return { status: result.read.status, units: result.read.units.length, manifest };
  },
  { metrics: false },
);
