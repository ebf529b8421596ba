import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { describe, expect, it } from 'vitest';
import { startSftpServer } from '../shared/adapters/sftp/sftp-server.js';
import { fingerprint, generateKeyPair, HOST_KEY_TYPES, publicKeyOf } from '../shared/adapters/sftp/ssh-keys.js';
import { openSshBatch } from './support/openssh.js';
import { A, B, keyA, keyB, sftpForFile } from './support/sftp.js';

const stranger = generateKeyPair('stranger');

const endpoint = sftpForFile();

/** An ssh2-sftp-client without its default listeners, which print every end and close. */
function sftpClient(): SftpClient {
  const quiet = (): void => undefined;
  return new SftpClient('test', { error: quiet, end: quiet, close: quiet });
}

async function connect(username: string, privateKey: string): Promise<SftpClient> {
  const client = sftpClient();
  await client.connect({ host: '127.0.0.1', port: endpoint.port, username, privateKey, readyTimeout: 5_000 });
  return client;
}

async function refused(attempt: Promise<unknown>): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, 'the request should be refused').toBeInstanceOf(Error);
  return (error as Error).message;
}

/** Byte equality without vitest's element-by-element diff (slow on large buffers). */
function sameBytes(actual: unknown, expected: Buffer): boolean {
  return Buffer.isBuffer(actual) && actual.equals(expected);
}

