import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../shared/adapters/loopback/free-port.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcessOptions {
  /** Default: the checkout. */
  readonly cwd?: string;
  /** Default: the test's own environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; default: never. */
  readonly timeoutMs?: number;
}

/** Runs a program without a TTY and collects what it writes: every test that runs a process goes through here. */
export function runProcess(command: string, args: readonly string[], options: ProcessOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** Runs the built `lok-importer` bin (npm test builds first) as a vendor would, without a TTY. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [`${ROOT}bin/lok-importer.js`, ...args], options);
}

/** Polls `probe` every 100 ms until it gives a value; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The parent's environment without any AWS or LOK settings of the machine, so that only a test's own apply. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('LOK_') && !k.startsWith('AWS_')),
  );
}

/** The built `lok-importer` bin running in a process group of its own, as a terminal runs it. */
export interface CliGroupProcess {
  /** What it printed so far. */
  readonly out: { stdout: string; stderr: string };
  /** Resolves with its exit code once it exits. */
  readonly exited: Promise<number | null>;
  /** Whether it has not exited yet. */
  running(): boolean;
  /** Sends `signal` to its process group (SIGINT: Ctrl-C, as a terminal sends it). */
  signal(signal: NodeJS.Signals): void;
}

/** Starts `lok-importer <args>` with `env` in a process group of its own, its output collected as it comes. */
export function startCliGroup(args: readonly string[], env: NodeJS.ProcessEnv): CliGroupProcess {
  const child = spawn(process.execPath, [`${ROOT}bin/lok-importer.js`, ...args], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => {
    out.stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    out.stderr += d.toString('utf8');
  });
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running = false;
      resolve(code);
    }),
  );
  return { out, exited, running: () => running, signal: (signal) => process.kill(-child.pid!, signal) };
}

/** What a running local mode tells the CLI (its data folder's runtime.json). */
export interface LocalModeRuntime {
  readonly endpoint: string;
  readonly table: string;
  readonly objectsDir: string;
  readonly sftpPort: number;
  /** The club's web page. */
  readonly webUrl: string;
}

export interface LocalModeProcess {
  readonly dataDir: string;
  readonly runtime: LocalModeRuntime;
  /** The demo vendor's private key, for SFTP. */
  readonly demoKeyPath: string;
  /** What it printed so far: standard output, then standard error. */
  output(): string;
  /** Ctrl-C to its process group, as a terminal sends it; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * `lok-importer start --data DIR` as a user runs it, in a process group of its own: resolved once it is up and
 * every sample it uploads on first start has its receipt in the demo vendor's outbox.
 */
export async function startLocalModeProcess(dataDir: string, timeoutMs = 120_000): Promise<LocalModeProcess> {
  // A port of its own, not the default 2222: other test files run local mode at the same time.
  const sftpPort = await freePort();
  const started = startCliGroup(['start', '--data', dataDir, '--sftp-port', String(sftpPort)], cleanEnv());
  const output = () => `${started.out.stdout}${started.out.stderr}`;
  const samples = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.xml'));
  const outbox = join(dataDir, 'objects', 'outbox', 'demo-vendor');
  const runtimeFile = join(dataDir, 'runtime.json');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!started.running()) throw new Error(`local mode exited while starting:\n${output()}`);
    if (existsSync(runtimeFile) && samples.every((f) => existsSync(join(outbox, `${f}.receipt.json`)))) break;
    if (Date.now() > deadline) {
      started.signal('SIGKILL');
      throw new Error(`local mode did not come up within ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    dataDir,
    runtime: JSON.parse(readFileSync(runtimeFile, 'utf8')) as LocalModeRuntime,
    demoKeyPath: join(dataDir, 'keys', 'demo-vendor_ed25519'),
    output,
    stop: async () => {
      if (started.running()) started.signal('SIGINT');
      return started.exited;
    },
  };
}
