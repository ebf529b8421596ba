import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiskUploadFiles } from '../shared/adapters/local-disk/disk-upload-files.js';
import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { failUpload } from '../shared/core/pipeline/run-import.js';
import { archiveKey, inboxKey } from '../shared/core/storage/bucket-layout.js';
import { type Upload } from '../shared/core/pipeline/upload.js';
import {
  openUploadFigures,
  uploadStatus,
  type StatusPorts,
  type VendorStatus,
} from '../shared/core/queries/upload-status.js';
import { UploadQueue } from '../shared/local/upload-queue.js';
import { clockAt, registerForFile } from './support/pipeline.js';
import { ROOT, runCli } from './support/run-cli.js';
import { stringSource } from './support/string-source.js';

/**
 * `lok-importer status` in local mode: the use-case on DynamoDB Local and the disk's inbox and archive, with a
 * vendor's uploads in every state local mode leaves them in (imported and rejected by the real upload queue, failed,
 * stuck after apply, waiting behind it, not taken in yet), then the built CLI against the same register.
 */
const VENDOR = 'demo-vendor';
const sample = (name: string) => readFileSync(join(ROOT, 'samples', name), 'utf8');
const valid = (created: string) =>
  sample('club-valid.xml').replace('created="2026-11-22T02:00:00+01:00"', `created="${created}"`);
const TODAY = '2026-11-25';
const clock = clockAt(TODAY);
const at = (minute: number) => `2026-11-25T09:${String(minute).padStart(2, '0')}:00.000Z`;

const db = registerForFile([VENDOR, 'quiet-vendor'], ['100042']);
let ports: StatusPorts;
const u = (id: string, file: string, minute: number): Upload => ({
  vendor: VENDOR,
  uploadId: id,
  file,
  completedAt: at(minute),
});
const stuck = u('u-b', 'b.xml', 10);
const waiting = u('u-c', 'c.xml', 20);
const failed = u('u-e', 'e.xml', 5);