/** ssh2's callback API for what ssh2-sftp-client does not offer. */
function raw<T>(call: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the SFTP endpoint', () => {
  it('takes an upload from ssh2-sftp-client into the vendor inbox and reports it once, when complete', async () => {
    const client = await connect(A, keyA.privateKey);
    const bytes = Buffer.from('<importer>club file</importer>\n'.repeat(5_000));
    await client.put(bytes, '/inbox/club.xml');
    const mine = endpoint.uploads.filter((u) => u.file === 'club.xml');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ vendor: A, file: 'club.xml', path: join(endpoint.root, 'inbox', A, 'club.xml') });
    expect(new Date(mine[0]!.completedAt).toISOString()).toBe(mine[0]!.completedAt);
    expect(sameBytes(await readFile(join(endpoint.root, 'inbox', A, 'club.xml')), bytes)).toBe(true);
    expect((await client.list('/inbox')).map((f) => f.name)).toEqual(['club.xml']);
    expect((await client.list('/')).map((f) => [f.name, f.type])).toEqual([
      ['inbox', 'd'],
      ['outbox', 'd'],
    ]);
    expect(await client.realPath('.')).toBe('/');
    // read back and remove its own file, not yet taken by the pipeline
    expect(sameBytes(await client.get('/inbox/club.xml'), bytes)).toBe(true);
    const started = Date.now();
    await client.end();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(endpoint.uploads.filter((u) => u.file === 'club.xml')).toHaveLength(1);
  });

  it('serves a receipt placed in the vendor outbox', async () => {
    await mkdir(join(endpoint.root, 'outbox', A), { recursive: true });
    const receipt = Buffer.from(JSON.stringify({ verdict: 'applied' }));
    await writeFile(join(endpoint.root, 'outbox', A, 'club.xml.receipt.json'), receipt);
    const client = await connect(A, keyA.privateKey);
    expect(sameBytes(await client.get('/outbox/club.xml.receipt.json'), receipt)).toBe(true);
    expect((await client.list('/outbox')).map((f) => f.name)).toEqual(['club.xml.receipt.json']);
    await client.end();
  });

  it('works with OpenSSH sftp in batch mode: put, ls, get, bye exits 0 promptly', async () => {
    const work = await mkdtemp(join(tmpdir(), 'sftp-openssh-'));
    try {
      const keyFile = join(work, 'id_ed25519');
      await writeFile(keyFile, keyB.privateKey, { mode: 0o600 });
      const local = join(work, 'openssh.xml');
      const bytes = Buffer.from('<importer>from OpenSSH</importer>\n'.repeat(20_000));
      await writeFile(local, bytes);
      await mkdir(join(endpoint.root, 'outbox', B), { recursive: true });
      await writeFile(join(endpoint.root, 'outbox', B, 'earlier.receipt.txt'), 'Kvitto\n');
      const batch = join(work, 'batch');
      await writeFile(
        batch,
        [
          `put ${local} inbox/openssh.xml`,
          'ls inbox',
          `get outbox/earlier.receipt.txt ${join(work, 'receipt.txt')}`,
          'bye',
        ].join('\n') + '\n',
      );
      const started = Date.now();
      const result = await openSshBatch({ port: endpoint.port, user: B, keyFile }, batch, 15_000);
      const seconds = (Date.now() - started) / 1000;
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(seconds).toBeLessThan(5);
      expect(result.stdout).toContain('openssh.xml');
      expect(sameBytes(await readFile(join(endpoint.root, 'inbox', B, 'openssh.xml')), bytes)).toBe(true);
      expect(await readFile(join(work, 'receipt.txt'), 'utf8')).toBe('Kvitto\n');
      expect(endpoint.uploads.filter((u) => u.file === 'openssh.xml')).toEqual([
        expect.objectContaining({ vendor: B }),
      ]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('refuses password login, unknown users and keys not authorised for the vendor', async () => {
    const password = sftpClient();
    await refused(
      password.connect({
        host: '127.0.0.1',
        port: endpoint.port,
        username: A,
        password: 'secret',
        tryKeyboard: true,
        readyTimeout: 5_000,
      }),
    );
    await refused(connect(A, keyB.privateKey)); // B's key is not A's
    await refused(connect(A, stranger.privateKey));
    await refused(connect('nobody', stranger.privateKey));
    await refused(connect('../vendor-a', keyA.privateKey));
    expect(endpoint.events.filter((e) => e.event === 'sftp.login-refused').map((e) => e.code)).toEqual(
      expect.arrayContaining(['METHOD_NOT_ALLOWED', 'KEY_NOT_AUTHORISED', 'UNKNOWN_USER']),
    );
  });

  it('keeps a vendor in its jail: no other vendor, no parent, no absolute path, no symlink', async () => {
    await mkdir(join(endpoint.root, 'inbox', B), { recursive: true });
    await writeFile(join(endpoint.root, 'inbox', B, 'secret.xml'), 'B only');
    await writeFile(join(endpoint.root, 'outbox', B, 'secret.receipt.json'), '{}');
    // a symlink someone left in A's outbox, pointing at B's receipt: never followed, never listed
    await symlink(
      join(endpoint.root, 'outbox', B, 'secret.receipt.json'),
      join(endpoint.root, 'outbox', A, 'evil.json'),
    );
    const client = await connect(A, keyA.privateKey);
    const sftp = (client as unknown as { sftp: SFTPWrapper }).sftp;
    try {
      for (const path of ['..', '/..', '/../..', '/inbox/../..', '../inbox', join(endpoint.root, 'inbox')]) {
        await refused(client.list(path));
        await refused(raw((done) => sftp.realpath(path, done))); // (ssh2-sftp-client's realPath turns a refusal into '')
      }
      for (const path of [
        `/inbox/${B}/secret.xml`,
        `/inbox/../inbox/${B}/secret.xml`,
        `/../inbox/${B}/secret.xml`,
        `/../../${B}/secret.xml`,
        join(endpoint.root, 'inbox', B, 'secret.xml'),
        `/outbox/${B}/secret.receipt.json`,
        '/outbox/evil.json',
        '/etc/passwd',
        '/../../../../../../etc/passwd',
      ]) {
        await refused(client.get(path));
      }
      for (const path of [
        `/inbox/${B}/x.xml`,
        '/../x.xml',
        `/../inbox/${B}/x.xml`,
        join(endpoint.root, 'inbox', B, 'x.xml'),
        '/x.xml',
        '/inbox/.uploading/x.xml',
        '/inbox/.hidden',
      ]) {
        await refused(client.put(Buffer.from('x'), path));
      }
      expect((await client.list('/outbox')).map((f) => f.name)).toEqual(['club.xml.receipt.json']);
      await refused(raw((done) => sftp.symlink('/outbox/club.xml.receipt.json', '/inbox/link.xml', done)));
      await refused(raw((done) => sftp.symlink(join(endpoint.root, 'inbox', B), '/inbox/b', done)));
      await refused(raw((done) => sftp.readlink('/outbox/evil.json', done)));
      await refused(client.mkdir('/inbox/sub'));
      await refused(client.rename('/inbox/club.xml', `/inbox/../../inbox/${B}/club.xml`));
      expect(await readFile(join(endpoint.root, 'inbox', B, 'secret.xml'), 'utf8')).toBe('B only');
      expect(await readdir(join(endpoint.root, 'inbox', B))).not.toContain('x.xml');
      expect(existsSync(join(endpoint.root, 'inbox', B, 'club.xml'))).toBe(false);
      expect(existsSync(join(endpoint.root, 'inbox', A, 'link.xml'))).toBe(false);
    } finally {
      await client.end();
    }
  });

  it('refuses writing, removing and renaming in the outbox', async () => {
    const client = await connect(A, keyA.privateKey);
    try {
      await refused(client.put(Buffer.from('x'), '/outbox/fake.receipt.json'));
      await refused(client.delete('/outbox/club.xml.receipt.json'));
      await refused(client.rename('/outbox/club.xml.receipt.json', '/outbox/other.json'));
      await refused(client.rename('/inbox/club.xml', '/outbox/club.xml'));
      expect(await readdir(join(endpoint.root, 'outbox', A))).toEqual(['club.xml.receipt.json', 'evil.json']);
      // in the inbox a not-yet-processed file may be renamed (a new upload, like an S3 copy) and removed
      await client.rename('/inbox/club.xml', '/inbox/club-2.xml');
      expect(endpoint.uploads.at(-1)).toMatchObject({ vendor: A, file: 'club-2.xml' });
      await client.delete('/inbox/club-2.xml');
      expect(await readdir(join(endpoint.root, 'inbox', A))).toEqual(['.uploading']);
    } finally {
      await client.end();
    }
  });

  it('never reports nor shows an upload whose connection dropped before CLOSE', async () => {
    const socket = netConnect(endpoint.port, '127.0.0.1');
    const conn = new Client();
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', resolve).once('error', reject);
      conn.connect({ sock: socket, username: A, privateKey: keyA.privateKey, readyTimeout: 5_000 });
    });
    conn.on('error', () => undefined);
    const sftp = (await raw<SFTPWrapper>((done) => conn.sftp(done)))!;
    const handle = (await raw<Buffer>((done) => sftp.open('/inbox/partial.xml', 'w', done)))!;
    const chunk = Buffer.alloc(16 * 1024, 0x41);
    for (let i = 0; i < 4; i++) await raw((done) => sftp.write(handle, chunk, 0, chunk.length, i * chunk.length, done));
    const uploading = join(endpoint.root, 'inbox', A, '.uploading');
    expect(await readdir(uploading)).toHaveLength(1); // written so far, but hidden
    expect((await readdir(join(endpoint.root, 'inbox', A))).filter((n) => !n.startsWith('.'))).toEqual([]);
    socket.destroy();
    await waitFor(() => endpoint.events.some((e) => e.event === 'sftp.upload-abandoned' && e.file === 'partial.xml'));
    await waitFor(async () => (await readdir(uploading)).length === 0);
    expect(existsSync(join(endpoint.root, 'inbox', A, 'partial.xml'))).toBe(false);
    expect(endpoint.uploads.some((u) => u.file === 'partial.xml')).toBe(false);
  });

  it('loads from dist/ in plain Node (ssh2 is CommonJS: only its default export is importable outside vitest)', async () => {
    const script =
      "const m = await import('./dist/shared/adapters/sftp/sftp-server.js');" +
      "const k = await import('./dist/shared/adapters/sftp/ssh-keys.js');" +
      'const s = await m.startSftpServer({ hostKey: k.generateKeyPair().privateKey, root: process.argv[1], publicKeysOf: () => undefined, onUpload: () => {} });' +
      'await s.stop(); console.log("ok");';
    const own = await mkdtemp(join(tmpdir(), 'sftp-dist-'));
    try {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--input-type=module', '-e', script, own],
          { cwd: join(import.meta.dirname, '..'), timeout: 10_000 },
          (error, out, err) => (error ? reject(new Error(err)) : resolve(out)),
        ),
      );
      expect(stdout.trim()).toBe('ok');
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('keeps an upload the importer has taken visible in the inbox until it is imported: STAT, LSTAT, SETSTAT, read, list', async () => {
    const own = await mkdtemp(join(tmpdir(), 'sftp-taken-'));
    const taken = new Map<string, string>();
    const server = await startSftpServer({
      hostKey: generateKeyPair().privateKey,
      root: own,
      publicKeysOf: (v) => (v === A ? [keyA.publicKey] : undefined),
      onUpload: () => undefined,
      beingImported: {
        pathOf: (vendor, file) => taken.get(`${vendor}/${file}`),
        files: (vendor) =>
          [...taken.keys()].filter((k) => k.startsWith(`${vendor}/`)).map((k) => k.slice(vendor.length + 1)),
      },
    });
    try {
      const client = sftpClient();
      await client.connect({ host: '127.0.0.1', port: server.port, username: A, privateKey: keyA.privateKey });
      const bytes = Buffer.from('<importer>taken</importer>\n'.repeat(100));
      await client.put(bytes, '/inbox/taken.xml');
      // The importer moves it into its archive, as local mode's queue does when the upload enters the ledger.
      const archived = join(own, 'archived-taken.xml');
      await rename(join(own, 'inbox', A, 'taken.xml'), archived);
      taken.set(`${A}/taken.xml`, archived);
      const sftp = (client as unknown as { sftp: SFTPWrapper }).sftp;
      expect((await client.stat('/inbox/taken.xml')).size).toBe(bytes.length);
      expect((await raw<{ size: number }>((done) => sftp.lstat('/inbox/taken.xml', done)))?.size).toBe(bytes.length);
      await raw((done) => sftp.setstat('/inbox/taken.xml', { mtime: 1_700_000_000, atime: 1_700_000_000 }, done));
      await raw((done) => sftp.utimes('/inbox/taken.xml', 1_700_000_000, 1_700_000_000, done));
      expect(sameBytes(await client.get('/inbox/taken.xml'), bytes)).toBe(true);
      expect((await client.list('/inbox')).map((f) => [f.name, f.size])).toEqual([['taken.xml', bytes.length]]);
      // Taken: the vendor can no longer remove or rename it; a new upload of the name is a new file.
      expect(await refused(client.delete('/inbox/taken.xml'))).toMatch(/denied/i);
      expect(await refused(client.rename('/inbox/taken.xml', '/inbox/other.xml'))).toMatch(/denied/i);
      await client.put(Buffer.from('again'), '/inbox/taken.xml');
      expect((await client.stat('/inbox/taken.xml')).size).toBe(5);
      await unlink(join(own, 'inbox', A, 'taken.xml'));
      // Imported: gone from the inbox.
      taken.clear();
      expect(await refused(client.stat('/inbox/taken.xml'))).toMatch(/no such file/i);
      expect(await client.list('/inbox')).toEqual([]);
      await client.end();
    } finally {
      await server.stop();
      await rm(own, { recursive: true, force: true });
    }
  });

  it('offers every host key it is given (ed25519, ECDSA, RSA), so clients without ed25519 connect', async () => {
    const own = await mkdtemp(join(tmpdir(), 'sftp-host-keys-'));
    const hostKeys = HOST_KEY_TYPES.map((type) => generateKeyPair(undefined, type));
    const server = await startSftpServer({
      hostKey: hostKeys.map((key) => key.privateKey),
      root: own,
      publicKeysOf: (v) => (v === A ? [keyA.publicKey] : undefined),
      onUpload: () => undefined,
    });
    try {
      for (const [algorithm, key] of [
        ['ssh-ed25519', hostKeys[0]!],
        ['ecdsa-sha2-nistp256', hostKeys[1]!],
        ['ssh-rsa', hostKeys[2]!],
      ] as const) {
        let seen: Buffer | undefined;
        const client = sftpClient();
        await client.connect({
          host: '127.0.0.1',
          port: server.port,
          username: A,
          privateKey: keyA.privateKey,
          algorithms: { serverHostKey: [algorithm] },
          hostVerifier: (presented: Buffer) => {
            seen = presented;
            return true;
          },
        });
        await client.end();
        expect(seen?.toString('base64'), algorithm).toBe(publicKeyOf(key.privateKey).split(' ')[1]);
        expect(fingerprint(key.publicKey)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      }
    } finally {
      await server.stop();
      await rm(own, { recursive: true, force: true });
    }
  });

  it('a port that is taken fails the start with EADDRINUSE and the port, for the caller to name its setting', async () => {
    const own = await mkdtemp(join(tmpdir(), 'sftp-port-'));
    const first = await startSftpServer({
      hostKey: generateKeyPair().privateKey,
      root: own,
      publicKeysOf: () => undefined,
      onUpload: () => undefined,
    });
    try {
      const second = startSftpServer({
        hostKey: generateKeyPair().privateKey,
        root: own,
        port: first.port,
        publicKeysOf: () => undefined,
        onUpload: () => undefined,
      });
      await expect(second).rejects.toMatchObject({ code: 'EADDRINUSE', port: first.port });
    } finally {
      await first.stop();
      await rm(own, { recursive: true, force: true });
    }
  });

  it('stop() closes open connections and the listener within a couple of seconds', async () => {
    const own = await mkdtemp(join(tmpdir(), 'sftp-stop-'));
    const server = await startSftpServer({
      hostKey: generateKeyPair().privateKey,
      root: own,
      publicKeysOf: (v) => (v === A ? [keyA.publicKey] : undefined),
      onUpload: () => undefined,
    });
    const client = sftpClient();
    await client.connect({ host: '127.0.0.1', port: server.port, username: A, privateKey: keyA.privateKey });
    const conn = (client as unknown as { client: Client }).client;
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    const started = Date.now();
    await server.stop();
    await closed;
    expect(Date.now() - started).toBeLessThan(2_500);
    await refused(
      sftpClient().connect({
        host: '127.0.0.1',
        port: server.port,
        username: A,
        privateKey: keyA.privateKey,
        readyTimeout: 2_000,
      }),
    );
    await rm(own, { recursive: true, force: true });
  });
});
