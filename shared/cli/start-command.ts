import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Receipt } from '../core/receipt/receipt.js';
import { DEMO_VENDOR, startLocalMode } from '../local/local-mode.js';
import { uploadWithClient } from '../local/upload-with-client.js';
import { localLog } from './local-log.js';
import { UsageError } from './usage-error.js';

export const START_HELP = `Usage: lok-importer start [--fresh] [--data DIR] [--sftp-port N] [--dynamodb-port N]

Local mode: the whole Importer on this machine, no AWS account. Starts DynamoDB Local (data kept in DIR), the
object store on disk, an SFTP endpoint on 127.0.0.1 (one user per vendor, public-key login, each jailed to
inbox/ and outbox/) and the pipeline runner. On first start it creates the demo vendor ${DEMO_VENDOR} with a key
pair and the demo club 100042, uploads the sample files over SFTP and prints the verdicts. Then it prints the
sftp command to paste. Ctrl-C stops everything.

  --fresh             wipe the data folder first
  --data DIR          the data folder (default .local)
  --sftp-port N       SFTP port (default: a free one)
  --dynamodb-port N   DynamoDB Local port (default: a free one)
  -h, --help          this text

Logs on standard error: on a terminal a line per upload and step, otherwise one JSON line per event (ids and
codes only, never personal data); the summary on standard output.
`;

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number, got ${value}`);
  return n;
}

export async function startCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { fresh: { type: 'boolean' }, data: { type: 'string' }, 'sftp-port': { type: 'string' }, 'dynamodb-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(START_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`start takes no argument ${positionals[0]}`);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const started = Date.now();
  const sftpPort = port('sftp-port', values['sftp-port']);
  const dynamodbPort = port('dynamodb-port', values['dynamodb-port']);
  const local = await startLocalMode({
    dataDir: values.data ?? '.local', fresh: values.fresh === true,
    ...(sftpPort ? { sftpPort } : {}), ...(dynamodbPort ? { dynamodbPort } : {}),
    say, log: localLog(),
    uploadDemo: uploadWithClient,
  });
  const outbox = join(local.layout.objectsDir, 'outbox', DEMO_VENDOR);
  if (existsSync(outbox)) {
    for (const name of readdirSync(outbox).filter((f) => f.endsWith('.receipt.json')).sort()) {
      const receipt = JSON.parse(readFileSync(join(outbox, name), 'utf8')) as Receipt;
      const { activities } = receipt.counts;
      say(`  ${receipt.file}: ${receipt.status}; activities approved ${activities.approved}, rejected ${activities.rejected}; errors ${receipt.errors.length}`);
    }
  }
  say(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. DynamoDB Local: ${local.endpoint}; files: ${local.layout.objectsDir}`);
  say('Upload a file into inbox/ and fetch its receipt from outbox/<file>.receipt.json:');
  say(`sftp -i ${local.demoKeyPath} -P ${local.sftpPort} ${DEMO_VENDOR}@127.0.0.1`);
  say('Other terminals: npx lok-importer activities --club 100042 --period 2026-2 (and the other queries) use this local mode. Ctrl-C stops.');
  await new Promise<void>((resolveStop) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      say('Stopping…');
      void local.stop().then(resolveStop);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return 0;
}
