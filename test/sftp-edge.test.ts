import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_NAME_BYTES, uploadNameRefusal } from '../shared/adapters/sftp/file-name.js';
import type { SftpLimits } from '../shared/adapters/sftp/sftp-server.js';
import { A, B, keyA, keyB, sftpForFile } from './support/sftp.js';

// The SFTP edge's limits (issue 15): no client, vendor or not, can take the endpoint from the others; names that
// could confuse a path, a log or the outbox and uploads over the quota are refused with a clear status.

const LIMITS: SftpLimits = {
  loginTimeoutMs: 600,
  connections: 30,
  vendorConnections: 2,
  sessions: 30,
  vendorSessions: 3,
  uploadBytes: 64 * 1024,
};

const endpoint = sftpForFile(LIMITS);

function raw<T>(call: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}

async function login(vendor: string, privateKey: string): Promise<Client> {
  const conn = new Client();
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', resolve).once('error', reject);
    conn.connect({ host: '127.0.0.1', port: endpoint.port, username: vendor, privateKey, readyTimeout: 5_000 });
  });
  conn.on('error', () => undefined);
  return conn;
}

async function sftpOf(conn: Client): Promise<SFTPWrapper> {
  return (await raw<SFTPWrapper>((done) => conn.sftp(done)))!;
}

/** Writes `data` as one upload (WRITEs of 32 KiB at `offsets` or in order) and closes it. */
async function upload(sftp: SFTPWrapper, path: string, data: Buffer): Promise<void> {
  const handle = (await raw<Buffer>((done) => sftp.open(path, 'w', done)))!;
  try {
    for (let at = 0; at < data.length; at += 32 * 1024) {
      const chunk = data.subarray(at, at + 32 * 1024);
      await raw((done) => sftp.write(handle, chunk, 0, chunk.length, at, done));
    }
  } catch (error) {
    await raw((done) => sftp.close(handle, done)).catch(() => undefined);
    throw error;
  }
  await raw((done) => sftp.close(handle, done));
}

async function refusal(attempt: Promise<unknown>): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, 'the request should be refused').toBeInstanceOf(Error);
  return (error as Error).message;
}

/** When the server closes `socket` (what it sends is read and dropped: a paused socket never sees its end). */
function closed(socket: Socket): Promise<number> {
  const started = Date.now();
  socket.resume();
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}

