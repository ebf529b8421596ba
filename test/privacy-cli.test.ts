import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliRegisterForFile } from './support/cli-env.js';
import { scratchForFile } from './support/for-file.js';
import { personnummerForms } from './support/personal-data.js';
import { ROOT, runCli, type CliResult } from './support/run-cli.js';

/**
 * The built CLI against DynamoDB Local: every query command's output and every receipt written holds no full
 * personnummer of the files imported, in any written form; `person erase` neither, and erases once.
 */

const scratch = scratchForFile('lok-privacy-cli-');
const objects = join(scratch, 'objects');
const SAMPLES = ['club-valid.xml', 'club-errors.xml'];
const CLUB = '100042';

const db = cliRegisterForFile(`privacy-cli-${process.pid}`, objects);
const said: string[] = [];

async function lok(args: string[]): Promise<CliResult> {
  const result = await runCli(args, { env: db.env });
  said.push(result.stdout, result.stderr);
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The forms found in `text`, each with a little context (so a failure says where). */
function found(text: string, forms: readonly string[]): string[] {
  return forms
    .filter((f) => text.includes(f))
    .map((f) => `${f} in …${text.slice(Math.max(0, text.indexOf(f) - 40), text.indexOf(f) + 20)}…`);
}

describe('no full personnummer in CLI output or receipts', () => {
  const forms = SAMPLES.flatMap((name) => personnummerForms(readFileSync(join(ROOT, 'samples', name), 'utf8')));

  it('finds the forms it looks for', () => {
    expect(forms).toContain('201003151238');
    expect(forms).toContain('100315-1238');
    expect(forms).toContain('20120411-2484');
    expect(forms).toContain('1204112484');
  });

  it('over imports, every query command, their JSON, and the receipts written', async () => {
    expect((await lok(['vendor', 'add', 'demo-vendor', '--name', 'Demo AB', '--purpose', 'LOK-stöd'])).code).toBe(0);
    expect(
      (
        await lok([
          'club',
          'add',
          CLUB,
          '--name',
          'IK Demo',
          '--sport',
          'Fotboll',
          '--federation',
          'Svenska Fotbollförbundet',
        ])
      ).code,
    ).toBe(0);
    expect((await lok(['club', 'activate', CLUB, '--vendor', 'demo-vendor', '--from', '2020-01-01'])).code).toBe(0);
    for (const name of SAMPLES) {
      const file = join(ROOT, 'samples', name);
      expect((await lok(['check', file, '--today', '2026-11-25'])).code).toBeLessThanOrEqual(1);
      await lok(['check', file, '--today', '2026-11-25', '--json']);
      expect((await lok(['import', file, '--vendor', 'demo-vendor', '--today', '2026-11-25'])).code).toBe(0);
    }
    const activities = [
      'A-5001',
      'A-5002',
      'A-5003',
      'A-6001',
      'A-6002',
      'A-6003',
      'A-6004',
      'A-6005',
      'A-6006',
      'A-7001',
    ];
    for (const json of [[], ['--json']]) {
      await lok(['activities', '--club', CLUB, '--period', '2026-2', ...json]);
      for (const id of activities) await lok(['activity', '--club', CLUB, '--id', id, ...json]);
      await lok(['totals', '--club', CLUB, ...json]);
      await lok(['imports', '--vendor', 'demo-vendor', ...json]);
      await lok(['imports', '--club', CLUB, ...json]);
      await lok(['status', '--vendor', 'demo-vendor', ...json]);
      await lok(['persons-not-in-load', '--vendor', 'demo-vendor', '--club', CLUB, ...json]);
      await lok(['application', '--club', CLUB, '--period', '2026-2', ...json]);
      await lok(['reconcile', '--today', '2026-11-25', ...json]);
    }
    for (const format of ['csv', 'json'])
      await lok(['application', 'export', '--club', CLUB, '--period', '2026-2', '--format', format]);
    expect(said.join('').length).toBeGreaterThan(10_000);
    expect(found(said.join('\n'), forms)).toEqual([]);

    const receipts = filesUnder(join(objects, 'outbox'));
    expect(receipts.filter((f) => f.endsWith('.receipt.json'))).toHaveLength(SAMPLES.length);
    for (const file of receipts) expect(found(readFileSync(file, 'utf8'), forms), file).toEqual([]);
  }, 300_000);

  it('person erase: by any written form, prints what was removed and what remains, once; never the personnummer', async () => {
    const first = await lok(['person', 'erase', '--personnummer', '020101-8967', '--today', '2026-11-25']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^person p[0-9a-f]{31} erased on 2026-11-25\n/);
    expect(first.stdout).toContain('activities that named the person (their slot removed, judged again): 2');
    expect(first.stdout).toContain('archive: every file that named the person stays');
    const again = await lok(['person', 'erase', '--personnummer', '200201018967', '--today', '2026-11-26']);
    expect(again).toEqual(first);
    const json = await lok(['person', 'erase', '--personnummer', '20020101-8967', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      outcome: 'erased',
      erasedOn: '2026-11-25',
      removed: { person: 1, activities: 2 },
    });

    const unknown = await lok(['person', 'erase', '--personnummer', '191212121212']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^UNKNOWN_PERSON: /m);
    const invalid = await lok(['person', 'erase', '--personnummer', '200201018968']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^INVALID_ADMIN_INPUT: /m);
    expect((await lok(['person', 'erase'])).code).toBe(2);
    expect(found(said.join('\n'), [...forms, '200201018968', '0201018968', '191212121212'])).toEqual([]);
  }, 120_000);

  it('reconcile --only-purge: the retention purge alone, with its report', async () => {
    const early = await lok(['reconcile', '--only-purge', '--today', '2034-06-15', '--json']);
    expect(early.code).toBe(0);
    // The two files imported (today) are archived for seven years from their upload; 2026-2 from its final date.
    expect(JSON.parse(early.stdout)).toEqual({
      cutoff: '2027-06-15',
      periods: [],
      persons: 0,
      archivedFiles: SAMPLES.length,
    });
    expect(filesUnder(join(objects, 'archive'))).toEqual([]);
    const purged = await lok(['reconcile', '--only-purge', '--today', '2034-06-16']);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toMatch(
      /^purged \(kept 7 years, from 2027-06-16\): 100042 2026-2; \d+ persons; 0 archived files\n$/,
    );
    const left = await lok(['activities', '--club', CLUB, '--period', '2026-2', '--json']);
    expect(JSON.parse(left.stdout)).toEqual([]);
    expect((await lok(['reconcile', '--only-purge', '--club', CLUB])).code).toBe(2);
  }, 120_000);
});
