import type { UploadKey } from '../shared/core/pipeline/reconcile.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { writeManifest, type ReconcileRun } from './commons/reconcile-run.js';
import { stepHandler } from './commons/step-handler.js';

/**
 * Every unfinished upload of the register, one JSON line each (its ledger key only: the uploads' Distributed Map
 * reads each entry again when it reconciles it), oldest first.
 */
export const handler = stepHandler(
  'reconcile-plan-uploads',
  async ({ runId }: ReconcileRun) => {
    const ports = await cloudPorts();
    const uploads = (await ports.store.allUnfinishedUploads()).map(({ vendor, uploadId, completedAt }): UploadKey => ({
      vendor,
      uploadId,
      completedAt,
    }));
    const { manifest, items } = await writeManifest(ports.objects, runId, 'uploads', uploads);
    return { manifest, uploads: items };
  },
  { metrics: false },
);
