import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clubActivities } from '../shared/core/queries/club-activities.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { fingerprint, generateKeyPair, publicKeyOf } from '../shared/adapters/sftp/ssh-keys.js';
import { freePort } from '../shared/adapters/loopback/free-port.js';
import { DEFAULT_SFTP_PORT, DEMO_VENDOR } from '../shared/local/local-mode.js';
import { SFTP_PORT_ENV, START_HELP } from '../shared/cli/start-command.js';
import { uploadWithClient } from '../shared/local/upload-with-client.js';
import { scratchForFile } from './support/for-file.js';
import { demoVendorClient, localModeForFile, startQuietLocalMode } from './support/local-mode.js';
import { openSshBatch } from './support/openssh.js';
import { ROOT, runCli, runProcess, startCliGroup, waitFor } from './support/run-cli.js';

const sample = (name: string) => join(ROOT, 'samples', name);

describe('local mode: the whole Importer on this machine, uploads over real SFTP', () => {
  const data = scratchForFile('lok-local-');
  const events: Record<string, unknown>[] = [];
  const local = localModeForFile(data, { log: (event) => events.push(event) });
  /** OpenSSH's sftp in batch mode, logged in as the demo vendor. */
  const sftpBatch = (batch: string) =>
    openSshBatch({ port: local().sftpPort, user: DEMO_VENDOR, keyFile: local().demoKeyPath }, batch, 20_000);
  const receiptPath = (file: string) => join(local().layout.objectsDir, 'outbox', DEMO_VENDOR, `${file}.receipt.json`);
  const receipt = (file: string) =>
    existsSync(receiptPath(file)) ? (JSON.parse(readFileSync(receiptPath(file), 'utf8')) as Receipt) : undefined;

  it('on first start, onboards the demo vendor and club and imports the samples uploaded over SFTP', () => {
    expect(receipt('club-valid.xml')).toMatchObject({ status: 'applied', vendor: DEMO_VENDOR });
    expect(receipt('club-errors.xml')?.status).toBe('partially_applied');
    expect(receipt('rejected-doctype.xml')?.status).toBe('rejected');
    expect(events.some((e) => e.event === 'upload-done')).toBe(true);
    // Logs carry ids and codes, never a personnummer of the samples.
    const logged = JSON.stringify(events);
    const numbers = [
      ...readFileSync(sample('club-valid.xml'), 'utf8').matchAll(/<PersonalNumber>([^<]+)<\/PersonalNumber>/g),
    ].map((m) => m[1]!.replace(/\D/g, '').slice(-10));
    expect(numbers.length).toBeGreaterThan(0);
    for (const number of numbers) expect(logged).not.toContain(number);
  });

  it('imports a file uploaded with OpenSSH sftp and serves its receipt back through outbox/', async () => {
    const text = readFileSync(sample('club-valid.xml'), 'utf8').replace(
      'created="2026-11-22T02:00:00+01:00"',
      'created="2026-11-23T02:00:00+01:00"',
    );
    const file = join(data, 'openssh-upload.xml');
    writeFileSync(file, text);
    const batch = join(data, 'batch');
    writeFileSync(batch, `put ${file} inbox/openssh-upload.xml\nbye\n`);
    const put = await sftpBatch(batch);
    expect(put.code, put.stderr).toBe(0);
    const got = await waitFor('the receipt', () => receipt('openssh-upload.xml'));
    // The same records as club-valid.xml, sent again: nothing changes.
    expect(got.status).toBe('applied');
    expect(got.counts.activities).toMatchObject({ unchanged: 3, created: 0 });
    const fetched = join(data, 'fetched.json');
    writeFileSync(batch, `get outbox/openssh-upload.xml.receipt.json ${fetched}\nbye\n`);
    const get = await sftpBatch(batch);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(readFileSync(fetched, 'utf8'))).toMatchObject({ file: 'openssh-upload.xml', status: 'applied' });
  }, 60_000);

  it('imports a file uploaded with ssh2-sftp-client; the verdicts are stored', async () => {
    const client = await demoVendorClient(local().sftpPort, local().demoKeyPath);
    const text = readFileSync(sample('club-valid.xml'), 'utf8').replace(
      '<Place>Exempelvallen</Place>',
      '<Place>Nya vallen</Place>',
    );
    await client.put(Buffer.from(text), '/inbox/client-upload.xml');
    await client.end();
    const got = await waitFor('the receipt', () => receipt('client-upload.xml'));
    expect(got.status).toBe('applied');
    const stored = await clubActivities(local().ports.store, { club: '100042', period: '2026-2' });
    expect(stored.map((v) => v.id)).toEqual(expect.arrayContaining(got.activities.map((a) => a.id)));
  }, 60_000);

  it('the CLI talks to the running local mode: vendor add --key, club activate, queries, vendor key rotate, vendor disable', async () => {
    const env = {
      ...process.env,
      LOK_LOCAL_DIR: data,
      LOK_DYNAMODB_ENDPOINT: '',
      LOK_IDENTITY_KEY: '',
      LOK_OBJECTS_DIR: '',
      LOK_SFTP_KEYS_DIR: '',
    };
    const cli = (args: string[]) => runCli(args, { env });
    const first = generateKeyPair();
    const second = generateKeyPair();
    writeFileSync(join(data, 'v2.pub'), first.publicKey);
    writeFileSync(join(data, 'v2-new.pub'), second.publicKey);
    expect(
      await cli(['vendor', 'add', 'v2', '--name', 'V2 AB', '--purpose', 'LOK', '--key', join(data, 'v2.pub')]),
    ).toMatchObject({ code: 0 });
    // Again (the first onboarding stopped half-way): the login opens, and the vendor is not said to be added anew.
    const again = await cli([
      'vendor',
      'add',
      'v2',
      '--name',
      'V2 AB',
      '--purpose',
      'LOK',
      '--key',
      join(data, 'v2.pub'),
    ]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/^vendor v2 already registered; its /);
    expect(await cli(['club', 'activate', '100042', '--vendor', 'v2', '--from', '2026-01-01'])).toMatchObject({
      code: 0,
    });
    const upload = async (privateKey: string) => {
      const client = new SftpClient();
      await client.connect({ host: '127.0.0.1', port: local().sftpPort, username: 'v2', privateKey });
      await client.put(
        Buffer.from(readFileSync(sample('club-valid.xml'), 'utf8').replace('vendor="demo-vendor"', 'vendor="v2"')),
        '/inbox/from-v2.xml',
      );
      await client.end();
    };
    await upload(first.privateKey);
    const path = join(local().layout.objectsDir, 'outbox', 'v2', 'from-v2.xml.receipt.json');
    const got = await waitFor("v2's receipt", () =>
      existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Receipt) : undefined,
    );
    expect(got.status).toBe('applied');
    // "Why is v2's file stuck?" against the running local mode: it is not, it was imported.
    const status = await cli(['status', '--vendor', 'v2']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      / {2}from-v2\.xml {2}completed .+: done: applied, receipt written .+; nothing to do\n/,
    );
    const activities = await cli(['activities', '--club', '100042', '--period', '2026-2', '--vendor', 'v2', '--json']);
    expect(activities.code, activities.stderr).toBe(0);
    expect((JSON.parse(activities.stdout) as unknown[]).length).toBe(3);
    expect(await cli(['vendor', 'key', 'rotate', 'nobody', '--key', join(data, 'v2-new.pub')])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('UNKNOWN_VENDOR'),
    });
    expect(await cli(['vendor', 'key', 'rotate', 'v2', '--key', local().demoKeyPath])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('private key'),
    });
    expect(await cli(['vendor', 'key', 'rotate', 'v2', '--key', join(data, 'v2-new.pub')])).toMatchObject({ code: 0 });
    await expect(upload(first.privateKey)).rejects.toThrow();
    await upload(second.privateKey);
    // Disabled: no key logs in any more; --cloud without its function is a usage error.
    expect(await cli(['vendor', 'disable', 'v2'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('1 key(s) removed'),
    });
    await expect(upload(second.privateKey)).rejects.toThrow();
    expect(await cli(['vendor', 'disable', 'nobody'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('UNKNOWN_VENDOR'),
    });
    expect(await cli(['vendor', 'disable', 'v2', '--cloud'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('LOK_ADMIN_FUNCTION'),
    });
  }, 60_000);

  it('never imports a half-finished upload (connection dropped before the end)', async () => {
    const client = await demoVendorClient(local().sftpPort, local().demoKeyPath);
    const sftp = (
      client as unknown as {
        sftp: {
          open: (p: string, f: string, cb: (e: Error | undefined, h: Buffer) => void) => void;
          write: (h: Buffer, b: Buffer, o: number, l: number, p: number, cb: (e?: Error) => void) => void;
        };
      }
    ).sftp;
    const handle = await new Promise<Buffer>((resolve, reject) =>
      sftp.open('/inbox/half.xml', 'w', (e, h) => (e ? reject(e) : resolve(h))),
    );
    const half = Buffer.from(readFileSync(sample('club-valid.xml'), 'utf8').slice(0, 500));
    await new Promise<void>((resolve, reject) =>
      sftp.write(handle, half, 0, half.length, 0, (e) => (e ? reject(e) : resolve())),
    );
    (client as unknown as { client: { destroy: () => void } }).client.destroy();
    await new Promise((r) => setTimeout(r, 1500));
    expect(receipt('half.xml')).toBeUndefined();
    expect(existsSync(join(local().layout.objectsDir, 'inbox', DEMO_VENDOR, 'half.xml'))).toBe(false);
  }, 30_000);
});

