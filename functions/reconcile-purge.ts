import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { DynamoDbPrivacyStore } from '../shared/adapters/dynamodb/privacy-store-dynamodb.js';
import { purgeExpired } from '../shared/core/privacy/retention.js';
import { cloudPorts } from './commons/cloud-ports.js';
import { dynamodb } from './commons/clients.js';
import { ENV, requiredEnv } from './commons/environment.js';
import { purgePartKey, type ReconcileRun } from './commons/reconcile-run.js';
import { stepHandler } from './commons/step-handler.js';

/**
 * The nightly retention purge (docs/operations.md, Data protection): club periods past the seven years and persons
 * left with nothing removed from the register (shared/core/privacy/retention.ts). No archive purge here: in S3 the
 * bucket's lifecycle rule `archive-seven-years` expires archived files, and the bucket policy lets nothing else
 * delete them. Its report (counts and ids) is the night's part `purge.json`, joined by the report step.
 */
export const handler = stepHandler(
  'reconcile-purge',
  async ({ runId }: ReconcileRun) => {
    const ports = await cloudPorts();
    const privacy = new DynamoDbPrivacyStore(dynamodb(), requiredEnv(ENV.registerTable));
    const purged = await purgeExpired(ports, systemClock(), { privacy });
    await ports.objects.put(purgePartKey(runId), JSON.stringify(purged));
    return { cutoff: purged.cutoff, periods: purged.periods.length, persons: purged.persons };
  },
  { metrics: false },
);
