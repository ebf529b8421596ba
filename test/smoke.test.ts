import { Template } from 'aws-cdk-lib/assertions';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockholmDate, stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { freePort } from '../shared/adapters/loopback/free-port.js';
import { startSftpServer, type RunningSftpServer } from '../shared/adapters/sftp/sftp-server.js';
import { generateKeyPair } from '../shared/adapters/sftp/ssh-keys.js';
import { checkImport } from '../shared/core/check/check-import.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { startLocalMode, type LocalMode } from '../shared/local/local-mode.js';
import { uploadWithClient } from '../shared/local/upload-with-client.js';
import { readSmokeSample, receiptProblems, SMOKE_VENDOR, smokeFileName, smokeSampleOf } from '../smoke/smoke-sample.js';
import { SFTP_ENDPOINT_OUTPUT, stackNameOf } from '../smoke/stage-endpoint.js';
import { synthApp } from './support/cdk-app.js';
import { ROOT, runCli, runProcess, type CliResult } from './support/run-cli.js';
import { stringSource } from './support/string-source.js';

const { sample: SAMPLE, expected: EXPECTED } = readSmokeSample(ROOT);

/** The built smoke script (npm test builds first), run as `npm run smoke` runs it, without a TTY. */
function runSmoke(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return runProcess(process.execPath, [join(ROOT, 'dist', 'smoke', 'smoke.js'), ...args], { env });
}

/** The smoke file judged by `check` at `now`, as a stage with nothing else of the vendor's would judge it. */
async function checked(text: string, now: Date, file = 'smoke.xml'): Promise<Receipt> {
  const receipt = await checkImport(stringSource(file, text), {
    today: stockholmDate(now),
    now: () => now.toISOString(),
    swedishDateOf: stockholmDateOf,
  });
  return JSON.parse(JSON.stringify(receipt)) as Receipt;
}

