import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDbLocalFiles } from './install-dynamodb-local.js';
import { freePort } from '../loopback/free-port.js';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A folder to keep the data in between runs; in memory when absent. */
  readonly dataDir?: string;
  readonly port?: number;
  /** How long to wait for it to answer. */
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

/** Starts DynamoDB Local (Java 17 or newer on the PATH) on loopback and waits until it answers. */
export async function startDynamoDbLocal(files: DynamoDbLocalFiles, options: StartOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const storage = options.dataDir === undefined ? ['-inMemory'] : ['-dbPath', options.dataDir];
  const child: ChildProcess = spawn('java', [
    `-Djava.library.path=${files.libraries}`, '-Xms64m', '-Xmx512m',
    '-jar', files.jar, ...storage, '-sharedDb', '-port', String(port),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
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
