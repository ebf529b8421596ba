import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clubActivities } from '../shared/core/queries/club-activities.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { generateKeyPair } from '../shared/adapters/sftp/ssh-keys.js';
import { DEMO_VENDOR, startLocalMode, type LocalMode } from '../shared/local/local-mode.js';
import { uploadWithClient } from '../shared/local/upload-with-client.js';
import { ROOT } from './support/run-cli.js';

const sample = (name: string) => join(ROOT, 'samples', name);

/** OpenSSH's sftp in batch mode, run without blocking this process (the server under test runs in it). */
function sftpBatch(local: LocalMode, batch: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sftp', ['-b', batch, '-i', local.demoKeyPath, '-P', String(local.sftpPort), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', `${DEMO_VENDOR}@127.0.0.1`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, output }); });
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local mode: the whole Importer on this machine, uploads over real SFTP', () => {
  let local: LocalMode;
  let data: string;
  const events: Record<string, unknown>[] = [];
  const receiptPath = (file: string) => join(local.layout.objectsDir, 'outbox', DEMO_VENDOR, `${file}.receipt.json`);
  const receipt = (file: string) => (existsSync(receiptPath(file)) ? JSON.parse(readFileSync(receiptPath(file), 'utf8')) as Receipt : undefined);

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'lok-local-'));
    local = await startLocalMode({
      dataDir: data, fresh: false, samplesDir: join(ROOT, 'samples'), say: () => undefined,
      log: (event) => events.push(event), uploadDemo: uploadWithClient,
    });
  }, 120_000);

  afterAll(async () => {
    await local?.stop();
    rmSync(data, { recursive: true, force: true });
  });

  it('on first start, onboards the demo vendor and club and imports the samples uploaded over SFTP', () => {
    expect(receipt('club-valid.xml')).toMatchObject({ status: 'applied', vendor: DEMO_VENDOR });
    expect(receipt('club-errors.xml')?.status).toBe('partially_applied');
    expect(receipt('rejected-doctype.xml')?.status).toBe('rejected');
    expect(events.some((e) => e.event === 'upload-done')).toBe(true);
    // Logs carry ids and codes, never a personnummer of the samples.
    const logged = JSON.stringify(events);
    const numbers = [...readFileSync(sample('club-valid.xml'), 'utf8').matchAll(/<PersonalNumber>([^<]+)<\/PersonalNumber>/g)].map((m) => m[1]!.replace(/\D/g, '').slice(-10));
    expect(numbers.length).toBeGreaterThan(0);
    for (const number of numbers) expect(logged).not.toContain(number);
  });

  it('imports a file uploaded with OpenSSH sftp and serves its receipt back through outbox/', async () => {
    const text = readFileSync(sample('club-valid.xml'), 'utf8').replace('created="2026-11-22T02:00:00+01:00"', 'created="2026-11-23T02:00:00+01:00"');
    const file = join(data, 'openssh-upload.xml');
    writeFileSync(file, text);
    const batch = join(data, 'batch');
    writeFileSync(batch, `put ${file} inbox/openssh-upload.xml\nbye\n`);
    const put = await sftpBatch(local, batch);
    expect(put.status, put.output).toBe(0);
    const got = await waitFor('the receipt', () => receipt('openssh-upload.xml'));
    // The same records as club-valid.xml, sent again: nothing changes.
    expect(got.status).toBe('applied');
    expect(got.counts.activities).toMatchObject({ unchanged: 3, created: 0 });
    const fetched = join(data, 'fetched.json');
    writeFileSync(batch, `get outbox/openssh-upload.xml.receipt.json ${fetched}\nbye\n`);
    const get = await sftpBatch(local, batch);
    expect(get.status, get.output).toBe(0);
    expect(JSON.parse(readFileSync(fetched, 'utf8'))).toMatchObject({ file: 'openssh-upload.xml', status: 'applied' });
  }, 60_000);

  it('imports a file uploaded with ssh2-sftp-client; the verdicts are stored', async () => {
    const client = new SftpClient();
    await client.connect({ host: '127.0.0.1', port: local.sftpPort, username: DEMO_VENDOR, privateKey: readFileSync(local.demoKeyPath) });
    const text = readFileSync(sample('club-valid.xml'), 'utf8').replace('<Place>Exempelvallen</Place>', '<Place>Nya vallen</Place>');
    await client.put(Buffer.from(text), '/inbox/client-upload.xml');
    await client.end();
    const got = await waitFor('the receipt', () => receipt('client-upload.xml'));
    expect(got.status).toBe('applied');
    const stored = await clubActivities(local.ports.store, { club: '100042', period: '2026-2' });
    expect(stored.map((v) => v.id)).toEqual(expect.arrayContaining(got.activities.map((a) => a.id)));
  }, 60_000);

  it('the CLI talks to the running local mode: vendor add --key, club activate, queries, vendor key rotate, vendor disable', async () => {
    const env = { ...process.env, LOK_LOCAL_DIR: data, LOK_DYNAMODB_ENDPOINT: '', LOK_IDENTITY_KEY: '', LOK_OBJECTS_DIR: '', LOK_SFTP_KEYS_DIR: '' };
    const cli = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'lok-importer.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    const first = generateKeyPair();
    const second = generateKeyPair();
    writeFileSync(join(data, 'v2.pub'), first.publicKey);
    writeFileSync(join(data, 'v2-new.pub'), second.publicKey);
    expect(await cli(['vendor', 'add', 'v2', '--name', 'V2 AB', '--purpose', 'LOK', '--key', join(data, 'v2.pub')])).toMatchObject({ code: 0 });
    expect(await cli(['club', 'activate', '100042', '--vendor', 'v2', '--from', '2026-01-01'])).toMatchObject({ code: 0 });
    const upload = async (privateKey: string) => {
      const client = new SftpClient();
      await client.connect({ host: '127.0.0.1', port: local.sftpPort, username: 'v2', privateKey });
      await client.put(Buffer.from(readFileSync(sample('club-valid.xml'), 'utf8').replace('vendor="demo-vendor"', 'vendor="v2"')), '/inbox/from-v2.xml');
      await client.end();
    };
    await upload(first.privateKey);
    const path = join(local.layout.objectsDir, 'outbox', 'v2', 'from-v2.xml.receipt.json');
    const got = await waitFor('v2\'s receipt', () => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as Receipt : undefined));
    expect(got.status).toBe('applied');
    // "Why is v2's file stuck?" against the running local mode: it is not, it was imported.
    const status = await cli(['status', '--vendor', 'v2']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/ {2}from-v2\.xml {2}completed .+: done: applied, receipt written .+; nothing to do\n/);
    const activities = await cli(['activities', '--club', '100042', '--period', '2026-2', '--vendor', 'v2', '--json']);
    expect(activities.code, activities.stderr).toBe(0);
    expect((JSON.parse(activities.stdout) as unknown[]).length).toBe(3);
    expect(await cli(['vendor', 'key', 'rotate', 'nobody', '--key', join(data, 'v2-new.pub')])).toMatchObject({ code: 1, stderr: expect.stringContaining('UNKNOWN_VENDOR') });
    expect(await cli(['vendor', 'key', 'rotate', 'v2', '--key', local.demoKeyPath])).toMatchObject({ code: 2, stderr: expect.stringContaining('private key') });
    expect(await cli(['vendor', 'key', 'rotate', 'v2', '--key', join(data, 'v2-new.pub')])).toMatchObject({ code: 0 });
    await expect(upload(first.privateKey)).rejects.toThrow();
    await upload(second.privateKey);
    // Disabled: no key logs in any more; --cloud without its function is a usage error.
    expect(await cli(['vendor', 'disable', 'v2'])).toMatchObject({ code: 0, stdout: expect.stringContaining('1 key(s) removed') });
    await expect(upload(second.privateKey)).rejects.toThrow();
    expect(await cli(['vendor', 'disable', 'nobody'])).toMatchObject({ code: 1, stderr: expect.stringContaining('UNKNOWN_VENDOR') });
    expect(await cli(['vendor', 'disable', 'v2', '--cloud'])).toMatchObject({ code: 2, stderr: expect.stringContaining('LOK_ADMIN_FUNCTION') });
  }, 60_000);

  it('never imports a half-finished upload (connection dropped before the end)', async () => {
    const client = new SftpClient();
    await client.connect({ host: '127.0.0.1', port: local.sftpPort, username: DEMO_VENDOR, privateKey: readFileSync(local.demoKeyPath) });
    const sftp = (client as unknown as { sftp: { open: (p: string, f: string, cb: (e: Error | undefined, h: Buffer) => void) => void; write: (h: Buffer, b: Buffer, o: number, l: number, p: number, cb: (e?: Error) => void) => void } }).sftp;
    const handle = await new Promise<Buffer>((resolve, reject) => sftp.open('/inbox/half.xml', 'w', (e, h) => (e ? reject(e) : resolve(h))));
    const half = Buffer.from(readFileSync(sample('club-valid.xml'), 'utf8').slice(0, 500));
    await new Promise<void>((resolve, reject) => sftp.write(handle, half, 0, half.length, 0, (e) => (e ? reject(e) : resolve())));
    (client as unknown as { client: { destroy: () => void } }).client.destroy();
    await new Promise((r) => setTimeout(r, 1500));
    expect(receipt('half.xml')).toBeUndefined();
    expect(existsSync(join(local.layout.objectsDir, 'inbox', DEMO_VENDOR, 'half.xml'))).toBe(false);
  }, 30_000);
});