/** A file as local mode's SFTP endpoint leaves it: complete, in the vendor's inbox. */
function intoInbox(file: string, text: string): string {
  const path = join(db.register.folder, inboxKey({ vendor: VENDOR, file }));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

function archive(upload: Upload, text: string): void {
  const path = join(db.register.folder, archiveKey(upload));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

beforeAll(async () => {
  ports = {
    store: db.register.ports.store,
    vendors: db.register.admin,
    files: new DiskUploadFiles(db.register.folder),
  };

  // Imported and rejected by local mode's own queue: registered, moved into the archive, run through every step.
  const queue = new UploadQueue({
    ports: db.register.ports,
    root: db.register.folder,
    clock: () => clock,
    log: () => undefined,
  });
  queue.enqueue({
    vendor: VENDOR,
    file: 'a.xml',
    path: intoInbox('a.xml', valid('2026-11-24T02:00:00+01:00')),
    completedAt: at(1),
  });
  queue.enqueue({
    vendor: VENDOR,
    file: 'r.xml',
    path: intoInbox('r.xml', sample('rejected-doctype.xml')),
    completedAt: at(2),
  });
  await queue.idle();
  // Failed for good (its receipt says IMPORT_FAILED).
  await failUpload(db.register.ports, failed, clock);
  // Stuck after its apply (the process ended there): in the ledger at stage applied, its file archived.
  const stuckText = valid('2026-11-24T03:00:00+01:00').replace(
    '<FirstName>Åsa</FirstName>',
    '<FirstName>Åsa Maria</FirstName>',
  );
  await registerUpload(db.register.ports, stuck, clock);
  archive(stuck, stuckText);
  expect((await applyFile(db.register.ports, stuck, stringSource('b.xml', stuckText), clock)).kind).toBe('applied');
  // Registered after it: its apply waits for the stuck one.
  await registerUpload(db.register.ports, waiting, clock);
  archive(waiting, valid('2026-11-24T04:00:00+01:00'));
  // Not taken in yet: complete in the inbox, unknown to the ledger.
  intoInbox('d.xml', valid('2026-11-24T05:00:00+01:00'));
}, 120_000);

async function statusOf(query: { upload?: string; limit?: number } = {}): Promise<VendorStatus> {
  const result = await uploadStatus(ports, { vendor: VENDOR, limit: 20, ...query }, clock);
  if (!result.ok) throw new Error(`unknown ${result.unknown}`);
  return result.status;
}

describe("the status use-case, local mode (DynamoDB Local, the disk's inbox and archive)", () => {
  it('joins per upload, newest first, the ledger, the inbox, the archive and what it waits for, with one sentence each', async () => {
    const status = await statusOf();
    expect(status.mode).toBe('local');
    expect(status.uploads.map((s) => [s.file, s.situation])).toEqual([
      ['d.xml', 'not-taken-in'],
      ['c.xml', 'waiting'],
      ['b.xml', 'unfinished'],
      ['e.xml', 'failed'],
      ['r.xml', 'rejected'],
      ['a.xml', 'imported'],
    ]);
    const [d, c, b, e, r, a] = status.uploads;
    expect(d).toMatchObject({ inInbox: true, archived: false, completed: true });
    expect(d!.uploadId).toBeUndefined();
    expect(d!.ledger).toBeUndefined();
    expect(d!.summary).toMatch(/^in the inbox, not taken in yet/);
    expect(c).toMatchObject({
      uploadId: 'u-c',
      inInbox: false,
      archived: true,
      ledger: { stage: 'queued' },
      waitingFor: { uploadId: 'u-b', file: 'b.xml', stage: 'applied' },
    });
    expect(c!.summary).toBe(
      'waiting for upload u-b (b.xml, applied) — it is unfinished: local mode imports it first (now, or at its next start)',
    );
    expect(b).toMatchObject({
      uploadId: 'u-b',
      archived: true,
      inInbox: false,
      ledger: { stage: 'applied', clubs: ['100042'] },
    });
    expect(b!.ledger!.sha256).toMatch(/^[0-9a-f]{12}$/);
    expect(b!.waitingFor).toBeUndefined();
    expect(b!.summary).toMatch(
      /^unfinished at stage applied: local mode is importing it now, or resumes it at its next start/,
    );
    expect(e).toMatchObject({ ledger: { stage: 'done', status: 'failed', errors: 1 } });
    expect(e!.summary).toBe('failed: IMPORT_FAILED receipt written; send the file again');
    expect(r).toMatchObject({ archived: true, ledger: { stage: 'done', status: 'rejected', errors: 1 } });
    expect(r!.summary).toBe('rejected: the receipt lists why (1 error(s)); fix the file and send it again');
    expect(a).toMatchObject({
      archived: true,
      inInbox: false,
      ledger: { stage: 'done', status: 'applied', clubs: ['100042'], errors: 0 },
    });
    expect(a!.ledger!.finishedAt).toBeDefined();
    expect(a!.summary).toMatch(/^done: applied, receipt written .+; nothing to do$/);
    // No execution in local mode.
    expect(status.uploads.every((s) => s.execution === undefined && s.restart === undefined)).toBe(true);
  });

  it('names as the blocker the upload the apply step itself waits for (one rule)', async () => {
    const applied = await applyFile(
      db.register.ports,
      waiting,
      stringSource('c.xml', readFileSync(join(db.register.folder, archiveKey(waiting)), 'utf8')),
      clock,
    );
    expect(applied).toMatchObject({ kind: 'blocked', waitingFor: { uploadId: 'u-b' } });
    expect((await statusOf({ upload: 'u-c' })).uploads[0]!.waitingFor!.uploadId).toBe(
      applied.kind === 'blocked' ? applied.waitingFor.uploadId : '',
    );
  });

  it("counts the open uploads (ledger not done, and files in the inbox) and the oldest one's age", async () => {
    const status = await statusOf();
    expect(status).toMatchObject({ vendor: VENDOR, open: 3, oldestCompletedAt: stuck.completedAt });
    expect(status.oldestAgeSeconds).toBe(Math.round((Date.parse(status.asOf) - Date.parse(stuck.completedAt)) / 1000));
    expect(openUploadFigures([], [], '2026-11-25T12:00:00.000Z')).toEqual([]);
    expect(
      openUploadFigures(
        [
          { ...stuck, stage: 'applied', receivedAt: at(11) },
          { ...failed, stage: 'done', receivedAt: at(6) },
        ],
        [
          { vendor: VENDOR, file: 'b.xml', completedAt: stuck.completedAt, uploadId: 'u-b' },
          { vendor: 'v2', file: 'x.xml', completedAt: '2026-11-25T11:00:00.000Z' },
        ],
        '2026-11-25T12:00:00.000Z',
      ),
    ).toEqual([
      { vendor: VENDOR, open: 1, oldestCompletedAt: stuck.completedAt, oldestAgeSeconds: 2 * 3600 + 50 * 60 },
      { vendor: 'v2', open: 1, oldestCompletedAt: '2026-11-25T11:00:00.000Z', oldestAgeSeconds: 3600 },
    ]);
  });

  it('answers for one upload or the latest N; an unknown vendor or upload is said so', async () => {
    expect((await statusOf({ upload: 'u-b' })).uploads.map((s) => s.uploadId)).toEqual(['u-b']);
    expect((await statusOf({ limit: 2 })).uploads.map((s) => s.file)).toEqual(['d.xml', 'c.xml']);
    expect(await uploadStatus(ports, { vendor: VENDOR, upload: 'u-nothing', limit: 20 }, clock)).toEqual({
      ok: false,
      unknown: 'upload',
    });
    expect(await uploadStatus(ports, { vendor: 'nobody', limit: 20 }, clock)).toEqual({ ok: false, unknown: 'vendor' });
    const quiet = await uploadStatus(ports, { vendor: 'quiet-vendor', limit: 20 }, clock);
    expect(quiet).toMatchObject({ ok: true, status: { vendor: 'quiet-vendor', open: 0, uploads: [] } });
  });
});

describe('lok-importer status (the built CLI) on the same register and object folder', () => {
  const env = () => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOK_') && !k.startsWith('AWS_'))),
    LOK_DYNAMODB_ENDPOINT: db.endpoint,
    LOK_REGISTER_TABLE: db.register.table,
    LOK_OBJECTS_DIR: db.register.folder,
    LOK_LOCAL_DIR: join(db.register.folder, 'no-local-mode'),
  });
  const lok = (args: string[]) => runCli(args, { env: env() });

  it('prints one line per upload saying what is going on and what to do, then its facts; exit 0', async () => {
    const result = await lok(['status', '--vendor', VENDOR]);
    expect(result.stderr).toBe(`register: table ${db.register.table} at DynamoDB ${db.endpoint}\n`);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^vendor ${VENDOR} in local mode, .+: 3 open upload\\(s\\), the oldest completed ${stuck.completedAt} \\(.+ ago\\)$`,
      ),
    );
    const says = lines.slice(1).filter((l) => !l.startsWith('    '));
    expect(says).toHaveLength(6);
    expect(says[0]).toMatch(/^\(not taken in\) {2}d\.xml {2}completed .+: in the inbox, not taken in yet/);
    expect(says[1]).toBe(
      `u-c  c.xml  completed ${waiting.completedAt}: waiting for upload u-b (b.xml, applied) — it is unfinished: local mode imports it first (now, or at its next start)`,
    );
    expect(says[3]).toBe(
      `u-e  e.xml  completed ${failed.completedAt}: failed: IMPORT_FAILED receipt written; send the file again`,
    );
    const facts = lines.slice(1).filter((l) => l.startsWith('    '));
    expect(facts[2]).toMatch(
      /^ {4}ledger: applied, received .+, sha256 [0-9a-f]{12}, clubs 100042; file: not in the inbox, archived$/,
    );
    // File names, ids and codes: never a personnummer or a name from the files.
    expect(result.stdout).not.toMatch(/201003151238|Åsa|Öberg/);
  });

  it("--json is the use-case's status; --upload one upload; --limit the latest N", async () => {
    const json = await lok(['status', '--vendor', VENDOR, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as VendorStatus;
    expect(status).toMatchObject({ vendor: VENDOR, mode: 'local', open: 3 });
    expect(status.uploads.map((s) => s.situation)).toEqual([
      'not-taken-in',
      'waiting',
      'unfinished',
      'failed',
      'rejected',
      'imported',
    ]);
    const one = await lok(['status', '--vendor', VENDOR, '--upload', 'u-c', '--json']);
    expect((JSON.parse(one.stdout) as VendorStatus).uploads).toEqual([
      expect.objectContaining({
        uploadId: 'u-c',
        situation: 'waiting',
        waitingFor: expect.objectContaining({ uploadId: 'u-b' }),
      }),
    ]);
    const two = await lok(['status', '--vendor', VENDOR, '--limit', '2', '--json']);
    expect((JSON.parse(two.stdout) as VendorStatus).uploads.map((s) => s.file)).toEqual(['d.xml', 'c.xml']);
  });

  it("exits 1 for an unknown vendor or upload (CODE: message), 2 for a usage error; --help in the commands' style", async () => {
    expect(await lok(['status', '--vendor', 'nobody'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^UNKNOWN_VENDOR: .*nobody/m),
    });
    expect(await lok(['status', '--vendor', VENDOR, '--upload', 'u-nothing'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^UNKNOWN_UPLOAD: .*u-nothing/m),
    });
    expect(await lok(['status'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--vendor is required') });
    expect(await lok(['status', '--vendor', VENDOR, '--limit', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--limit must be'),
    });
    expect(await lok(['status', '--vendor', VENDOR, '--upload', 'u-c', '--limit', '3'])).toMatchObject({ code: 2 });
    expect(await lok(['status', '--vendor', VENDOR, '--cloud'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('LOK_ADMIN_FUNCTION'),
    });
    const help = await lok(['status', '--help']);
    expect(help).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: lok-importer status --vendor V \[--upload U\]/),
    });
    expect(help.stdout).toContain('LOK_DYNAMODB_ENDPOINT');
    expect((await lok(['--help'])).stdout).toMatch(/\n {2}status --vendor V \[--upload U\]/);
  });
});
