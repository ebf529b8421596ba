import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { DynamoDbLocalFiles } from './install-dynamodb-local.js';
import { freePort } from '../loopback/free-port.js';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /**
   * `loopback`: it accepts connections on 127.0.0.1 only. `all`: on every interface, as the jar alone does (it has
   * no option for the address), when no Java compiler was found to build the launcher that binds it.
   */
  readonly listensOn: 'loopback' | 'all';
  /** The java process's id. */
  readonly pid: number | undefined;
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

const run = promisify(execFile);

/**
 * DynamoDB Local's own main (ServerRunner) makes its Jetty server with a port only, which listens on every
 * interface, and has no option for the address. This launcher builds the same server from the same arguments, sets
 * its connector's host to 127.0.0.1 before starting it, and leaves out ServerRunner's telemetry set-up altogether.
 * It also dies with its parent: its standard input is a pipe from the Node process, which the kernel closes when
 * that process ends however it ends (kill -9, a crash), and a daemon thread exits on its end of file. Without it
 * every crash of local mode left a DynamoDB Local running, holding its port and its data folder (issue 15).
 */
export const LOOPBACK_LAUNCHER = 'LokDynamoDbLocal';
const LAUNCHER_SOURCE = `import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class ${LOOPBACK_LAUNCHER} {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) ((ServerConnector) connector).setHost("127.0.0.1");
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) { }
      } catch (java.io.IOException ignored) {
      }
      System.exit(0);
    });
    parentWatch.setDaemon(true);
    parentWatch.start();
    proxy.start();
  }
}
`;

/**
 * The launcher's classes folder beside the jar, compiled with the JDK's javac on first use (once per source, kept
 * in the cache); undefined when there is no javac (a JRE only).
 */
async function loopbackLauncher(files: DynamoDbLocalFiles): Promise<string | undefined> {
  const version = createHash('sha256').update(LAUNCHER_SOURCE).digest('hex').slice(0, 12);
  const classes = join(dirname(resolve(files.jar)), `lok-loopback-${version}`);
  if (existsSync(join(classes, `${LOOPBACK_LAUNCHER}.class`))) return classes;
  const staging = `${classes}.partial-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(join(staging, `${LOOPBACK_LAUNCHER}.java`), LAUNCHER_SOURCE);
    const classpath = [resolve(files.jar), join(resolve(files.libraries), '*')].join(delimiter);
    await run('javac', ['-cp', classpath, '-d', staging, join(staging, `${LOOPBACK_LAUNCHER}.java`)]);
    // Renamed into place whole; another process may have got there first with the same classes.
    if (!existsSync(classes)) renameSync(staging, classes);
    return classes;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The java command line: through the loopback launcher when there is one, else the jar's own main. Either way
 * `-disableTelemetry` (and DDB_LOCAL_TELEMETRY=0 in its environment): DynamoDB Local otherwise reports usage to AWS
 * and keeps an installation id in `dynamodb-local-metadata.json` in its working directory. Paths are absolute,
 * since it runs in the jar's folder rather than in the caller's.
 */
function javaArguments(
  files: DynamoDbLocalFiles,
  launcher: string | undefined,
  port: number,
  dataDir: string | undefined,
): string[] {
  const storage = dataDir === undefined ? ['-inMemory'] : ['-dbPath', resolve(dataDir)];
  const main =
    launcher === undefined
      ? ['-jar', resolve(files.jar)]
      : ['-cp', [resolve(files.jar), launcher].join(delimiter), LOOPBACK_LAUNCHER];
  return [
    `-Djava.library.path=${resolve(files.libraries)}`,
    '-Xms64m',
    '-Xmx512m',
    ...main,
    ...storage,
    '-sharedDb',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
}

/**
 * Starts DynamoDB Local (Java 17 or newer on the PATH) on 127.0.0.1 (see LOOPBACK_LAUNCHER) and waits until it answers. It runs in the jar's
 * own (git-ignored) folder, so whatever it writes to its working directory never lands in the checkout.
 */
export async function startDynamoDbLocal(
  files: DynamoDbLocalFiles,
  options: StartOptions = {},
): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const launcher = await loopbackLauncher(files);
  const child: ChildProcess = spawn('java', javaArguments(files, launcher, port, options.dataDir), {
    // Its standard input is the pipe it watches to die with this process (LOOPBACK_LAUNCHER); nothing is written to it.
    cwd: dirname(resolve(files.jar)),
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
  });
  child.stdin?.on('error', () => undefined);
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
      throw new Error(
        `DynamoDB Local did not start on port ${port} (is Java 17 installed?): ${stderr.trim() || 'no output'}`,
      );
    }
    await sleep(100);
  }
  return {
    endpoint,
    port,
    listensOn: launcher === undefined ? 'all' : 'loopback',
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(2000).then(() => false)]);
      if (!stopped) child.kill('SIGKILL');
    },
  };
}
