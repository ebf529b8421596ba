import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECEIPT_MAX_ERRORS } from '../shared/core/receipt/kept-errors.js';
import { inboxKey } from '../shared/core/storage/bucket-layout.js';
import { UploadQueue } from '../shared/local/upload-queue.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { clockAt, registerFor } from './support/pipeline.js';

const VENDOR = 'log-vendor';
const CLUB = '100301';
const DELETIONS = RECEIPT_MAX_ERRORS + 50;

/** A file deleting activities the register never had: one UNKNOWN_RECORD each, more than a receipt lists. */
function unknownDeletions(): string {
  const deletions = Array.from({ length: DELETIONS }, (_, i) => `<DeleteActivity id="D-${i}"/>`).join('\n');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="${VENDOR}" created="2026-11-22T02:00:00+01:00" mode="delta">\n` +
    `<Club id="${CLUB}"><Activities>\n${deletions}\n</Activities></Club>\n</Import>\n`
  );
}

// Issue 17: the upload-done event counted the receipt's listed errors only (RECEIPT_MAX_ERRORS at most).
describe("local mode's queue logs an upload's errors as the receipt counts them (DynamoDB Local)", () => {
  const db = dynamoDbForFile();

  it('upload-done counts every error, those left out of the receipt too (errorCount)', async () => {
    const register = await registerFor(db.client, [VENDOR], [CLUB]);
    const events: Record<string, unknown>[] = [];
    const queue = new UploadQueue({
      ports: register.ports,
      root: register.folder,
      clock: () => clockAt('2026-11-25'),
      log: (e) => events.push(e),
    });
    const path = join(register.folder, inboxKey({ vendor: VENDOR, file: 'deletions.xml' }));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, unknownDeletions());
    queue.enqueue({ vendor: VENDOR, file: 'deletions.xml', path, completedAt: '2026-11-25T10:00:00.000Z' });
    await queue.idle();
    const done = events.find((e) => e.event === 'upload-done');
    expect(done).toMatchObject({ kind: 'done', status: 'partially_applied', errors: DELETIONS });
    register.dispose();
  }, 60_000);
});
