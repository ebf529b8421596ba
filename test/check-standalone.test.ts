import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { fileSource } from '../shared/adapters/local-disk/file-source.js';
import { checkImport } from '../shared/core/check/check-import.js';
import { receiptJson } from '../shared/core/receipt/receipt-json.js';
import { receiptText } from '../shared/core/receipt/receipt-text.js';
import { ROOT } from './support/run-cli.js';

// `check` for vendors without a clone (issue 14, item 6): `npm run build:check` builds one bundled file and an npm
// tarball; both run from a directory outside the repository, where no node_modules can help them.

const TODAY = '2026-11-25';
const SAMPLES = ['club-valid.xml', 'club-errors.xml', 'rejected-doctype.xml'];
const SYSTEM_NODE = '/usr/bin/node';
/** PATH without the repository's node_modules/.bin: the shebang's `env node` finds the machine's own Node. */
const BARE_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: tmpdir() };

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = BARE_ENV): Promise<Result> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A receipt's two times are when it ran; everything else must be the same. */
const untimed = (text: string): string => text.replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');

/** What `lok-importer check FILE [--json] --today …` prints: check-command.ts renders the receipt so. */
async function inRepository(sample: string, json: boolean): Promise<string> {
  const receipt = await checkImport(fileSource(join(ROOT, 'samples', sample)), {
    today: TODAY,
    now: () => new Date().toISOString(),
    swedishDateOf: stockholmDateOf,
  });
  return untimed(json ? [...receiptJson(receipt)].join('') : receiptText(receipt));
}

const EXIT = { 'club-valid.xml': 0, 'club-errors.xml': 0, 'rejected-doctype.xml': 1 } as Record<string, number>;

let work: string;
let built: string;
let vendor: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lok-check-'));
  built = join(work, 'built');
  await run('npm', ['run', '--silent', 'build:check', '--', '--out', built], { cwd: ROOT });
  vendor = join(work, 'vendor-ci');
  await run('mkdir', [vendor]);
  copyFileSync(join(built, 'lok-check.mjs'), join(vendor, 'lok-check.mjs'));
  for (const sample of SAMPLES) copyFileSync(join(ROOT, 'samples', sample), join(vendor, sample));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the standalone lok-check.mjs, run outside the repository', () => {
  it('is one file whose only imports are Node built-ins', () => {
    const bundle = readFileSync(join(vendor, 'lok-check.mjs'), 'utf8');
    expect(bundle.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const imported = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((specifier) => !specifier!.startsWith('node:'))).toEqual([]);
    expect(bundle).not.toContain(ROOT);
  });

  it.each(SAMPLES)(
    'prints for %s the receipt lok-importer check prints, JSON and human form, with its exit code',
    async (sample) => {
      for (const json of [true, false]) {
        const result = await exec(
          process.execPath,
          ['lok-check.mjs', sample, ...(json ? ['--json'] : []), '--today', TODAY],
          vendor,
        );
        expect(result.stderr).toBe('');
        expect(result.code).toBe(EXIT[sample]);
        expect(untimed(result.stdout)).toBe(await inRepository(sample, json));
      }
    },
  );

  it('answers a usage error with exit code 2', async () => {
    expect((await exec(process.execPath, ['lok-check.mjs', 'no-such.xml'], vendor)).code).toBe(2);
    expect(
      (await exec(process.execPath, ['lok-check.mjs', 'club-valid.xml', '--today', '2026-02-30'], vendor)).code,
    ).toBe(2);
    const help = await exec(process.execPath, ['lok-check.mjs', '--help'], vendor);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--today YYYY-MM-DD');
  });

  it('says its own name, lok-check, in its usage lines, help and messages (not lok-importer check)', async () => {
    const help = await exec(process.execPath, ['lok-check.mjs', '--help'], vendor);
    expect(help.stdout).toMatch(/^Usage: lok-check FILE \[--json\] \[--today YYYY-MM-DD\]\n/);
    const missing = await exec(process.execPath, ['lok-check.mjs', 'no-such.xml'], vendor);
    expect(missing.stderr).toBe(
      'lok-check: no such file: no-such.xml\nUsage: lok-check FILE [--json] [--today YYYY-MM-DD]\nSee `lok-check --help`.\n',
    );
    const none = await exec(process.execPath, ['lok-check.mjs'], vendor);
    expect(none.stderr).toMatch(/^lok-check: lok-check takes exactly one FILE\n/);
    for (const { stdout, stderr } of [help, missing, none]) expect(stdout + stderr).not.toContain('lok-importer');
  });

  it.runIf(existsSync(SYSTEM_NODE))(
    "runs as ./lok-check.mjs on the machine's own Node (20), the same receipts",
    async () => {
      const { stdout: version } = await exec(SYSTEM_NODE, ['--version'], vendor);
      expect(Number(version.slice(1).split('.')[0])).toBeGreaterThanOrEqual(20);
      for (const sample of ['club-valid.xml', 'rejected-doctype.xml']) {
        const result = await exec('./lok-check.mjs', [sample, '--json', '--today', TODAY], vendor);
        expect(result.code).toBe(EXIT[sample]);
        expect(untimed(result.stdout)).toBe(await inRepository(sample, true));
      }
    },
  );
});

