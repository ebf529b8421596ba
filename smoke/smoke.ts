/**
 * `npm run smoke -- --stage test [--vendor V] --key FILE`: the post-deploy smoke test. It sends the sample
 * club file over SFTP as a vendor would, waits for its receipt in the vendor's outbox and checks the sample's
 * verdicts in it: what only a real deployment shows (Transfer Family and its workflows, the upload event through
 * EventBridge, IAM, KMS, the versioned bucket, the functions as deployed). `--host H [--port P]` runs it against
 * any SFTP endpoint, local mode's (`npm start`) included. docs/operations.md, "Smoke test after deploy".
 *
 * Exit codes: 0 the receipt is right, 1 the smoke test failed (no stack, no login, no receipt in time, a wrong
 * receipt), 2 usage error. Progress on standard output, the failure on standard error; never a person's data
 * (the receipt holds codes and the sample's record ids).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import { isVendorId } from '../shared/core/admin/register-id.js';
import { sendAndAwaitReceipt, type SftpTarget } from './sftp-receipt.js';
import { SmokeFailed } from './smoke-failed.js';
import {
  readSmokeSample,
  receiptProblems,
  SMOKE_EXPECTED_RECEIPT,
  SMOKE_SAMPLE,
  SMOKE_VENDOR,
  smokeFileName,
  smokeSampleOf,
} from './smoke-sample.js';
import { sftpHostOf, stackNameOf } from './stage-endpoint.js';

const DEFAULT_TIMEOUT_S = 300;

const HELP = `Usage: npm run smoke -- --stage STAGE --key FILE [--vendor V] [--port P] [--timeout S]
       npm run smoke -- --host H --key FILE [--port P] [--vendor V] [--timeout S]

Sends samples/${SMOKE_SAMPLE} (under a new name, as the vendor, its dates moved to the last week) over SFTP,
waits for its receipt in outbox/ and checks it against samples/expected/${SMOKE_EXPECTED_RECEIPT}: status
applied and the sample's verdicts (times, ids, counts and totals aside).

  --stage STAGE   the deployed stack ${stackNameOf('STAGE')}: its SftpEndpoint output is the host
                  (AWS credentials and region of the stage's account: AWS_PROFILE, AWS_REGION)
  --host H        an SFTP endpoint by host name instead (local mode: 127.0.0.1)
  --port P        the SFTP port (default 22; local mode prints its own)
  --vendor V      the vendor to log in as (default ${SMOKE_VENDOR}; its club 100042 must be activated)
  --key FILE      the vendor's private key (OpenSSH)
  --timeout S     seconds to wait for the receipt (default ${DEFAULT_TIMEOUT_S})
  -h, --help      this text

Exit codes: 0 the receipt is right, 1 the smoke test failed, 2 usage error.
`;

/** A mistake in how the script was called: exit code 2, with the usage. */
class UsageError extends Error {}

/** The repository root (samples/ is read from there), from this file in smoke/ or dist/smoke/. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'samples', SMOKE_SAMPLE))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find samples/${SMOKE_SAMPLE} above the smoke script`);
    dir = parent;
  }
  return dir;
}

function positiveNumber(name: string, value: string | undefined, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${name} must be a whole number from 1${max < Infinity ? ` to ${max}` : ''}, got ${value}`);
  return n;
}

/** The private key in FILE; a usage error when it is missing or is not one (a public key given by mistake). */
function privateKeyOf(file: string | undefined): string {
  if (file === undefined) throw new UsageError("--key FILE is required: the vendor's private key");
  if (!existsSync(file)) throw new UsageError(`no such key file: ${file}`);
  const text = readFileSync(file, 'utf8');
  const parsed = ssh2.utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (parsed instanceof Error || !key?.isPrivateKey())
    throw new UsageError(
      `${file} is not an OpenSSH private key${parsed instanceof Error ? ` (${parsed.message})` : ''}`,
    );
  return text;
}

interface SmokeOptions {
  readonly stage?: string;
  readonly host?: string;
  readonly port: number;
  readonly vendor: string;
  readonly privateKey: string;
  readonly timeoutMs: number;
}

function optionsOf(args: string[]): SmokeOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      stage: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      vendor: { type: 'string' },
      key: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if ((values.stage === undefined) === (values.host === undefined))
    throw new UsageError('give either --stage STAGE or --host H');
  if (values.stage !== undefined && !/^[A-Za-z0-9-]+$/.test(values.stage))
    throw new UsageError(`not a stage name: ${values.stage}`);
  const vendor = values.vendor ?? SMOKE_VENDOR;
  if (!isVendorId(vendor)) throw new UsageError(`not a vendor id: ${vendor}`);
  return {
    ...(values.stage !== undefined ? { stage: values.stage } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    port: positiveNumber('port', values.port, 22, 65535),
    vendor,
    privateKey: privateKeyOf(values.key),
    timeoutMs: positiveNumber('timeout', values.timeout, DEFAULT_TIMEOUT_S) * 1000,
  };
}

/** The smoke test itself: resolve the host, send the sample, check the receipt. */
async function smoke(options: SmokeOptions, say: (line: string) => void): Promise<void> {
  const root = repositoryRoot();
  let host = options.host;
  if (options.stage !== undefined) {
    host = await sftpHostOf(options.stage);
    say(`stack ${stackNameOf(options.stage)}: SFTP endpoint ${host}`);
  }
  const now = new Date();
  const { sample, expected } = readSmokeSample(root);
  const file = { name: smokeFileName(now), text: smokeSampleOf(sample, { vendor: options.vendor, now }) };
  const target: SftpTarget = {
    host: host!,
    port: options.port,
    vendor: options.vendor,
    privateKey: options.privateKey,
  };
  const { receipt, seconds } = await sendAndAwaitReceipt(target, file, { timeoutMs: options.timeoutMs, say });
  const { approved, rejected } = receipt.counts.activities;
  say(
    `receipt after ${seconds.toFixed(1)} s: ${receipt.status}; activities approved ${approved}, rejected ${rejected}; errors ${receipt.errors.length}`,
  );
  const problems = receiptProblems(receipt, expected, { file: file.name, vendor: options.vendor });
  if (problems.length > 0)
    throw new SmokeFailed(`the receipt of ${file.name} is not the sample's:\n  ${problems.join('\n  ')}`);
  say(`OK: the receipt has the sample's verdicts`);
}

async function main(args: string[]): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const options = optionsOf(args);
    if (options === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    await smoke(options, say);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
      return 2;
    }
    if (error instanceof SmokeFailed) {
      process.stderr.write(`smoke test failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
