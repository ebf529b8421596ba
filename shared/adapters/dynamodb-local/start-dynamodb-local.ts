import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDbLocalFiles } from './install-dynamodb-local.js';
import { freePort } from '../loopback/free-port.js';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A folder to keep the data in between runs (relative to the caller's working directory); in memory when absent. */
  readonly dataDir?: string;
  /** The loopback port; a free one when absent. */
  readonly port?: number;
  /** How long to wait for it to answer; 30 s when absent. */
  readonly timeoutMs?: number;
}

/** Answers once DynamoDB Local serves HTTP: any response at all (it answers 400 to a bare GET). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(500) });
    return true;
  } catch {
    return false;
  }
}

/**
 * The java command line. `-disableTelemetry`: DynamoDB Local otherwise reports usage to AWS and keeps an installation
 * id in `dynamodb-local-metadata.json` in its working directory; with the flag it sends nothing and writes no such
 * file. Paths are absolute, since it runs in the jar's folder rather than in the caller's.
 */
function javaArguments(files: DynamoDbLocalFiles, port: number, dataDir: string | undefined): string[] {
  const storage = dataDir === undefined ? ['-inMemory'] : ['-dbPath', resolve(dataDir)];
  return [
    `-Djava.library.path=${resolve(files.libraries)}`, '-Xms64m', '-Xmx512m',
    '-jar', resolve(files.jar), ...storage, '-sharedDb', '-port', String(port), '-disableTelemetry',
  ];
}

/**
 * Starts DynamoDB Local (Java 17 or newer on the PATH) on loopback and waits until it answers. It runs in the jar's
 * own (git-ignored) folder, so whatever it writes to its working directory never lands in the checkout.
 */
export async function startDynamoDbLocal(files: DynamoDbLocalFiles, options: StartOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn('java', javaArguments(files, port, options.dataDir), {
    cwd: dirname(resolve(files.jar)), stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.once('error', (error) => {
    stderr += `\n${error.message}`;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not start on port ${port} (is Java 17 installed?): ${stderr.trim() || 'no output'}`);
    }
    await sleep(100);
  }
  return {
    endpoint,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(2000).then(() => false)]);
      if (!stopped) child.kill('SIGKILL');
    },
  };
}
