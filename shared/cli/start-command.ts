import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { surviveGonePeers } from '../local/gone-peers.js';
import {
  DEFAULT_SFTP_PORT,
  DEMO_CLUB,
  DEMO_VENDOR,
  localLayout,
  SFTP_HOST,
  startLocalMode,
  type LocalMode,
} from '../local/local-mode.js';
import { uploadWithClient } from '../local/upload-with-client.js';
import { folderPrefix } from '../core/storage/bucket-layout.js';
import { command, type CommandInput } from './command.js';
import { LOG_FORMATS, localLog, type LogFormat } from './local-log.js';
import { UsageError } from './usage-error.js';

/** The environment variable that moves `npm start`'s SFTP port (the flag `--sftp-port` wins over it). */
export const SFTP_PORT_ENV = 'LOK_SFTP_PORT';

export const START_HELP = `Local mode: the whole Importer on this machine, no AWS account. Starts DynamoDB Local (data kept in DIR, listening
on 127.0.0.1 only, telemetry off), the object store on disk, an SFTP endpoint on ${SFTP_HOST} (one user per vendor,
public-key login, each jailed to inbox/ and outbox/; ed25519, ECDSA and RSA host keys kept in DIR/keys) and the
pipeline runner. On first start it creates the demo vendor ${DEMO_VENDOR} with a key pair and the demo club
${DEMO_CLUB}, uploads the sample files over SFTP and prints the verdicts. Then it prints a summary: the host key
fingerprints and the sftp command to paste (it trusts the host keys through DIR/known_hosts, so it also runs
under sftp -b). Ctrl-C stops everything.

  --fresh               wipe the data folder first
  --data DIR            the data folder (default .local)
  --sftp-port N         SFTP port (default ${SFTP_PORT_ENV}, else ${DEFAULT_SFTP_PORT})
  --dynamodb-port N     DynamoDB Local port (default: a free one)
  --log-format FORMAT   human (default): the summary and a line per imported file on standard output;
                        json: every event as a JSON line on standard output (the summary on standard error)
  -h, --help            this text

Either way every event is also written as a JSON line to DIR/logs/local.jsonl (this run's; ids and codes only,
never personal data).
`;

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${name} must be a port number, got ${value}`);
  return n;
}

function logFormat(value: string | undefined): LogFormat {
  if (value === undefined) return 'human';
  if (!(LOG_FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--log-format must be human or json, got ${value}`);
  return value as LogFormat;
}

