import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskSegment } from '../shared/adapters/local-disk/object-store.js';
import { inboxKey } from '../shared/core/storage/bucket-layout.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import type { PipelinePorts } from '../shared/core/pipeline/ports.js';
import { UploadQueue } from '../shared/local/upload-queue.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { interceptPorts } from './support/intercept.js';
import { clockAt, registerFor, type TestRegister } from './support/pipeline.js';
import { ROOT } from './support/run-cli.js';

// Issue 15: one vendor's upload must never stop local mode, or that vendor's queue, for anyone.
const VENDOR = 'demo-vendor';
const xml = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8');
const clock = () => clockAt('2026-11-25');

function place(register: TestRegister, file: string, body = xml): string {
  const path = join(register.folder, inboxKey({ vendor: VENDOR, file }));
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, body);
  return path;
}

function completed(path: string, file: string, second: number) {
  return { vendor: VENDOR, file, path, completedAt: `2026-11-25T10:00:0${second}.000Z` };
}

/** Resolves when the queue is idle, or says it never became so. */
async function idleWithin(queue: UploadQueue, ms: number): Promise<'idle' | 'stuck'> {
  return Promise.race([
    queue.idle().then(() => 'idle' as const),
    new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), ms).unref()),
  ]);
}

/** Local mode's upload queue on the register's folder, through `ports`, with the events it logs. */
function queueOn(
  register: TestRegister,
  ports: PipelinePorts,
): { queue: UploadQueue; events: Record<string, unknown>[] } {
  const events: Record<string, unknown>[] = [];
  const queue = new UploadQueue({ ports, root: register.folder, clock, log: (event) => events.push(event) });
  return { queue, events };
}

const outbox = (register: TestRegister) => join(register.folder, 'outbox', VENDOR);

describe('local mode: a bad upload stops no one', () => {
  const db = dynamoDbForFile();

  it('an upload whose name leaves no room for ".receipt.json" (254 bytes, taken before names were checked) gets its receipt, and the vendor\'s next upload is imported', async () => {
    const register = await registerFor(db.client, [VENDOR], ['100042', '100043']);
    const { queue, events } = queueOn(register, register.ports);
    const long = `${'b'.repeat(250)}.xml`;
    queue.enqueue(completed(place(register, long), long, 1));
    queue.enqueue(completed(place(register, 'next.xml'), 'next.xml', 2));
    expect(await idleWithin(queue, 60_000)).toBe('idle');
    expect(events.filter((e) => e.event === 'upload-error')).toEqual([]);
    const receipts = readdirSync(outbox(register)).sort();
    const shortened = diskSegment(`${long}.receipt.json`);
    expect(Buffer.byteLength(shortened)).toBeLessThanOrEqual(255);
    expect(shortened.endsWith('.xml.receipt.json')).toBe(true);
    expect(receipts).toContain(shortened);
    expect(receipts).toContain('next.xml.receipt.json');
    const receipt = JSON.parse(readFileSync(join(outbox(register), shortened), 'utf8')) as Receipt;
    expect(receipt.file).toBe(long);
    expect(receipt.status).toBe('applied');
    // Read back through the store under its own key, as the pipeline does.
    expect(await register.ports.objects.get(`outbox/${VENDOR}/${long}.receipt.json`)).toContain(long);
    // A name within 242 bytes (the longest the SFTP endpoint takes) keeps its receipt's name as it is.
    const longest = `${'c'.repeat(238)}.xml`;
    queue.enqueue(completed(place(register, longest), longest, 3));
    expect(await idleWithin(queue, 60_000)).toBe('idle');
    expect(existsSync(join(outbox(register), `${longest}.receipt.json`))).toBe(true);
    register.dispose();
  }, 120_000);

  it('an upload the vendor removed while it waited for its turn is dropped quietly: no error, no ledger entry', async () => {
    const register = await registerFor(db.client, [VENDOR], ['100042', '100043']);
    const { queue, events } = queueOn(register, register.ports);
    queue.enqueue(completed(place(register, 'first.xml'), 'first.xml', 1));
    const waiting = place(register, 'waiting.xml');
    queue.enqueue(completed(waiting, 'waiting.xml', 2));
    rmSync(waiting); // as SFTP REMOVE does: it is still in the inbox, not yet taken
    expect(await idleWithin(queue, 60_000)).toBe('idle');
    expect(events.filter((e) => e.event === 'upload-error')).toEqual([]);
    expect(events.filter((e) => e.event === 'upload-withdrawn').map((e) => e.file)).toEqual(['waiting.xml']);
    expect(
      events.filter((e) => 'error' in e),
      'no event with an error',
    ).toEqual([]);
    expect((await register.ports.store.uploadsOf({ vendor: VENDOR }, 10)).map((e) => e.file)).toEqual(['first.xml']);
    expect(existsSync(join(outbox(register), 'waiting.xml.receipt.json'))).toBe(false);
    register.dispose();
  }, 120_000);

  it('resuming at start-up never fails the start: a register that fails is logged by code, without the file name, and the inboxes are still taken', async () => {
    const register = await registerFor(db.client, [VENDOR], ['100042', '100043']);
    const secret = 'Anna-Andersson-19120211-9120.xml';
    const failing = interceptPorts(register.ports, async (call, proceed) => {
      if (call.method === 'allUnfinishedUploads')
        throw Object.assign(new Error(`ENAMETOOLONG: ${secret}`), { code: 'ENAMETOOLONG' });
      return proceed();
    });
    const { queue, events } = queueOn(register, failing);
    place(register, 'left.xml');
    await expect(queue.resume()).resolves.toBeUndefined();
    expect(await idleWithin(queue, 60_000)).toBe('idle');
    expect(events.find((e) => e.event === 'resume-error')).toMatchObject({ code: 'ENAMETOOLONG' });
    expect(JSON.stringify(events)).not.toContain('Anna');
    expect(existsSync(join(outbox(register), 'left.xml.receipt.json'))).toBe(true);
    register.dispose();
  }, 120_000);
});
