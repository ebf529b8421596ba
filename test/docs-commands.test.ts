import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbLocal } from '../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { dynamoDbForTests } from './support/dynamodb.js';
import { scratchForFile } from './support/for-file.js';
import {
  cleanEnv,
  ROOT,
  runCli,
  runProcess,
  startLocalModeProcess,
  type CliResult,
  type LocalModeProcess,
} from './support/run-cli.js';

/**
 * Every command line shown in a code block of README.md and docs/*.md (`lok-importer …`, `npx lok-importer …`,
 * `npm run …`), run as a reader would paste it, in order, against local services: a local mode started in a temp
 * folder (with a generated file uploaded over SFTP first, so that queries have data) and, for the README's
 * second register, a DynamoDB Local of this test. Each must exit as documented: 0, unless its comment says
 * "exits N". So the docs cannot drift from the CLI. (`npm start` and `npm test` are shown as `npm …`, not `npm run`:
 * not picked up, and long-running anyway.)
 */

/** Lines left out, each for a reason; every one must still match a line of the docs (the list stays short and true). */
const EXCLUDED: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /\s--cloud\b/, reason: 'needs the AWS deployment (its admin function)' },
  { pattern: /^AWS_PROFILE=/, reason: 'needs AWS credentials and a deployed stack' },
  {
    pattern: /^npm run synth\b/,
    reason: 'long-running: bundles every function (test/cdk-nag.test.ts synthesises the app)',
  },
  {
    pattern: /^npx lok-importer dynamodb-local\b/,
    reason: "long-running (a server); this test runs its own DynamoDB Local and points the README's endpoint at it",
  },
  {
    pattern: /^npm run build:check\b/,
    reason: 'builds the release files into the checkout; test/check-standalone.test.ts runs it',
  },
  { pattern: / \[--/, reason: 'a synopsis ([options] in brackets), not a command' },
];

/** Rewrites of what a doc shows to what runs here. */
const README_ENDPOINT = 'http://127.0.0.1:8000';

interface DocCommand {
  readonly where: string;
  /** The command as the doc shows it, continuation lines joined. */
  readonly line: string;
  /** The `export …` lines of its block before it. */
  readonly exports: readonly string[];
  readonly exitCode: number;
  readonly excluded?: string;
}

const COMMAND = /^(?:[A-Z_]+=\S*\s+)*(?:npx lok-importer|lok-importer|npm run)\b/;

/** The command without its trailing `# comment`. */
function commandPart(line: string): string {
  return line.split(/\s+#\s/, 1)[0]!.trim();
}

function docCommands(): DocCommand[] {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ];
  const found: DocCommand[] = [];
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    let exports: string[] | undefined;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trimStart().startsWith('```')) {
        exports = exports === undefined ? [] : undefined;
        continue;
      }
      if (exports === undefined) continue;
      const start = i;
      let line = lines[i]!.trim();
      while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
      if (line.startsWith('export ')) exports.push(line);
      if (!COMMAND.test(line)) continue;
      const command = commandPart(line);
      const excluded = EXCLUDED.find((e) => e.pattern.test(command))?.reason;
      const exitCode = Number(/\bexits? (\d)\b/.exec(line.slice(command.length))?.[1] ?? 0);
      found.push({
        where: `${file}:${start + 1}`,
        line,
        exports: [...exports],
        exitCode,
        ...(excluded ? { excluded } : {}),
      });
    }
  }
  return found;
}

const commands = docCommands();
const scratch = scratchForFile('lok-docs-');
/** Where the commands run: the reader's folder, with the repository's samples and a file of their own. */
const cwd = join(scratch, 'work');
const shims = join(scratch, 'bin');
let local: LocalModeProcess;
let dynamo: DynamoDbLocal;

/** An `export` whose value is a `<placeholder>` (an AWS stack output) is left out: the lines after it ask local mode, which answers the same commands. */
function runnableExport(line: string): boolean {
  return !/<[^>]+>/.test(line);
}

