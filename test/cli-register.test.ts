import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbLocal } from '../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { dynamoDbForTests } from './support/dynamodb.js';
import { scratchForFile } from './support/for-file.js';
import { TEST_KEY } from './support/pipeline.js';
import {
  cleanEnv,
  ROOT,
  runCli,
  startLocalModeProcess,
  type CliResult,
  type LocalModeProcess,
} from './support/run-cli.js';

/**
 * Which register a command talks to (issue 14, item 1): a local mode really running (`lok-importer start` in a
 * temp folder), and a second DynamoDB Local that stands in for AWS (the SDK's AWS_ENDPOINT_URL_DYNAMODB), so that
 * "AWS" here is a real DynamoDB that we can look into afterwards. Every command says which register, once.
 */

const scratch = scratchForFile('lok-cli-register-');
let local: LocalModeProcess;
let aws: DynamoDbLocal;

beforeAll(async () => {
  [local, aws] = await Promise.all([
    startLocalModeProcess(join(scratch, 'local')),
    dynamoDbForTests().then((d) => {
      d.client.destroy();
      return d.local;
    }),
  ]);
}, 180_000);

afterAll(async () => {
  expect(await local?.stop()).toBe(0);
  await aws?.stop();
});

/** The CLI with nothing configured but what is given, from `cwd` (default the repository). */
function lok(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<CliResult> {
  return runCli(args, { cwd, env: { ...cleanEnv(), LOK_LOCAL_DIR: local.dataDir, ...env } });
}

/** AWS as the SDK finds it from the environment, its DynamoDB being the stand-in. */
const AWS_ENV = { AWS_REGION: 'eu-north-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
const awsEnv = () => ({ ...AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: aws.endpoint });

async function tables(endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

function registerLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('register: '));
}

describe('which register a command talks to', () => {
  it('nothing configured: the running local mode, and the command says so once', async () => {
    const result = await lok(['activities', '--club', '100042', '--period', '2026-2', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(registerLines(result.stderr)).toEqual([
      `register: local mode (DynamoDB Local at ${local.runtime.endpoint}, data in ${local.dataDir})`,
    ]);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBeGreaterThan(0);
  });

  it('LOK_REGISTER_TABLE and AWS_REGION mean AWS even while local mode runs: a table missing there is an error, created nowhere', async () => {
    const before = await tables(local.runtime.endpoint);
    const result = await lok(['activities', '--club', '100042', '--period', '2026-2'], {
      ...awsEnv(),
      LOK_REGISTER_TABLE: 'LokImporter-test-Register',
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(registerLines(result.stderr)).toEqual([
      `register: AWS table LokImporter-test-Register in eu-north-1 (endpoint ${aws.endpoint})`,
    ]);
    expect(result.stderr).toMatch(
      /lok-importer activities: the register table LokImporter-test-Register does not exist in AWS .*RegisterTableName/,
    );
    expect(await tables(aws.endpoint)).not.toContain('LokImporter-test-Register');
    expect(await tables(local.runtime.endpoint)).toEqual(before);
  });

  it.each([
    ['--table', ['--table', 'LokImporter-test-Register'], {}, /no AWS region configured/],
    ['AWS_ACCESS_KEY_ID', [], { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, /no AWS region configured/],
    ['AWS_PROFILE', [], { AWS_PROFILE: 'lok-test' }, /no AWS region configured/],
    [
      'AWS_REGION',
      [],
      { AWS_REGION: 'eu-north-1' },
      /^register: AWS table register in eu-north-1 .*\n.*no AWS credentials found/,
    ],
  ])('%s alone means AWS too, never local mode, and the error says why AWS', async (what, flags, env, problem) => {
    const result = await lok(['totals', '--club', '100042', ...flags], {
      ...env,
      AWS_ENDPOINT_URL_DYNAMODB: aws.endpoint,
      AWS_CONFIG_FILE: join(scratch, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(problem);
    expect(result.stderr).toContain(
      `(AWS is used because ${what} is set; with nothing of AWS set, the running local mode is)\n`,
    );
    expect(registerLines(result.stderr).filter((l) => l.includes('local mode'))).toEqual([]);
  });

  it('an admin command in AWS creates no table either', async () => {
    const result = await lok(['vendor', 'add', 'acme', '--name', 'Acme AB', '--purpose', 'LOK'], {
      ...awsEnv(),
      LOK_REGISTER_TABLE: 'LokImporter-test-Register',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not exist in AWS/);
    expect(await tables(aws.endpoint)).not.toContain('LokImporter-test-Register');
  });

  it('local mode not running: the query says so and how to start it', async () => {
    const result = await lok(['totals', '--club', '100042'], { LOK_LOCAL_DIR: join(scratch, 'stopped') });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `lok-importer totals: no register configured, and local mode is not running (no live ${join(scratch, 'stopped', 'runtime.json')}): ` +
        `start it with \`npx lok-importer start --data ${join(scratch, 'stopped')}\` and run this again, or name a register: ` +
        'LOK_DYNAMODB_ENDPOINT for DynamoDB Local, LOK_REGISTER_TABLE and AWS_REGION (with AWS credentials) for AWS\n',
    );
    const fromRepo = await runCli(['totals', '--club', '100042'], { cwd: scratch, env: cleanEnv() });
    expect(fromRepo.stderr).toMatch(/local mode is not running .*start it with `npm start` in the repository/);
  });

  it('an explicit endpoint: a query on a missing table is an error and creates none; vendor add creates it', async () => {
    const env = { LOK_DYNAMODB_ENDPOINT: aws.endpoint, LOK_REGISTER_TABLE: 'second-register' };
    const query = await lok(['imports', '--vendor', 'demo-vendor'], env);
    expect(query.code).toBe(2);
    expect(registerLines(query.stderr)).toEqual([`register: table second-register at DynamoDB ${aws.endpoint}`]);
    expect(query.stderr).toMatch(
      /the register table second-register does not exist at .*: vendor add, club add or import creates it/,
    );
    expect(await tables(aws.endpoint)).not.toContain('second-register');
    expect((await lok(['vendor', 'add', 'demo-vendor', '--name', 'Demo AB', '--purpose', 'LOK-stöd'], env)).code).toBe(
      0,
    );
    expect(await tables(aws.endpoint)).toContain('second-register');
  });

  it("the README's second register keeps its receipts in a folder of its own, never in local mode's outbox", async () => {
    const cwd = mkdtempSync(join(scratch, 'walkthrough-'));
    const env = { LOK_DYNAMODB_ENDPOINT: aws.endpoint, LOK_IDENTITY_KEY: TEST_KEY };
    const outbox = join(local.runtime.objectsDir, 'outbox', 'demo-vendor');
    const before = readdirSync(outbox).sort();
    expect(
      (await lok(['vendor', 'add', 'demo-vendor', '--name', 'Demo AB', '--purpose', 'LOK-stöd'], env, cwd)).code,
    ).toBe(0);
    expect(
      (
        await lok(
          ['club', 'add', '100042', '--name', 'IK Demo', '--sport', 'Fotboll', '--federation', 'SvFF'],
          env,
          cwd,
        )
      ).code,
    ).toBe(0);
    expect(
      (await lok(['club', 'activate', '100042', '--vendor', 'demo-vendor', '--from', '2026-01-01'], env, cwd)).code,
    ).toBe(0);
    const imported = await lok(
      ['import', join(ROOT, 'samples', 'club-valid.xml'), '--vendor', 'demo-vendor', '--today', '2026-11-25'],
      env,
      cwd,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(registerLines(imported.stderr)).toEqual([`register: table register at DynamoDB ${aws.endpoint}`]);
    expect(existsSync(join(cwd, '.register', 'objects', 'outbox', 'demo-vendor', 'club-valid.xml.receipt.json'))).toBe(
      true,
    );
    expect(readdirSync(outbox).sort()).toEqual(before);
  });
});
