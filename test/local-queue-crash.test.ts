import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PipelinePorts } from '../shared/core/pipeline/ports.js';
import { inboxKey } from '../shared/core/storage/bucket-layout.js';
import { type Upload } from '../shared/core/pipeline/upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { UploadQueue } from '../shared/local/upload-queue.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { interceptPorts } from './support/intercept.js';
import { clockAt, registerFor, type TestRegister } from './support/pipeline.js';
import { ROOT } from './support/run-cli.js';

const VENDOR = 'demo-vendor';
const FILE = 'club-valid.xml';
const xml = readFileSync(join(ROOT, 'samples', FILE), 'utf8');
const clock = () => clockAt('2026-11-25');

/**
 * The ports of a process that is killed after its `killAt`-th storage call (the register's or the object
 * store's) has been carried out: that call and every later one never return, and nothing after them runs, as
 * when the process dies there. `killAt` 0 dies before the first call.
 */
function dyingAfter(
  ports: PipelinePorts,
  killAt: number,
): { ports: PipelinePorts; calls: () => number; dead: () => boolean } {
  let calls = 0;
  let dead = killAt === 0;
  const never = new Promise<never>(() => undefined);
  const dying = interceptPorts(ports, async (_call, proceed) => {
    if (dead) return never;
    const result = await proceed();
    if (++calls === killAt) dead = true;
    return dead ? never : result;
  });
  return { ports: dying, calls: () => calls, dead: () => dead };
}

/** A receipt without what differs between any two uploads of the same file (times, ids). */
function comparable(receipt: Receipt) {
  const { receivedAt: _r, completedAt: _c, uploadId: _u, ...rest } = receipt as Receipt & { uploadId?: string };
  return rest;
}

function files(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

// Issue 12: a completed upload must never be lost, whatever moment local mode's process dies.
describe("local mode's queue, killed at every storage call and started again", () => {
  const db = dynamoDbForFile();

  async function setUp(): Promise<{ register: TestRegister; path: string }> {
    const register = await registerFor(db.client, [VENDOR], ['100042', '100043']);
    const upload: Pick<Upload, 'vendor' | 'file'> = { vendor: VENDOR, file: FILE };
    const path = join(register.folder, inboxKey(upload));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, xml);
    return { register, path };
  }

  const completed = (path: string) => ({ vendor: VENDOR, file: FILE, path, completedAt: '2026-11-25T10:00:00.000Z' });
  const receiptOf = (register: TestRegister) =>
    JSON.parse(readFileSync(join(register.folder, 'outbox', VENDOR, `${FILE}.receipt.json`), 'utf8')) as Receipt;

  let clean: Receipt;
  let cleanCalls: number;

  beforeAll(async () => {
    const { register, path } = await setUp();
    const counting = dyingAfter(register.ports, -1);
    const queue = new UploadQueue({ ports: counting.ports, root: register.folder, clock, log: () => undefined });
    queue.enqueue(completed(path));
    await queue.idle();
    cleanCalls = counting.calls();
    clean = receiptOf(register);
    register.dispose();
  }, 120_000);

  it('imports the upload exactly once after a restart, wherever the first run died (between the ledger and the archive too)', async () => {
    expect(clean.status).toBe('applied');
    expect(cleanCalls).toBeGreaterThan(15);
    for (let killAt = 0; killAt <= cleanCalls; killAt++) {
      const { register, path } = await setUp();
      const dying = dyingAfter(register.ports, killAt);
      const first = new UploadQueue({ ports: dying.ports, root: register.folder, clock, log: () => undefined });
      first.enqueue(completed(path));
      // The first run is left where it died (its promises never settle): no more of its code runs.
      const deadline = Date.now() + 10_000;
      while (!dying.dead() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(dying.dead(), `killed at call ${killAt}`).toBe(true);

      const second = new UploadQueue({ ports: register.ports, root: register.folder, clock, log: () => undefined });
      await second.resume();
      await second.idle();

      const where = `killed after call ${killAt} of ${cleanCalls}`;
      expect(comparable(receiptOf(register)), where).toEqual(comparable(clean));
      const ledger = await register.ports.store.uploadsOf({ vendor: VENDOR }, 10);
      expect(
        ledger.map((e) => [e.stage, e.status]),
        where,
      ).toEqual([['done', 'applied']]);
      // Nothing left in the inbox; the file archived once, under the ledger's upload id.
      expect(files(join(register.folder, 'inbox')), where).toEqual([]);
      expect(
        files(join(register.folder, 'archive')).map((f) => f.split('/').slice(-2).join('/')),
        where,
      ).toEqual([`${ledger[0]!.uploadId}/${FILE}`]);
      register.dispose();
    }
  }, 300_000);
});