describe('the smoke sample: the sample club file, sent today', () => {
  it.each([
    '2026-11-22T12:00:00Z',
    '2026-11-25T09:00:00Z',
    '2027-01-03T23:30:00Z',
    '2027-03-01T08:00:00Z',
    '2027-07-02T10:00:00Z',
    '2028-02-29T12:00:00Z',
    '2030-12-31T22:59:00Z',
    '2035-06-15T12:00:00Z',
  ])(
    'has the expected verdicts when sent at %s (dates moved by whole weeks; never late, closed or in the future)',
    async (at) => {
      const now = new Date(at);
      const text = smokeSampleOf(SAMPLE, { vendor: SMOKE_VENDOR, now });
      expect(text).toContain(`vendor="${SMOKE_VENDOR}"`);
      expect(text).toContain(`created="${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}"`);
      const receipt = await checked(text, now);
      expect(receiptProblems(receipt, EXPECTED, { file: 'smoke.xml', vendor: SMOKE_VENDOR })).toEqual([]);
      // Moved to the last week that has passed: no activity after today, none more than two weeks back.
      const dates = [...text.matchAll(/<Date>([^<]+)<\/Date>/g)].map((m) => m[1]!);
      const today = stockholmDate(now);
      for (const date of dates)
        expect(date < today && Date.parse(today) - Date.parse(date) < 14 * 86_400_000, date).toBe(true);
    },
  );

  it('keeps birth dates and personnummer, and is new bytes on every run', () => {
    const first = smokeSampleOf(SAMPLE, { vendor: SMOKE_VENDOR, now: new Date('2027-05-05T10:00:00Z') });
    const second = smokeSampleOf(SAMPLE, { vendor: SMOKE_VENDOR, now: new Date('2027-05-05T10:00:01Z') });
    expect(first).not.toBe(second);
    const facts = (text: string) => [...text.matchAll(/<(BirthDate|PersonalNumber)>([^<]+)</g)].map((m) => m[2]);
    expect(facts(first)).toEqual(facts(SAMPLE));
    expect(smokeFileName(new Date('2027-05-05T10:00:00.123Z'))).toMatch(/^smoke-20270505T100000Z-[0-9a-f]{6}\.xml$/);
  });

  it('the check bites: the sample as it is, sent in 2028, is judged otherwise, and says where', async () => {
    const now = new Date('2028-01-10T12:00:00Z');
    const unmoved = SAMPLE.replace('vendor="demo-vendor"', `vendor="${SMOKE_VENDOR}"`);
    const problems = receiptProblems(await checked(unmoved, now), EXPECTED, {
      file: 'smoke.xml',
      vendor: SMOKE_VENDOR,
    });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^activity A-5001: .*PERIOD_CLOSED.*, expected /)]),
    );
  });

  it('names what is wrong with a receipt: another file or vendor, the status, errors, a missing or an extra activity', () => {
    const receipt = {
      ...EXPECTED,
      file: 'other.xml',
      vendor: 'demo-vendor',
      status: 'partially_applied',
      errors: [{ code: 'UNKNOWN_ELEMENT', line: 3 }],
      activities: [...EXPECTED.activities.slice(1), { ...EXPECTED.activities[0]!, id: 'A-9999' }],
    } as unknown as Receipt;
    expect(receiptProblems(receipt, EXPECTED, { file: 'smoke.xml', vendor: SMOKE_VENDOR })).toEqual([
      'the receipt is of other.xml, not of smoke.xml',
      `the receipt names vendor demo-vendor, not ${SMOKE_VENDOR}`,
      'status partially_applied, expected applied',
      '1 error(s): UNKNOWN_ELEMENT',
      expect.stringMatching(/^activity A-5001: missing, expected \{"club":"100042","id":"A-5001","verdict":"approved"/),
      'activities the sample does not have: A-9999',
    ]);
  });

  it('reads the stack and the output the CDK app deploys', () => {
    const { stacks } = synthApp();
    expect(stacks.test.stackName).toBe(stackNameOf('test'));
    expect(stacks.prod.stackName).toBe(stackNameOf('prod'));
    expect(Object.keys(Template.fromStack(stacks.test).findOutputs(SFTP_ENDPOINT_OUTPUT))).toEqual([
      SFTP_ENDPOINT_OUTPUT,
    ]);
  });
});

/**
 * CloudFormation's query API for DescribeStacks only, as the service answers it: the stacks it is given, with
 * their outputs; any other stack name is a `ValidationError` ("does not exist").
 */