/** A path as a person would type it here: relative below the working directory, quoted when it needs to be. */
function shellPath(path: string): string {
  const below = relative(process.cwd(), path);
  const shown = below !== '' && !below.startsWith('..') && !isAbsolute(below) ? below : path;
  return /^[\w./@:+-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}

/** The command that uploads as the demo vendor, trusting the endpoint through local mode's known_hosts (also under `-b`). */
export function sftpCommand(local: Pick<LocalMode, 'sftpPort' | 'demoKeyPath' | 'layout'>): string {
  return `sftp -P ${local.sftpPort} -i ${shellPath(local.demoKeyPath)} -o UserKnownHostsFile=${shellPath(local.layout.knownHostsFile)} ${DEMO_VENDOR}@${SFTP_HOST}`;
}

/** How long the start took, and from when: `npm start` (its build included) where that can be known, else this process. */
export interface StartTime {
  readonly seconds: number;
  readonly since: 'npm start' | 'process';
}

/**
 * Seconds since `npm start` began, on Linux: npm runs `npm run build && node … start` in a shell (or execs node
 * from it), so the parent process began before the build. Undefined when not run by `npm start` or without /proc.
 */
function sinceNpmStart(): number | undefined {
  if (process.env.npm_lifecycle_event !== 'start') return undefined;
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    // Field 22 (starttime, in clock ticks after boot; 100 a second on Linux), counted after the `(comm)` field.
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const seconds = uptime - startTicks / 100;
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

export function startTime(): StartTime {
  const npm = sinceNpmStart();
  return npm === undefined
    ? { seconds: performance.now() / 1000, since: 'process' }
    : { seconds: npm, since: 'npm start' };
}

/** The short summary a person reads once it is up. */
function summary(local: LocalMode, took: StartTime): string[] {
  const width = Math.max(...local.hostKeys.map((key) => key.publicKey.split(' ')[0]!.length));
  return [
    took.since === 'npm start'
      ? `Local mode is up, ${took.seconds.toFixed(1)} s after npm start (the build and the samples' import included).`
      : `Local mode is up, ${took.seconds.toFixed(1)} s after this process started (the samples' import included; a build before it not).`,
    `  SFTP        ${SFTP_HOST}:${local.sftpPort}, one user per vendor, public-key login; its host keys (in ${shellPath(local.layout.knownHostsFile)}):`,
    ...local.hostKeys.map((key) => `              ${key.publicKey.split(' ')[0]!.padEnd(width)} ${key.fingerprint}`),
    `  club web    ${local.webUrl}  the club's page: verdicts and the application (sign in as official-${DEMO_CLUB} or rf-support)`,
    `  upload      ${sftpCommand(local)}`,
    `              sftp> put my-export.xml inbox/`,
    `  receipts    sftp> get outbox/my-export.xml.receipt.json   (on disk: ${shellPath(join(local.layout.objectsDir, folderPrefix('outbox'), DEMO_VENDOR))}/, also .receipt.txt)`,
    `  register    DynamoDB Local ${local.endpoint}${local.dynamodbListensOn === 'loopback' ? ' (127.0.0.1 only)' : ' (every interface: no javac)'}, data in ${shellPath(local.layout.dynamodbDir)}`,
    `  queries     npx lok-importer activities --club ${DEMO_CLUB} --period 2026-2 (in another terminal: it uses this local mode)`,
    `  full log    ${shellPath(local.layout.logFile)} (JSON lines)`,
    'Ctrl-C stops.',
  ];
}

const OPTIONS = {
  fresh: { type: 'boolean' },
  data: { type: 'string' },
  'sftp-port': { type: 'string' },
  'dynamodb-port': { type: 'string' },
  'log-format': { type: 'string' },
} as const;

export const START_COMMANDS = [
  command({
    name: 'start',
    usage: [
      {
        args: '[--fresh] [--data DIR] [--sftp-port N] [--dynamodb-port N] [--log-format human|json]',
        summary: 'SFTP (port 2222), DynamoDB Local, pipeline runner',
      },
    ],
    help: START_HELP,
    options: OPTIONS,
    run: start,
  }),
];

async function start({ values, positionals }: CommandInput<typeof OPTIONS>): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`start takes no argument ${positionals[0]}`);
  const sftpPort =
    port('--sftp-port', values['sftp-port']) ?? port(SFTP_PORT_ENV, process.env[SFTP_PORT_ENV]) ?? DEFAULT_SFTP_PORT;
  const dynamodbPort = port('--dynamodb-port', values['dynamodb-port']);
  const dataDir = values.data ?? '.local';
  const output = localLog({ format: logFormat(values['log-format']), file: localLayout(dataDir).logFile });
  // One vendor's upload must not end the process that serves every vendor (issue 15; shared/local/gone-peers.ts).
  surviveGonePeers(output.log);
  let local: LocalMode;
  try {
    local = await startLocalMode({
      dataDir,
      fresh: values.fresh === true,
      sftpPort,
      ...(dynamodbPort ? { dynamodbPort } : {}),
      say: output.say,
      log: output.log,
      uploadDemo: uploadWithClient,
    });
  } catch (error) {
    output.close();
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || (error as { port?: number }).port !== sftpPort)
      throw error;
    process.stderr.write(
      `lok-importer start: SFTP port ${sftpPort} on ${SFTP_HOST} is taken (another local mode?): choose another with --sftp-port N or ${SFTP_PORT_ENV}=N\n`,
    );
    return 2;
  }
  const took = startTime();
  output.log({
    event: 'local-mode.ready',
    seconds: took.seconds,
    since: took.since,
    sftp: {
      host: SFTP_HOST,
      port: local.sftpPort,
      hostKeys: local.hostKeys.map((k) => ({ type: k.type, fingerprint: k.fingerprint })),
      command: sftpCommand(local),
    },
    dynamodb: local.endpoint,
    logFile: local.layout.logFile,
  });
  // Ctrl-C stops it cleanly from before the summary's first line: the lines go to a pipe synchronously, and a
  // caller that reads "Local mode is up" may signal at once (a signal before the handler killed the process).
  const stopped = stopOnSignal(local, output);
  for (const line of summary(local, took)) output.say(line);
  await stopped;
  return 0;
}

/** Resolves once SIGINT or SIGTERM has stopped local mode (the servers, DynamoDB Local) and closed the log. */
function stopOnSignal(local: LocalMode, output: ReturnType<typeof localLog>): Promise<void> {
  return new Promise<void>((resolveStop) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      output.say('Stopping…');
      void local.stop().then(() => {
        output.close();
        resolveStop();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