describe('local mode keeps its data between runs; --fresh wipes it', () => {
  it('restarts on the same data folder without onboarding again, with the register as it was', async () => {
    const data = mkdtempSync(join(tmpdir(), 'lok-restart-'));
    let uploads = 0;
    const options = {
      uploadDemo: async (u: Parameters<typeof uploadWithClient>[0]) => {
        uploads++;
        await uploadWithClient(u);
      },
    };
    try {
      let local = await startQuietLocalMode(data, options);
      const before = await clubActivities(local.ports.store, { club: '100042', period: '2026-2' });
      await local.stop();
      local = await startQuietLocalMode(data, options);
      expect(uploads).toBe(1);
      expect(await clubActivities(local.ports.store, { club: '100042', period: '2026-2' })).toEqual(before);
      await local.stop();
      local = await startQuietLocalMode(data, { ...options, fresh: true });
      expect(uploads).toBe(2);
      await local.stop();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 120_000);
});

/** `lok-importer start <args>` as its own process group, the test's environment and `env` given. */
function startProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = startCliGroup(['start', ...args], { ...process.env, ...env });
  return { ...started, interrupt: () => started.signal('SIGINT') };
}

describe('npm start as a process', () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'lok-start-'));
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('shows a short summary (port, host key fingerprints, the sftp command that works as is under -b, where receipts and the JSON log are), and stops on SIGINT to its process group within a few seconds', async () => {
    const port = await freePort();
    const started = Date.now();
    const start = startProcess(['--data', data], { [SFTP_PORT_ENV]: String(port), npm_lifecycle_event: '' });
    await waitFor('the summary', () => (start.out.stdout.includes('Ctrl-C stops.') ? true : undefined), 90_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    const { stdout } = start.out;
    // Short, and for people: no JSON lines; one line per sample file with its verdict.
    expect(stdout.split('\n').length).toBeLessThan(30);
    expect(stdout).not.toMatch(/^\{/m);
    expect(stdout).toMatch(
      /^ {2}demo-vendor\/club-valid\.xml: applied; activities approved 3, rejected 0; errors 0 \(/m,
    );
    expect(stdout).toMatch(
      /^Local mode is up, \d+\.\d s after this process started \(the samples' import included; a build before it not\)\.$/m,
    );
    expect(stdout).toContain(`127.0.0.1:${port}, one user per vendor`);
    for (const type of ['ed25519', 'ecdsa', 'rsa']) {
      const key = readFileSync(join(data, 'keys', `host_${type}`), 'utf8');
      expect(stdout).toContain(fingerprint(publicKeyOf(key)));
    }
    expect(stdout).toContain(`receipt.json   (on disk: ${join(data, 'objects', 'outbox', DEMO_VENDOR)}/`);
    expect(stdout).toContain(`full log    ${join(data, 'logs', 'local.jsonl')} (JSON lines)`);
    const log = readFileSync(join(data, 'logs', 'local.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(log.filter((e) => e.event === 'upload-done')).toHaveLength(4);
    expect(log.some((e) => e.event === 'sftp.login')).toBe(true);

    // The printed command, as is, in batch mode with no user configuration to lean on.
    const command = stdout.match(/^ {2}upload {6}(sftp .+)$/m)?.[1];
    expect(command).toBe(
      `sftp -P ${port} -i ${join(data, 'keys', 'demo-vendor_ed25519')} -o UserKnownHostsFile=${join(data, 'known_hosts')} demo-vendor@127.0.0.1`,
    );
    const home = join(data, 'empty-home');
    mkdirSync(home);
    const batch = join(data, 'batch');
    writeFileSync(batch, 'ls outbox\n');
    const [, ...args] = command!.split(' ');
    const listed = await runProcess('sftp', ['-b', batch, ...args], { env: { ...process.env, HOME: home } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('club-valid.xml.receipt.json');

    const stopAt = Date.now();
    start.interrupt();
    expect(await start.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(8_000);
    expect(existsSync(join(data, 'runtime.json'))).toBe(false);
  }, 120_000);

  it('--log-format json: every event a JSON line on standard output, the ready event naming the endpoint; the same host keys as before', async () => {
    const port = await freePort();
    const before = readFileSync(join(data, 'keys', 'host_rsa'), 'utf8');
    // Run as `npm start` runs it: the time counts from its parent's start (on Linux), the build's shell.
    const start = startProcess(['--data', data, '--sftp-port', String(port), '--log-format', 'json'], {
      npm_lifecycle_event: 'start',
    });
    await waitFor(
      'the ready event',
      () => (start.out.stdout.includes('"local-mode.ready"') ? true : undefined),
      90_000,
    );
    const events = start.out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ready = events.find((e) => e.event === 'local-mode.ready') as {
      seconds: number;
      since: string;
      sftp: { port: number; command: string; hostKeys: { type: string }[] };
    };
    expect(ready.sftp.port).toBe(port);
    if (existsSync('/proc/uptime')) expect(ready).toMatchObject({ since: 'npm start', seconds: expect.any(Number) });
    expect(ready.sftp.hostKeys.map((k) => k.type)).toEqual(['ed25519', 'ecdsa', 'rsa']);
    expect(start.out.stderr).toContain(ready.sftp.command);
    expect(readFileSync(join(data, 'keys', 'host_rsa'), 'utf8')).toBe(before);
    expect(readFileSync(join(data, 'known_hosts'), 'utf8')).toContain(`[127.0.0.1]:${port} ssh-rsa `);
    start.interrupt();
    expect(await start.exited).toBe(0);
  }, 120_000);

  it('a taken SFTP port is a clear error naming --sftp-port and LOK_SFTP_PORT (exit 2)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const start = startProcess(['--data', data, '--sftp-port', String(port)]);
      expect(await start.exited).toBe(2);
      expect(start.out.stderr).toBe(
        `lok-importer start: SFTP port ${port} on 127.0.0.1 is taken (another local mode?): choose another with --sftp-port N or ${SFTP_PORT_ENV}=N\n`,
      );
    } finally {
      holder.close();
    }
  }, 60_000);

  it('documents the default port, the same on every start', () => {
    expect(DEFAULT_SFTP_PORT).toBe(2222);
    expect(START_HELP).toContain(`--sftp-port N         SFTP port (default ${SFTP_PORT_ENV}, else 2222)`);
  });
});
