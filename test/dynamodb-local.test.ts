import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTableDefinition } from '../shared/adapters/dynamodb/register-table.js';
import { LOOPBACK_LAUNCHER, type DynamoDbLocal } from '../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { dynamoDbForTests } from './support/dynamodb.js';
import { ROOT } from './support/run-cli.js';

/** The file DynamoDB Local keeps its installation id and telemetry setting in, in its working directory. */
const METADATA_FILE = 'dynamodb-local-metadata.json';

/** The java process serving `port` as Linux sees it: its command line and working directory. */
function javaProcessOn(port: number): { readonly args: string[]; readonly cwd: string; readonly env: string[] } {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const portAt = args.indexOf('-port');
    if (
      args.some((arg) => arg.split(delimiter).some((part) => part.endsWith('DynamoDBLocal.jar'))) &&
      portAt >= 0 &&
      args[portAt + 1] === String(port)
    ) {
      return {
        args,
        cwd: readlinkSync(`/proc/${pid}/cwd`),
        env: readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'),
      };
    }
  }
  throw new Error(`no DynamoDB Local process on port ${port}`);
}

/** The local addresses Linux lists as listening on `port` (/proc/net/tcp and tcp6, state 0A), as hex as it shows them. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`))
      .map((fields) => fields[1]!.split(':')[0]!),
  );
}

/** 127.0.0.1 as /proc/net lists it: in tcp, and IPv4-mapped (::ffff:127.0.0.1) in tcp6. */
const LOOPBACK_HEX = ['0100007F', '0000000000000000FFFF00000100007F'];

// The store the pipeline will use, run for real: what the adapters rely on must hold here, not in a mock.
describe('DynamoDB Local, as the tests and local mode run it', () => {
  let local: DynamoDbLocal;
  let client: DynamoDBClient;

  beforeAll(async () => {
    ({ local, client } = await dynamoDbForTests());
    await client.send(new CreateTableCommand(registerTableDefinition('register')));
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await local?.stop();
  });

  it.skipIf(!existsSync('/proc/self/cmdline'))(
    'runs with telemetry off, outside the checkout, leaving no metadata file',
    () => {
      const java = javaProcessOn(local.port);
      expect(java.args).toContain('-disableTelemetry');
      expect(java.env).toContain('DDB_LOCAL_TELEMETRY=0'); // the variable AWS documents, as well
      expect(java.cwd).not.toBe(process.cwd());
      expect(existsSync(join(process.cwd(), METADATA_FILE))).toBe(false);
      expect(existsSync(join(java.cwd, METADATA_FILE))).toBe(false); // with telemetry off it writes none at all
    },
  );

  it.skipIf(!existsSync('/proc/net/tcp'))(
    'listens on 127.0.0.1 only (through the launcher: the jar alone has no option for it)',
    () => {
      expect(local.listensOn).toBe('loopback');
      expect(javaProcessOn(local.port).args).toContain(LOOPBACK_LAUNCHER);
      const addresses = listeningAddresses(local.port);
      expect(addresses.length).toBeGreaterThan(0);
      for (const address of addresses) expect(LOOPBACK_HEX).toContain(address);
    },
  );

  it('refuses a conditional write that would overwrite', async () => {
    const put = () =>
      client.send(
        new PutItemCommand({
          TableName: 'register',
          Item: { pk: { S: 'FILE#v#abc' }, sk: { S: 'LEDGER' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put();
    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('applies a transaction whole or not at all', async () => {
    const items = (n: number) =>
      [0, 1].map((i) => ({
        Put: {
          TableName: 'register',
          Item: { pk: { S: `T#${n}` }, sk: { S: String(i) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      }));
    await client.send(new TransactWriteItemsCommand({ TransactItems: items(1) }));
    await expect(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            ...items(2),
            {
              Put: {
                TableName: 'register',
                Item: { pk: { S: 'T#1' }, sk: { S: '0' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(TransactionCanceledException);
    const after = await client.send(
      new QueryCommand({
        TableName: 'register',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'T#2' } },
      }),
    );
    expect(after.Items).toEqual([]);
  });

  it('writes a batch of 25 and finds them through a global secondary index', async () => {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          register: Array.from({ length: 25 }, (_, i) => ({
            PutRequest: {
              Item: {
                pk: { S: `A#${i}` },
                sk: { S: 'A' },
                gsi1pk: { S: 'CLUB#100042' },
                gsi1sk: { S: `2026-11-${String(i + 1).padStart(2, '0')}` },
              },
            },
          })),
        },
      }),
    );
    const found = await client.send(
      new QueryCommand({
        TableName: 'register',
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :c AND gsi1sk BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':c': { S: 'CLUB#100042' }, ':a': { S: '2026-11-10' }, ':b': { S: '2026-11-14' } },
      }),
    );
    expect(found.Items?.map((item) => item.gsi1sk?.S)).toEqual([
      '2026-11-10',
      '2026-11-11',
      '2026-11-12',
      '2026-11-13',
      '2026-11-14',
    ]);
  });
});

// Issue 15: every crash of local mode left DynamoDB Local running (its port and data folder held) beside the next.
describe('DynamoDB Local dies with the process that started it', () => {
  /** Running: there, and not a zombie waiting for whoever inherited it to reap it. */
  function alive(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  }

  it('a parent killed with SIGKILL takes its DynamoDB Local with it within seconds', async () => {
    const parent = spawn(
      process.execPath,
      [join(ROOT, 'test/support/dynamodb-local-child.mjs'), join(ROOT, '.cache')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      parent.once('exit', (code) => reject(new Error(`the parent exited first (${code})`)));
    });
    const { pid, listensOn } = JSON.parse(line) as { pid: number; listensOn: string };
    expect(listensOn).toBe('loopback');
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    const until = Date.now() + 10_000;
    while (alive(pid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    const orphan = alive(pid);
    if (orphan) process.kill(pid, 'SIGKILL');
    expect(orphan, 'DynamoDB Local still running after its parent died').toBe(false);
  }, 60_000);
});