describe('the CI steps docs/importer-format.md gives vendors', () => {
  const DOC = readFileSync(join(ROOT, 'docs/importer-format.md'), 'utf8');
  /** The plain shell steps: the first sh block under "In your CI". */
  const steps = /### In your CI\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(DOC)![1]!;
  const tools = ['bash', 'curl', 'sha256sum', 'jq'].every((tool) =>
    ['/usr/bin', '/bin'].some((dir) => existsSync(join(dir, tool))),
  );

  /** Runs the steps in a fresh vendor checkout whose export is `sample`, against the built release served as file://. */
  async function ci(sample: string, sha256: string): Promise<number> {
    const checkout = mkdtempSync(join(work, 'ci-'));
    await run('mkdir', [join(checkout, 'build')]);
    copyFileSync(join(ROOT, 'samples', sample), join(checkout, 'build/export.xml'));
    const env = {
      ...BARE_ENV,
      PATH: `${BARE_ENV.PATH}:${join(process.execPath, '..')}`,
      LOK_CHECK_URL: `file://${built}`,
      LOK_CHECK_SHA256: sha256,
    };
    return (await exec('bash', ['-euo', 'pipefail', '-c', steps], checkout, env)).code;
  }

  it.runIf(tools)(
    'download, verify and check: pass on an applied file, fail on refused records, a rejection or a wrong sum',
    async () => {
      const sums = readFileSync(join(built, 'SHA256SUMS'), 'utf8');
      const sha256 = /^(\w{64}) {2}lok-check\.mjs$/m.exec(sums)![1]!;
      expect(await ci('club-valid.xml', sha256)).toBe(0);
      expect(await ci('club-errors.xml', sha256)).not.toBe(0);
      expect(await ci('rejected-doctype.xml', sha256)).toBe(1);
      expect(await ci('club-valid.xml', '0'.repeat(64))).not.toBe(0);
    },
  );
});

describe('the npm package, installed from its tarball', () => {
  let installed: string;

  beforeAll(async () => {
    const [tarball] = readdirSync(built).filter((f) => f.endsWith('.tgz'));
    installed = join(work, 'installed');
    await run('mkdir', [installed]);
    writeFileSync(join(installed, 'package.json'), '{ "private": true }\n');
    // No dependencies, so nothing to fetch: --offline proves it. Without the npm_* settings of an `npm test` around us.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(built, tarball!)], {
      cwd: installed,
      env,
    });
  }, 60_000);

  it('runs its bin lok-check: the same receipts and exit codes', async () => {
    const bin = join(installed, 'node_modules/.bin/lok-check');
    for (const sample of ['club-errors.xml', 'rejected-doctype.xml']) {
      const result = await exec(bin, [join(vendor, sample), '--json', '--today', TODAY], installed, {
        ...BARE_ENV,
        PATH: `${join(process.execPath, '..')}:${BARE_ENV.PATH}`,
      });
      expect(result.code).toBe(EXIT[sample]);
      expect(untimed(result.stdout)).toBe(await inRepository(sample, true));
    }
  });

  it('is versioned as its receipts: MAJOR.MINOR is their formatVersion (the version policy)', async () => {
    const { version } = JSON.parse(
      readFileSync(join(installed, 'node_modules/@riksidrottsforbundet/lok-check/package.json'), 'utf8'),
    ) as { version: string };
    const { stdout } = await exec(
      process.execPath,
      [join(installed, 'node_modules/@riksidrottsforbundet/lok-check/lok-check.mjs'), 'club-valid.xml', '--json'],
      vendor,
    );
    const { formatVersion } = JSON.parse(stdout) as { formatVersion: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(version.split('.').slice(0, 2).join('.')).toBe(formatVersion);
  });

  it('holds the README, the changelog and the schemas; its receipt schema accepts what its bin prints', async () => {
    const dir = join(installed, 'node_modules/@riksidrottsforbundet/lok-check');
    expect(readdirSync(dir).sort()).toEqual(['CHANGELOG.md', 'README.md', 'lok-check.mjs', 'package.json', 'schemas']);
    expect(readdirSync(join(dir, 'schemas')).sort()).toEqual([
      'changes-v1.schema.json',
      'error-codes.json',
      'importer-v1.xsd',
      'receipt-v1.schema.json',
    ]);
    const validate = new Ajv({ strict: true }).compile(
      JSON.parse(readFileSync(join(dir, 'schemas/receipt-v1.schema.json'), 'utf8')) as object,
    );
    for (const sample of SAMPLES) {
      const { stdout } = await exec(
        process.execPath,
        [join(dir, 'lok-check.mjs'), sample, '--json', '--today', TODAY],
        vendor,
      );
      expect(validate(JSON.parse(stdout)), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
