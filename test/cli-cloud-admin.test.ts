import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRegisterAdmin } from '../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { registerTableDefinition } from '../shared/adapters/dynamodb/register-table.js';
import type { DynamoDbLocal } from '../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { dynamoDbForTests } from './support/dynamodb.js';
import { adminFunctionEnv } from './support/function-env.js';
import { ADMIN_FUNCTION, startLambdaStandIn, type LambdaStandIn } from './support/lambda-stand-in.js';
import { runCli } from './support/run-cli.js';

/**
 * `lok-importer … --cloud` end to end but for AWS itself: the CLI's real Lambda client sends its Invoke
 * request over HTTP to a loopback stand-in for the Lambda service (Lambda cannot run here), which calls the
 * real admin handler, which writes to DynamoDB Local. The stand-in only speaks the Invoke call.
 */
const TABLE = 'register-cloud-admin';
let dynamo: { local: DynamoDbLocal; client: import('@aws-sdk/client-dynamodb').DynamoDBClient };
let lambda: LambdaStandIn;

beforeAll(async () => {
  dynamo = await dynamoDbForTests();
  await dynamo.client.send(new CreateTableCommand(registerTableDefinition(TABLE)));
  Object.assign(process.env, adminFunctionEnv(TABLE, dynamo.local.endpoint));
  const { handler } = await import('../functions/vendor-admin.js');
  lambda = await startLambdaStandIn(ADMIN_FUNCTION, handler as (event: unknown, context: Context) => Promise<unknown>);
}, 120_000);

afterAll(async () => {
  await lambda?.close();
  dynamo?.client.destroy();
  await dynamo?.local.stop();
});

const cloud = (args: string[]) =>
  runCli([...args, '--cloud'], {
    env: {
      ...process.env,
      LOK_ADMIN_FUNCTION: ADMIN_FUNCTION,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      LOK_DYNAMODB_ENDPOINT: '',
      LOK_LOCAL_DIR: '/nonexistent',
    },
  });

describe('admin commands with --cloud', () => {
  it('add a vendor and a club and activate it through the admin function; refusals come back as codes', async () => {
    const added = await cloud([
      'vendor',
      'add',
      'acme',
      '--name',
      'Acme AB',
      '--purpose',
      'Närvaro för LOK-stöd',
      '--licence',
      'unlimited',
    ]);
    expect(added, added.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('vendor acme added') });
    expect(await cloud(['vendor', 'add', 'acme', '--name', 'Acme AB', '--purpose', 'x'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('VENDOR_EXISTS'),
    });
    expect(
      await cloud([
        'club',
        'add',
        '200001',
        '--name',
        'IK Moln',
        '--sport',
        'Fotboll',
        '--federation',
        'Svenska Fotbollförbundet',
      ]),
    ).toMatchObject({ code: 0 });
    expect(await cloud(['club', 'activate', '200001', '--vendor', 'acme', '--from', '2026-01-01'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('activated vendor acme'),
    });
    expect(await cloud(['club', 'activate', '200001', '--vendor', 'nobody', '--from', '2026-01-01'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('UNKNOWN_VENDOR'),
    });
    expect(await cloud(['vendor', 'key', 'rotate', 'acme', '--key', 'test/cli-cloud-admin.test.ts'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('INVALID_ADMIN_INPUT'),
    });
    expect(lambda.invocations.every((name) => name === 'LokImporter-test-VendorAdminFunction')).toBe(true);
    expect(lambda.invocations).toHaveLength(6);

    const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(dynamo.client), TABLE);
    expect(await admin.vendor('acme')).toMatchObject({ id: 'acme', licence: 'unlimited' });
    expect(await admin.activeClubs('acme')).toEqual(['200001']);
  }, 60_000);
});
