import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErasureReport } from '../shared/core/privacy/erase-person.js';
import {
  ADMIN_ENV,
  cloudTestBed,
  deployedWith,
  importWhole,
  IMPORT_STEPS,
  putInInbox,
  type CloudTestBed,
} from './support/cloud.js';
import { ADMIN_FUNCTION, startLambdaStandIn, type LambdaStandIn } from './support/lambda-stand-in.js';
import { ROOT, runCli } from './support/run-cli.js';

/**
 * `lok-importer person erase --cloud` end to end but for AWS itself: the built CLI's Lambda client sends the Invoke
 * request to a loopback stand-in for the Lambda service, which calls the real admin handler on DynamoDB Local and
 * s3rver, where the sample was imported through the import workflow's handlers.
 */
const VENDOR = 'demo-vendor';
const PNR = '201003151238';
let bed: CloudTestBed;
let lambda: LambdaStandIn;

beforeAll(async () => {
  bed = await cloudTestBed();
  const { d, h } = await deployedWith(bed.cloud, { vendors: [VENDOR], clubs: ['100042'] }, ADMIN_ENV, {
    ...IMPORT_STEPS,
    admin: 'vendor-admin',
  });
  const xml = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8');
  await importWhole(h, await putInInbox(bed.cloud, d, VENDOR, 'club.xml', xml));
  lambda = await startLambdaStandIn(ADMIN_FUNCTION, h.admin);
}, 180_000);

afterAll(async () => {
  await lambda?.close();
  await bed?.stop();
});

const cloud = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(['person', 'erase', ...args, '--cloud'], {
    env: {
      ...process.env,
      LOK_ADMIN_FUNCTION: ADMIN_FUNCTION,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_REGION: 'eu-north-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      LOK_DYNAMODB_ENDPOINT: '',
      LOK_LOCAL_DIR: '/nonexistent',
      LOK_IDENTITY_KEY: '',
      ...env,
    },
  });

describe('lok-importer person erase --cloud', () => {
  it('erases through the admin function: the report as text and JSON, the same on every repeat, refusals by code, never the personnummer', async () => {
    const first = await cloud(['--personnummer', PNR, '--json']);
    expect(first).toMatchObject({
      code: 0,
      stderr: expect.stringContaining('through its admin function LokImporter-test-VendorAdminFunction'),
    });
    const report = JSON.parse(first.stdout) as ErasureReport;
    expect(report).toMatchObject({ outcome: 'erased', removed: { person: 1, memberships: 1, links: 1 } });
    const text = await cloud(['--person-id', report.pid]);
    expect(text).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`person ${report.pid} erased on ${report.erasedOn}`),
    });
    expect(text.stdout).toContain('what remains, and why:');
    expect(JSON.parse((await cloud(['--personnummer', '20100315-1238', '--json'])).stdout)).toEqual(report);

    const unknown = await cloud(['--personnummer', '191212121212']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('UNKNOWN_PERSON') });
    const invalid = await cloud(['--personnummer', '201003151239']);
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringContaining('INVALID_ADMIN_INPUT') });
    for (const run of [first, text, unknown, invalid])
      for (const digits of ['1003151238', '1212121212', '1003151239'])
        expect(run.stdout + run.stderr).not.toContain(digits);
  }, 120_000);

  it("needs the admin function's name: a usage error without LOK_ADMIN_FUNCTION", async () => {
    expect(await cloud(['--person-id', `p${'0'.repeat(31)}`], { LOK_ADMIN_FUNCTION: '' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('LOK_ADMIN_FUNCTION'),
    });
  }, 60_000);
});