describe('the SFTP edge: limits', () => {
  it('closes connections that never log in once the login timeout has passed, whether they sent nothing or a version line', async () => {
    const silent = Array.from({ length: 8 }, () => netConnect(endpoint.port, '127.0.0.1'));
    const talking = Array.from({ length: 4 }, () => {
      const socket = netConnect(endpoint.port, '127.0.0.1');
      socket.on('connect', () => socket.write('SSH-2.0-idle\r\n'));
      return socket;
    });
    for (const socket of [...silent, ...talking]) socket.on('error', () => undefined);
    const times = await Promise.all(
      [...silent, ...talking].map((socket) =>
        Promise.race([closed(socket), new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5_000))]),
      ),
    );
    for (const socket of [...silent, ...talking]) socket.destroy();
    expect(Math.max(...times), 'every connection closed by the server').toBeLessThan(3_000);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(LIMITS.loginTimeoutMs - 50);
    expect(endpoint.events.filter((e) => e.event === 'sftp.login-timeout')).toHaveLength(12);
  });

  it('a logged-in vendor is not cut off by the login timeout', async () => {
    const conn = await login(A, keyA.privateKey);
    await new Promise((resolve) => setTimeout(resolve, LIMITS.loginTimeoutMs + 300));
    const sftp = await sftpOf(conn);
    expect((await raw<unknown[]>((done) => sftp.readdir('/', done)))!.length).toBe(2);
    conn.end();
  });

  it('closes connections over the limit in all at once, and takes new ones when others have gone', async () => {
    const held = Array.from({ length: LIMITS.connections }, () => netConnect(endpoint.port, '127.0.0.1'));
    for (const socket of held) socket.on('error', () => undefined);
    await Promise.all(held.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = netConnect(endpoint.port, '127.0.0.1');
    extra.on('error', () => undefined);
    expect(await closed(extra)).toBeLessThan(500);
    expect(
      endpoint.events.some((e) => e.event === 'sftp.connection-refused' && e.code === 'TOO_MANY_CONNECTIONS'),
    ).toBe(true);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const conn = await login(B, keyB.privateKey);
    conn.end();
  });

  it('refuses a vendor more connections than its limit; another vendor still logs in', async () => {
    const mine = [await login(A, keyA.privateKey), await login(A, keyA.privateKey)];
    await expect(login(A, keyA.privateKey)).rejects.toThrow();
    expect(
      endpoint.events.some(
        (e) => e.event === 'sftp.login-refused' && e.vendor === A && e.code === 'TOO_MANY_CONNECTIONS',
      ),
    ).toBe(true);
    const other = await login(B, keyB.privateKey);
    other.end();
    mine.pop()!.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await login(A, keyA.privateKey);
    for (const conn of [...mine, again]) conn.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it('refuses a vendor more SFTP sessions than its limit, over all its connections', async () => {
    const first = await login(A, keyA.privateKey);
    const second = await login(A, keyA.privateKey);
    await sftpOf(first);
    await sftpOf(first);
    await sftpOf(second);
    await expect(sftpOf(second)).rejects.toThrow();
    expect(
      endpoint.events.some(
        (e) => e.event === 'sftp.session-refused' && e.vendor === A && e.code === 'TOO_MANY_SESSIONS',
      ),
    ).toBe(true);
    const other = await login(B, keyB.privateKey);
    await sftpOf(other);
    for (const conn of [first, second, other]) conn.end();
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
});

describe('the SFTP edge: what an upload may be', () => {
  it('refuses an upload that writes more than the quota, at the WRITE and the CLOSE, with UPLOAD_TOO_LARGE; nothing is left', async () => {
    const conn = await login(B, keyB.privateKey);
    const sftp = await sftpOf(conn);
    const message = await refusal(upload(sftp, '/inbox/big.xml', Buffer.alloc(LIMITS.uploadBytes + 1, 0x41)));
    expect(message).toContain('UPLOAD_TOO_LARGE');
    // Counted by bytes written: rewriting the same range over and over is no way around it.
    const handle = (await raw<Buffer>((done) => sftp.open('/inbox/again.xml', 'w', done)))!;
    const chunk = Buffer.alloc(16 * 1024, 0x41);
    for (let i = 0; i < 4; i++) await raw((done) => sftp.write(handle, chunk, 0, chunk.length, 0, done));
    expect(await refusal(raw((done) => sftp.write(handle, chunk, 0, 1, 0, done)))).toContain('UPLOAD_TOO_LARGE');
    expect(await refusal(raw((done) => sftp.close(handle, done)))).toContain('UPLOAD_TOO_LARGE');
    // Exactly the quota is taken.
    await upload(sftp, '/inbox/fits.xml', Buffer.alloc(LIMITS.uploadBytes, 0x41));
    conn.end();
    expect(endpoint.uploads.filter((u) => u.vendor === B).map((u) => u.file)).toEqual(['fits.xml']);
    expect((await readdir(join(endpoint.root, 'inbox', B))).filter((name) => !name.startsWith('.'))).toEqual([
      'fits.xml',
    ]);
    expect(await readdir(join(endpoint.root, 'inbox', B, '.uploading'))).toEqual([]);
  });

  it('refuses names whose receipt name would not fit, and names that could confuse a path, a log or the outbox', async () => {
    const conn = await login(A, keyA.privateKey);
    const sftp = await sftpOf(conn);
    const longest = `${'å'.repeat((MAX_UPLOAD_NAME_BYTES - 4) / 2)}.xml`;
    expect(Buffer.byteLength(longest)).toBe(MAX_UPLOAD_NAME_BYTES);
    await upload(sftp, `/inbox/${longest}`, Buffer.from('<x/>'));
    const refused: [string, string][] = [
      [`${'a'.repeat(MAX_UPLOAD_NAME_BYTES - 3)}.xml`, 'NAME_TOO_LONG'], // 243 bytes
      [`${'b'.repeat(250)}.xml`, 'NAME_TOO_LONG'], // 254: the case, once stuck at "totalled"
      ['-rf.xml', 'NAME_START'],
      ['~x.xml', 'NAME_START'],
      [' x.xml', 'NAME_START'],
      ['x.xml ', 'NAME_END'],
      ['x.xml.', 'NAME_END'],
      ['x\u202Elmx.exe', 'NAME_CHARACTERS'],
      ['x\u2028y.xml', 'NAME_CHARACTERS'],
      ['x\u0085y.xml', 'NAME_CHARACTERS'],
      ['a*.xml', 'NAME_CHARACTERS'],
      ['a:b.xml', 'NAME_CHARACTERS'],
      ['a\ufffd.xml', 'NAME_CHARACTERS'],
    ];
    for (const [name, code] of refused) {
      expect(uploadNameRefusal(name), name).toBe(code);
      expect(await refusal(upload(sftp, `/inbox/${name}`, Buffer.from('<x/>'))), name).toContain(code);
    }
    // Nor may a complete upload be renamed to such a name.
    await upload(sftp, '/inbox/ok.xml', Buffer.from('<x/>'));
    expect(await refusal(raw((done) => sftp.rename('/inbox/ok.xml', `/inbox/${'c'.repeat(243)}`, done)))).toContain(
      'NAME_TOO_LONG',
    );
    conn.end();
    expect(endpoint.uploads.filter((u) => u.vendor === A).map((u) => u.file)).toEqual([longest, 'ok.xml']);
    expect(existsSync(join(endpoint.root, 'inbox', A, 'ok.xml'))).toBe(true);
    expect(await readdir(join(endpoint.root, 'inbox', A, '.uploading'))).toEqual([]);
  });
});
