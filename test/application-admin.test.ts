import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbApplicationStore } from '../shared/adapters/dynamodb/application-store-dynamodb.js';
import type { AdminRequest } from '../shared/core/admin/admin-request.js';
import { clubFile } from './support/club-file.js';
import { adminFunctionEnv } from './support/function-env.js';
import { ADMIN_FUNCTION, startLambdaStandIn, type LambdaStandIn } from './support/lambda-stand-in.js';
import { importText, registerForFile } from './support/pipeline.js';
import { runCli } from './support/run-cli.js';

/**
 * The application's use-cases as admin requests of the cloud's admin function (functions/vendor-admin.ts), on
 * DynamoDB Local; and `lok-importer application … --cloud`, whose Invoke goes to a loopback stand-in for the
 * Lambda service that calls the real handler (as test/cli-cloud-admin.test.ts does).
 */
const db = registerForFile(['v1'], ['100001']);
let handler: (event: unknown, context: Context) => Promise<unknown>;
let lambda: LambdaStandIn;
const context = {
  functionName: 'admin',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const invoke = (request: AdminRequest | Record<string, unknown>) => handler(request, context);

beforeAll(async () => {
  expect(
    (
      await importText(
        db.register,
        'v1',
        'nov.xml',
        clubFile('v1', '100001', '2026-11-24T08:00:00+01:00', [{ id: 'A1', date: '2026-11-16' }]),
      )
    ).kind,
  ).toBe('done');
  Object.assign(process.env, adminFunctionEnv(db.register.table, db.endpoint), {
    IMPORT_STATE_MACHINE_ARN: 'arn:aws:states:eu-north-1:111122223333:stateMachine:import',
  });
  handler = (await import('../functions/vendor-admin.js')).handler as typeof handler;
  lambda = await startLambdaStandIn(ADMIN_FUNCTION, handler);
}, 120_000);

afterAll(async () => {
  await lambda?.close();
});

describe("a club's application through the admin function", () => {
  it('answers what the application holds, sends it once and exports its rows; refusals as codes', async () => {
    expect(
      await invoke({ action: 'application', club: '100001', period: '2026-2', today: '2026-11-25' }),
    ).toMatchObject({ ok: true, value: { main: { canSubmit: true, totals: { approvedActivities: 1 } } } });
    const request = {
      club: '100001',
      period: '2026-2',
      kind: 'main',
      by: 'rf-support',
      requestId: 'admin-000001',
    } as const;
    const sent = (await invoke({ action: 'application-submit', request, today: '2026-11-25' })) as {
      ok: true;
      value: unknown;
    };
    expect(sent).toMatchObject({ ok: true, value: { kind: 'main', activities: [{ vendor: 'v1', id: 'A1' }] } });
    expect(await invoke({ action: 'application-submit', request, today: '2026-11-25' })).toEqual(sent);
    expect(
      await invoke({ action: 'application-submit', request: { ...request, requestId: 'admin-000002' } }),
    ).toMatchObject({ ok: false, error: { code: 'APPLICATION_ALREADY_SUBMITTED' } });
    expect(await invoke({ action: 'application-export', club: '100001', period: '2026-2' })).toMatchObject({
      ok: true,
      value: [{ application: 'main', activity: 'A1', validLeaders: ['L'], sourceSystem: 'v1' }],
    });
    expect(
      await invoke({ action: 'application-submit', request: { ...request, kind: 'both' } } as Record<string, unknown>),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_ADMIN_INPUT' } });
    const stored = await new DynamoDbApplicationStore(
      DynamoDBDocumentClient.from(db.client),
      db.register.table,
    ).submissions('100001', '2026-2');
    expect(stored.map((s) => [s.kind, s.by])).toEqual([['main', 'rf-support']]);
  });

  it('lok-importer application --cloud goes through the admin function', async () => {
    const env = {
      ...process.env,
      LOK_ADMIN_FUNCTION: ADMIN_FUNCTION,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      LOK_DYNAMODB_ENDPOINT: '',
      LOK_LOCAL_DIR: '/nonexistent',
    };
    const shown = await runCli(['application', '--club', '100001', '--period', '2026-2', '--cloud'], { env });
    expect(shown, shown.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('main application: sent') });
    const again = await runCli(
      ['application', 'submit', '--club', '100001', '--period', '2026-2', '--by', 'x', '--cloud'],
      { env },
    );
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/^APPLICATION_ALREADY_SUBMITTED: /m) });
    const csv = await runCli(
      ['application', 'export', '--club', '100001', '--period', '2026-2', '--format', 'csv', '--cloud'],
      { env },
    );
    expect(csv.stdout.split('\r\n')[1]).toBe('main,2026-11-16,17:00,18:30,Fotboll,training,,4,L,v1,A1');
  });
});