describe('local mode keeps its data between runs; --fresh wipes it', () => {
  it('restarts on the same data folder without onboarding again, with the register as it was', async () => {
    const data = mkdtempSync(join(tmpdir(), 'lok-restart-'));
    let uploads = 0;
    const options = { dataDir: data, fresh: false, samplesDir: join(ROOT, 'samples'), say: () => undefined, log: () => undefined,
      uploadDemo: async (u: Parameters<typeof uploadWithClient>[0]) => { uploads++; await uploadWithClient(u); } };
    try {
      let local = await startLocalMode(options);
      const before = await clubActivities(local.ports.store, { club: '100042', period: '2026-2' });
      await local.stop();
      local = await startLocalMode(options);
      expect(uploads).toBe(1);
      expect(await clubActivities(local.ports.store, { club: '100042', period: '2026-2' })).toEqual(before);
      await local.stop();
      local = await startLocalMode({ ...options, fresh: true });
      expect(uploads).toBe(2);
      await local.stop();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('npm start as a process', () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'lok-start-'));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('comes up with the samples imported, prints the sftp command, and stops on SIGINT to its process group within a few seconds', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'lok-importer.js'), 'start', '--data', data], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', () => undefined);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = Date.now();
    const command = await waitFor('the sftp command', () => stdout.match(/^sftp -i (\S+) -P (\d+) demo-vendor@127\.0\.0\.1$/m) ?? undefined, 90_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(stdout).toMatch(/club-valid\.xml: applied/);
    expect(existsSync(command[1]!)).toBe(true);
    const stopAt = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(8_000);
    expect(existsSync(join(data, 'runtime.json'))).toBe(false);
  }, 120_000);
});