async function cloudFormationFake(
  stacks: Record<string, Record<string, string>>,
): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (d: Buffer) => {
      body += d.toString('utf8');
    });
    request.on('end', () => {
      const params = new URLSearchParams(body);
      const name = params.get('StackName') ?? '';
      const outputs = stacks[name];
      response.setHeader('content-type', 'text/xml');
      if (params.get('Action') !== 'DescribeStacks' || outputs === undefined) {
        response.statusCode = 400;
        const message =
          params.get('Action') !== 'DescribeStacks'
            ? `the fake answers DescribeStacks only`
            : `Stack with id ${name} does not exist`;
        response.end(
          `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`)
        .join('');
      response.end(`<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>
        <StackName>${name}</StackName><StackId>arn:aws:cloudformation:eu-north-1:111111111111:stack/${name}/1</StackId>
        <CreationTime>2026-11-01T10:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>
        </member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeStacksResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('npm run smoke: the sample over SFTP to its receipt', () => {
  let data: string;
  let local: LocalMode;
  let bare: RunningSftpServer;
  let bareRoot: string;
  /** What the bare endpoint (no importer behind it) does with an upload: nothing, or write a wrong receipt. */
  let bareAnswer: 'nothing' | 'wrong receipt' = 'nothing';
  const smokeKey = generateKeyPair(SMOKE_VENDOR);
  let keyFile: string;

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'lok-smoke-'));
    const noSamples = join(data, 'no-samples');
    mkdirSync(noSamples);
    local = await startLocalMode({
      dataDir: join(data, 'local'),
      fresh: false,
      samplesDir: noSamples,
      say: () => undefined,
      log: () => undefined,
      uploadDemo: uploadWithClient,
    });
    keyFile = join(data, `${SMOKE_VENDOR}_ed25519`);
    writeFileSync(keyFile, smokeKey.privateKey, { mode: 0o600 });
    writeFileSync(`${keyFile}.pub`, smokeKey.publicKey);
    // The smoke vendor onboarded as operations.md says, here with the CLI against the running local mode.
    const env = {
      ...process.env,
      LOK_LOCAL_DIR: join(data, 'local'),
      LOK_DYNAMODB_ENDPOINT: '',
      LOK_IDENTITY_KEY: '',
      LOK_OBJECTS_DIR: '',
      LOK_SFTP_KEYS_DIR: '',
    };
    expect(
      await runCli(
        [
          'vendor',
          'add',
          SMOKE_VENDOR,
          '--name',
          'Smoke test',
          '--purpose',
          'Post-deploy smoke test',
          '--key',
          `${keyFile}.pub`,
        ],
        { env },
      ),
    ).toMatchObject({ code: 0 });
    expect(
      await runCli(['club', 'activate', '100042', '--vendor', SMOKE_VENDOR, '--from', '2020-01-01'], { env }),
    ).toMatchObject({ code: 0 });

    bareRoot = join(data, 'bare');
    mkdirSync(bareRoot);
    bare = await startSftpServer({
      hostKey: generateKeyPair('host').privateKey,
      root: bareRoot,
      publicKeysOf: async (vendor) => (vendor === SMOKE_VENDOR ? [smokeKey.publicKey] : undefined),
      onUpload: ({ vendor, file }) => {
        if (bareAnswer !== 'wrong receipt') return;
        const [a1, a2, a3] = EXPECTED.activities;
        const wrong = {
          ...EXPECTED,
          file,
          vendor,
          activities: [a1, a2, { ...a3, verdict: 'rejected', reasons: ['NO_VALID_LEADER'] }],
        };
        writeFileSync(join(bareRoot, receiptKey({ vendor, file })), JSON.stringify(wrong));
      },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([local?.stop(), bare?.stop()]);
    rmSync(data, { recursive: true, force: true });
  });

  const hostArgs = (port: number) => ['--host', '127.0.0.1', '--port', String(port), '--key', keyFile];

  it("sends the sample to local mode and finds the sample's verdicts in its receipt (exit 0), again on a second run", async () => {
    for (const run of [1, 2]) {
      const result = await runSmoke(hostArgs(local.sftpPort));
      expect(result.code, `run ${run}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`^connected to 127\\.0\\.0\\.1:${local.sftpPort} as ${SMOKE_VENDOR}\\n`, 'm'),
      );
      expect(result.stdout).toMatch(/^uploaded inbox\/smoke-\d{8}T\d{6}Z-[0-9a-f]{6}\.xml \(\d+ bytes\)$/m);
      expect(result.stdout).toMatch(/^receipt after \d+\.\d s: applied; activities approved 3, rejected 0; errors 0$/m);
      expect(result.stdout).toMatch(/^OK: the receipt has the sample's verdicts$/m);
      expect(result.stderr).toBe('');
    }
    const receipts = readdirSync(join(local.layout.objectsDir, 'outbox', SMOKE_VENDOR)).filter((f) =>
      f.endsWith('.receipt.json'),
    );
    expect(receipts).toHaveLength(2);
    // The second run re-sent the same records under a new name: applied again, not a duplicate.
    const statuses = receipts.map(
      (f) =>
        (JSON.parse(readFileSync(join(local.layout.objectsDir, 'outbox', SMOKE_VENDOR, f), 'utf8')) as Receipt).status,
    );
    expect(statuses).toEqual(['applied', 'applied']);
  }, 60_000);

  it("--stage takes the host from the stack's SftpEndpoint output; a stage with no stack fails (exit 1)", async () => {
    const cfn = await cloudFormationFake({
      [stackNameOf('test')]: { [SFTP_ENDPOINT_OUTPUT]: '127.0.0.1', BucketName: 'lok-files' },
    });
    try {
      const env = {
        ...process.env,
        AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
        AWS_REGION: 'eu-north-1',
        AWS_ACCESS_KEY_ID: 'smoke',
        AWS_SECRET_ACCESS_KEY: 'smoke',
        AWS_PROFILE: '',
        AWS_CONFIG_FILE: join(data, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(data, 'none'),
      };
      const result = await runSmoke(['--stage', 'test', '--port', String(local.sftpPort), '--key', keyFile], env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^stack LokImporter-test: SFTP endpoint 127\.0\.0\.1$/m);
      expect(result.stdout).toMatch(/^OK: /m);
      const missing = await runSmoke(['--stage', 'nope', '--key', keyFile], env);
      expect(missing).toMatchObject({ code: 1, stdout: '' });
      expect(missing.stderr).toBe(
        'smoke test failed: no stack LokImporter-nope in this account and region (AWS_PROFILE, AWS_REGION): deploy it, or check the stage name\n',
      );
    } finally {
      cfn.server.close();
    }
  }, 60_000);

  it('a key the endpoint does not know fails with the login refused (exit 1)', async () => {
    const stranger = join(data, 'stranger_ed25519');
    writeFileSync(stranger, generateKeyPair('stranger').privateKey, { mode: 0o600 });
    const result = await runSmoke(['--host', '127.0.0.1', '--port', String(local.sftpPort), '--key', stranger]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `smoke test failed: could not log in to 127.0.0.1:${local.sftpPort} as ${SMOKE_VENDOR}: the key was refused (is ${SMOKE_VENDOR} onboarded with this key's public half?)\n`,
    );
  });

  it('an endpoint nothing answers on fails with the connection refused (exit 1)', async () => {
    const port = await freePort();
    const result = await runSmoke(hostArgs(port));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^smoke test failed: could not connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
  });

  it('no receipt within --timeout fails, after saying how long it waited (exit 1)', async () => {
    bareAnswer = 'nothing';
    const result = await runSmoke([...hostArgs(bare.port), '--timeout', '6']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^uploaded inbox\/smoke-.*\.xml \(\d+ bytes\)$/m);
    expect(result.stdout).toMatch(/^waiting for outbox\/smoke-.*\.xml\.receipt\.json: 5 s$/m);
    expect(result.stderr).toMatch(
      /^smoke test failed: no receipt outbox\/smoke-.*\.xml\.receipt\.json within 6 s of the upload/,
    );
  }, 30_000);

  it("a receipt other than the sample's fails, naming the activity (exit 1)", async () => {
    bareAnswer = 'wrong receipt';
    const result = await runSmoke(hostArgs(bare.port));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^receipt after .* s: applied; activities approved 3, rejected 0; errors 0$/m);
    expect(result.stderr).toMatch(
      /^smoke test failed: the receipt of smoke-.*\.xml is not the sample's:\n {2}activity A-5003: \{.*"verdict":"rejected".*\}, expected \{.*"verdict":"approved"/,
    );
  });

  it('is a usage error (exit 2) without a key, with both or neither of --stage and --host, with a public key, or a bad number', async () => {
    const cases: [string[], RegExp][] = [
      [['--host', '127.0.0.1'], /^--key FILE is required/],
      [['--key', keyFile], /^give either --stage STAGE or --host H/],
      [['--stage', 'test', '--host', 'h', '--key', keyFile], /^give either --stage STAGE or --host H/],
      [['--host', 'h', '--key', `${keyFile}.pub`], /is not an OpenSSH private key/],
      [['--host', 'h', '--key', join(data, 'missing')], /^no such key file/],
      [['--host', 'h', '--key', keyFile, '--timeout', '0'], /^--timeout must be a whole number from 1, got 0/],
      [['--host', 'h', '--key', keyFile, '--colour'], /Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const result = await runSmoke(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).toContain('Usage: npm run smoke');
    }
    expect(await runSmoke(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('--stage STAGE') });
  }, 30_000);
});
