import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGonePeer } from '../shared/local/gone-peers.js';
import { ROOT } from './support/run-cli.js';

// Issue 15: an unhandled `write EPIPE` (DynamoDB Local closing a socket under a request too large for it) ended
// local mode's process, and with it every vendor's endpoint.
function run(mode: 'peer' | 'bug'): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'test/support/gone-peer-child.mjs'), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.resume();
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

describe('local mode survives a peer that has gone', () => {
  it('a socket whose peer closed under a write, with no error listener, is logged by code and the process keeps running', async () => {
    const { code, stdout } = await run('peer');
    expect(stdout).toMatch(/"event":"peer-gone","code":"(EPIPE|ECONNRESET)"/);
    expect(stdout).toContain('alive');
    expect(code).toBe(0);
  }, 30_000);

  it('any other uncaught error still ends the process, as it would without the guard', async () => {
    const { code, stdout } = await run('bug');
    expect(stdout).not.toContain('alive');
    expect(code).not.toBe(0);
  }, 30_000);

  it('tells a gone peer from other errors', () => {
    expect(isGonePeer(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }))).toBe(true);
    expect(isGonePeer(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }))).toBe(true);
    expect(isGonePeer(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
    expect(isGonePeer(new TypeError('x'))).toBe(false);
    expect(isGonePeer(undefined)).toBe(false);
  });
});
