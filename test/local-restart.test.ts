import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskSegment } from '../shared/adapters/local-disk/object-store.js';
import { freePort } from '../shared/adapters/loopback/free-port.js';
import { scratchForFile } from './support/for-file.js';
import { cleanEnv, ROOT } from './support/run-cli.js';

// Issue 15: an upload whose receipt name was too long for the file system stuck at "totalled", and every restart of
// local mode then exited 3 with "internal error", printing the vendor's file name.
const scratch = scratchForFile('local-restart-');

interface Run {
  readonly output: () => string;
  stop(): Promise<number | null>;
}

/** `lok-importer start` on a port of its own, up once `ready` holds; stopped by Ctrl-C to its process group. */
async function start(dataDir: string, port: number, ready: () => boolean): Promise<Run> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/lok-importer.js'), 'start', '--data', dataDir, '--sftp-port', String(port)],
    {
      cwd: ROOT,
      env: cleanEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (c) => {
      code = c;
      resolve(c);
    }),
  );
  const deadline = Date.now() + 120_000;
  // Up: its summary printed (its Ctrl-C handler is in place from before the summary's first line), and what the
  // caller waits for.
  while (!(output.includes('Local mode is up') && ready())) {
    if (code !== undefined) throw new Error(`local mode exited (${code}) while starting:\n${output}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`local mode did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    output: () => output,
    stop: async () => {
      if (code === undefined) process.kill(-child.pid!, 'SIGINT');
      return exited;
    },
  };
}

describe("local mode restarts with a vendor's bad upload waiting", () => {
  it('a file named in 254 bytes left in the inbox: every restart comes up, it gets its receipt, nothing is an internal error', async () => {
    const dataDir = join(scratch, 'data');
    const port = await freePort();
    const outbox = join(dataDir, 'objects', 'outbox', 'demo-vendor');
    const samples = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.xml'));
    const first = await start(dataDir, port, () => samples.every((f) => existsSync(join(outbox, `${f}.receipt.json`))));
    expect(await first.stop()).toBe(0);

    // What the endpoint took before it checked names: a 254-byte name (here without personal data, but a name may hold it).
    const long = `${'n'.repeat(250)}.xml`;
    const inbox = join(dataDir, 'objects', 'inbox', 'demo-vendor');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(join(inbox, long), readFileSync(join(ROOT, 'samples', 'club-valid.xml')));
    const receipt = join(outbox, diskSegment(`${long}.receipt.json`));
    for (let restart = 0; restart < 2; restart++) {
      const run = await start(dataDir, port, () => existsSync(receipt));
      expect(await run.stop()).toBe(0);
      expect(run.output()).not.toContain('internal error');
      // Its finished line names it, as every upload's does; no line about an error does.
      expect(
        run
          .output()
          .split('\n')
          .filter((line) => /\berror\b/i.test(line) && line.includes(long)),
      ).toEqual([]);
    }
    const events = readFileSync(join(dataDir, 'logs', 'local.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      events.filter((e) => e.event === 'upload-error' || e.event === 'resume-error' || 'error' in e),
      JSON.stringify(events.filter((e) => 'error' in e || String(e.event).includes('error'))),
    ).toEqual([]);
    expect((JSON.parse(readFileSync(receipt, 'utf8')) as { file: string }).file).toBe(long);
  }, 300_000);
});
