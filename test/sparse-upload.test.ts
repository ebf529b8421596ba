import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { hashedSource } from '../shared/adapters/crypto/hashed-source.js';
import { fileSource } from '../shared/adapters/local-disk/file-source.js';
import { checkImport } from '../shared/core/check/check-import.js';
import { IMPORT_MAX_BYTES } from '../shared/core/pipeline/import-steps.js';
import { ROOT } from './support/run-cli.js';

// Issue 15: a sparse upload (a header, a seek to 1 TiB, one byte: 8 KB on disk) had no receipt after 300 s, because
// the digest read every byte of it after the file was rejected.
const folder = mkdtempSync(join(tmpdir(), 'sparse-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function sparseFile(name: string, head: string, size: number): string {
  const path = join(folder, name);
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  writeSync(fd, 'x', size - 1);
  closeSync(fd);
  return path;
}

const options = { today: '2026-11-25', now: () => '2026-11-25T10:00:00.000Z', swedishDateOf: stockholmDateOf };

describe('the digest reads no further than the largest file imported', () => {
  it('a 1 TiB sparse file is rejected, with its receipt, in seconds', async () => {
    const head = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8').slice(0, 400);
    const path = sparseFile('sparse.xml', head, 2 ** 40);
    const started = Date.now();
    const receipt = await checkImport(fileSource(path), options);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(receipt.status).toBe('rejected');
    expect(receipt.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('the digest of a file within the limit is of every byte; of a longer one, of its first maxBytes bytes', async () => {
    const bytes = Buffer.from('0123456789'.repeat(100));
    const chunks = (data: Buffer) =>
      async function* () {
        for (let at = 0; at < data.length; at += 64) yield data.subarray(at, at + 64);
      };
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    expect(await hashedSource('f', () => chunks(bytes)(), undefined, 1_000).sha256()).toBe(sha(bytes));
    let read = 0;
    const counted = hashedSource(
      'f',
      () => chunks(Buffer.concat([bytes, bytes, bytes]))(),
      (n) => {
        read = n;
      },
      1_000,
    );
    expect(await counted.sha256()).toBe(sha(bytes));
    expect(read).toBeLessThanOrEqual(1_000 + 64);
    expect(IMPORT_MAX_BYTES).toBe(256 * 1024 * 1024);
  });
});