function shell(script: string, env: NodeJS.ProcessEnv, dir: string): Promise<CliResult> {
  return runProcess('bash', ['-c', script], { cwd: dir, env });
}

/** The environment a block's exports leave, each export evaluated once (a key made by `$(…)` stays the same). */
const blockEnvs = new Map<string, NodeJS.ProcessEnv>();
async function envAfter(exports: readonly string[], base: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const runnable = exports.filter(runnableExport).map((e) => e.replaceAll(README_ENDPOINT, dynamo.endpoint));
  const key = runnable.join('\n');
  const known = blockEnvs.get(key);
  if (known) return known;
  const { code, stdout, stderr } = await shell(`${key}\nenv -0`, base, cwd);
  if (code !== 0) throw new Error(`exports failed: ${stderr}`);
  const env = Object.fromEntries(
    stdout
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  blockEnvs.set(key, env);
  return env;
}

beforeAll(async () => {
  mkdirSync(cwd, { recursive: true });
  symlinkSync(join(ROOT, 'samples'), join(cwd, 'samples'));
  // `lok-importer` on the PATH is the built CLI on this Node, as `npx lok-importer` runs it in the repository.
  mkdirSync(shims);
  writeFileSync(
    join(shims, 'lok-importer'),
    `#!/bin/sh\nexec "${process.execPath}" "${ROOT}bin/lok-importer.js" "$@"\n`,
  );
  chmodSync(join(shims, 'lok-importer'), 0o755);
  [local, dynamo] = await Promise.all([
    startLocalModeProcess(join(scratch, 'local')),
    dynamoDbForTests().then(({ local: d, client }) => {
      client.destroy();
      return d;
    }),
  ]);
  // A vendor's own file: generated, checked by the README's `check my-export.xml`, uploaded to local mode over SFTP.
  const generated = await runCli([
    'generate',
    '--clubs',
    '1',
    '--persons',
    '60',
    '--activities',
    '40',
    '--seed',
    'docs',
    '--out',
    join(cwd, 'my-export.xml'),
  ]);
  expect(generated.code, generated.stderr).toBe(0);
  const sftp = new SftpClient();
  await sftp.connect({
    host: '127.0.0.1',
    port: local.runtime.sftpPort,
    username: 'demo-vendor',
    privateKey: readFileSync(local.demoKeyPath),
  });
  await sftp.put(join(cwd, 'my-export.xml'), '/inbox/my-export.xml');
  await sftp.end();
  const receipt = join(local.runtime.objectsDir, 'outbox', 'demo-vendor', 'my-export.xml.receipt.json');
  for (let waited = 0; !existsSync(receipt); waited += 200) {
    if (waited > 60_000) throw new Error('no receipt for my-export.xml within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 240_000);

afterAll(async () => {
  await local?.stop();
  await dynamo?.stop();
});

describe('the command lines in README.md and docs/*.md', () => {
  it('are found, and every exclusion still matches one of them', () => {
    expect(commands.filter((c) => !c.excluded).length).toBeGreaterThan(15);
    for (const { pattern } of EXCLUDED)
      expect(
        commands.some((c) => pattern.test(commandPart(c.line))),
        String(pattern),
      ).toBe(true);
  });

  for (const command of commands) {
    const title = `${command.where}: ${commandPart(command.line)}`;
    if (command.excluded) {
      it.skip(`${title} (left out: ${command.excluded})`, () => undefined);
      continue;
    }
    it(`${title} exits ${command.exitCode}`, async () => {
      const base = { ...cleanEnv(), PATH: `${shims}:${process.env.PATH}`, LOK_LOCAL_DIR: local.dataDir };
      const env = await envAfter(command.exports, base);
      const script = commandPart(command.line).replace(/^((?:[A-Z_]+=\S*\s+)*)npx lok-importer\b/, '$1lok-importer');
      const { code, stdout, stderr } = await shell(script, env, script.includes('npm run') ? ROOT : cwd);
      expect(code, `${script}\n${stdout.slice(0, 2000)}\n${stderr.slice(0, 2000)}`).toBe(command.exitCode);
    }, 120_000);
  }
});
