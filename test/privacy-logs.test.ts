import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchForFile } from './support/for-file.js';
import { personnummerForms } from './support/personal-data.js';
import { demoVendorClient } from './support/local-mode.js';
import {
  cleanEnv,
  ROOT,
  runCli,
  startLocalModeProcess,
  waitFor,
  type CliResult,
  type LocalModeProcess,
} from './support/run-cli.js';

/**
 * A whole run of local mode, its log captured: the samples and a generated file uploaded over SFTP, the query
 * commands, the club's web API, the nightly job, an erasure, a restart. Neither the JSON log (.local/logs/local.jsonl)
 * nor what any process printed holds a personnummer (every written form), a name or an e-mail of the files
 * uploaded, and the log no disability flag.
 */

const scratch = scratchForFile('lok-privacy-logs-');
const dataDir = join(scratch, 'local');
const generated = join(scratch, 'generated.xml');
const DEMO = 'demo-vendor';
const CLUB = '100042';

const printed: CliResult[] = [];
async function lok(args: string[]): Promise<CliResult> {
  const result = await runCli(args, { env: { ...cleanEnv(), LOK_LOCAL_DIR: dataDir } });
  printed.push(result);
  return result;
}

/** Every personnummer form, name and e-mail of the files, and the words that give a person's disability away. */
function personalData(files: readonly string[]): { forms: string[]; names: string[]; emails: string[] } {
  const xml = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const values = (tag: string) =>
    [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!.trim()).filter((v) => v.length > 0);
  return {
    forms: personnummerForms(xml),
    names: [...new Set([...values('FirstName'), ...values('LastName')])],
    emails: [...new Set(values('Email'))],
  };
}

/** What of `data` the text holds: names as whole words (a name is also a common word inside others). */
function leaks(text: string, data: ReturnType<typeof personalData>): string[] {
  const found: string[] = [];
  for (const form of data.forms) if (text.includes(form)) found.push(`personnummer ${form}`);
  for (const email of data.emails) if (text.toLowerCase().includes(email.toLowerCase())) found.push(`e-mail ${email}`);
  for (const name of data.names)
    if (new RegExp(`(^|[^\\p{L}])${name}($|[^\\p{L}])`, 'u').test(text)) found.push(`name ${name}`);
  return found;
}

let local: LocalModeProcess | undefined;
const logFile = join(dataDir, 'logs', 'local.jsonl');

beforeAll(async () => {
  expect(
    (
      await runCli([
        'generate',
        '--clubs',
        '1',
        '--persons',
        '120',
        '--activities',
        '200',
        '--seed',
        'privacy-logs',
        '--out',
        generated,
      ])
    ).code,
  ).toBe(0);
}, 60_000);

afterAll(async () => {
  await local?.stop();
});

describe('a whole run of local mode logs no personal data', () => {
  it('over uploads, queries, the web API, the nightly job, an erasure and a restart', async () => {
    const samples = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.xml'));
    local = await startLocalModeProcess(dataDir, 180_000);

    const client = await demoVendorClient(local.runtime.sftpPort, local.demoKeyPath);
    await client.put(generated, '/inbox/generated.xml');
    const valid = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8');
    await client.put(
      Buffer.from(valid.replace('created="2026-11-22T02:00:00+01:00"', 'created="2026-11-23T02:00:00+01:00"')),
      '/inbox/club-valid-again.xml',
    );
    await client.end();
    const outbox = join(dataDir, 'objects', 'outbox', DEMO);
    await waitFor(
      'the receipts',
      () =>
        ['generated.xml', 'club-valid-again.xml'].every((f) => existsSync(join(outbox, `${f}.receipt.json`)))
          ? true
          : undefined,
      180_000,
    );

    for (const args of [
      ['activities', '--club', CLUB, '--period', '2026-2'],
      ['activity', '--club', CLUB, '--id', 'A-5001'],
      ['totals', '--club', CLUB],
      ['imports', '--vendor', DEMO],
      ['status', '--vendor', DEMO],
      ['application', '--club', CLUB, '--period', '2026-2'],
      ['reconcile', '--today', '2026-11-25'],
      ['person', 'erase', '--personnummer', '200201018967'],
      ['reconcile', '--today', '2034-06-16'],
    ])
      expect((await lok(args)).code, args.join(' ')).toBe(0);

    const web = local.runtime.webUrl;
    const signIn = await fetch(new URL('/api/dev/sign-in', web), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: `official-${CLUB}` }),
    });
    const { token } = (await signIn.json()) as { token: string };
    for (const path of [
      `/api/clubs/${CLUB}/activities?period=2026-2`,
      `/api/clubs/${CLUB}/activities/${DEMO}/A-5002`,
      `/api/clubs/${CLUB}/application?period=2026-2`,
      '/api/clubs/999999/periods',
    ]) {
      await (await fetch(new URL(path, web), { headers: { authorization: `Bearer ${token}` } })).text();
    }
    await local.stop();
    // A restart: what it logs (its log file is this run's only) and prints, too.
    const logs = [readFileSync(logFile, 'utf8')];
    const outputs = [local.output()];
    local = await startLocalModeProcess(dataDir, 180_000);
    await local.stop();
    logs.push(readFileSync(logFile, 'utf8'));
    outputs.push(local.output());
    local = undefined;
    const output = outputs.join('\n');

    const data = personalData([...samples.map((f) => join(ROOT, 'samples', f)), generated]);
    expect(data.forms.length).toBeGreaterThan(100);
    expect(data.names.length).toBeGreaterThan(50);
    expect(data.emails.length).toBeGreaterThan(0);
    // The search finds what it looks for: every person of the generated file, in the file itself.
    expect(leaks(readFileSync(generated, 'utf8'), data).length).toBeGreaterThan(data.names.length);
    const log = logs.join('\n');
    expect(log.split('\n').length).toBeGreaterThan(50);
    expect(leaks(log, data)).toEqual([]);
    expect(log).not.toMatch(/disab|funktionsneds/i);
    expect(leaks(output, data)).toEqual([]);
    for (const result of printed)
      expect(
        leaks(`${result.stdout}\n${result.stderr}`, data).filter((l) => !l.startsWith('name ')),
        result.stdout.slice(0, 80),
      ).toEqual([]);
  }, 600_000);
});
