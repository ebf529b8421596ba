import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { cliRegisterForFile } from './support/cli-env.js';
import { scratchForFile } from './support/for-file.js';
import { ROOT, runCli, type CliResult } from './support/run-cli.js';

/**
 * The pipeline commands of the built CLI, run as child processes against DynamoDB Local, configured the way a
 * newcomer configures them: environment variables (a table of its own for this file, a temp objects folder).
 * The tests build on each other in order: onboard, import, query.
 */

const scratch = scratchForFile('lok-cli-pipeline-');
const objects = join(scratch, 'objects');
const table = `cli-pipeline-${process.pid}`;
const expected = JSON.parse(
  readFileSync(join(ROOT, 'samples', 'expected', 'club-valid.receipt.json'), 'utf8'),
) as Receipt;

const db = cliRegisterForFile(table, objects);

function lok(args: string[], overrides: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const childEnv = { ...db.env, ...overrides };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete childEnv[k];
  return runCli(args, { env: childEnv });
}

/** The one line every command here says on standard error: which register it talks to. */
function registerLine(tableName = table): string {
  return `register: table ${tableName} at DynamoDB ${db.endpoint}\n`;
}

/** Runs a command that must succeed and prints JSON; returns the parsed JSON. */
async function json<T>(args: string[]): Promise<T> {
  const result = await lok([...args, '--json']);
  expect(result.stderr).toBe(registerLine());
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('lok-importer pipeline commands on DynamoDB Local', () => {
  it('adds a vendor and a club (creating the table on first use) and activates the vendor; admin refusals exit 1 with CODE: message', async () => {
    const vendor = await lok([
      'vendor',
      'add',
      'demo-vendor',
      '--name',
      'Demo AB',
      '--purpose',
      'LOK-stöd',
      '--licence',
      'unlimited',
    ]);
    expect(vendor).toMatchObject({ code: 0, stderr: registerLine() });
    expect(vendor.stdout).toMatch(/vendor demo-vendor added \(licence unlimited\)/);

    const again = await lok(['vendor', 'add', 'demo-vendor', '--name', 'Demo AB', '--purpose', 'LOK-stöd']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^VENDOR_EXISTS: /m);
    expect(again.stdout).toBe('');

    const club = await lok([
      'club',
      'add',
      '100042',
      '--name',
      'IK Test',
      '--sport',
      'Fotboll',
      '--sport',
      'Innebandy',
      '--federation',
      'Svenska Fotbollförbundet',
    ]);
    expect(club).toMatchObject({ code: 0, stderr: registerLine() });
    expect(club.stdout).toMatch(/club 100042 added \(Fotboll, Innebandy; identity key personnummer\)/);

    const unknown = await lok(['club', 'activate', '100099', '--vendor', 'demo-vendor', '--from', '2026-01-01']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^UNKNOWN_CLUB: /m);

    const activate = await lok(['club', 'activate', '100042', '--vendor', 'demo-vendor', '--from', '2026-01-01']);
    expect(activate).toMatchObject({ code: 0, stderr: registerLine() });
    expect(activate.stdout).toMatch(/club 100042 activated vendor demo-vendor from 2026-01-01/);
  });

  it('imports samples/club-valid.xml: applied, with the verdicts check gives; the receipt also in the outbox', async () => {
    const { code, stdout, stderr } = await lok([
      'import',
      'samples/club-valid.xml',
      '--vendor',
      'demo-vendor',
      '--json',
      '--today',
      '2026-11-25',
    ]);
    expect(code).toBe(0);
    const receipt = JSON.parse(stdout) as Receipt;
    expect(receipt.status).toBe('applied');
    expect(receipt.activities).toEqual(expected.activities);
    expect(receipt.counts).toEqual(expected.counts);
    expect(receipt.totals).toEqual(expected.totals);
    expect(stderr).toMatch(/upload cli-\S+; receipt also in /);
    const outbox = join(objects, 'outbox', 'demo-vendor', 'club-valid.xml.receipt.json');
    expect(JSON.parse(readFileSync(outbox, 'utf8'))).toEqual(receipt);
    expect(existsSync(join(objects, 'outbox', 'demo-vendor', 'club-valid.xml.receipt.txt'))).toBe(true);
  });

  it('imports the same file again as a duplicate (exit 0), changing nothing', async () => {
    const { code, stdout } = await lok([
      'import',
      'samples/club-valid.xml',
      '--vendor',
      'demo-vendor',
      '--today',
      '2026-11-25',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^club-valid\.xml {2}DUPLICATE\n/);
  });

  it("activities: the club period's activities and verdicts, filtered by verdict and code, as JSON and as a table", async () => {
    const all = await json<{ id: string; vendor: string; verdict: { verdict: string } }[]>([
      'activities',
      '--club',
      '100042',
      '--period',
      '2026-2',
    ]);
    expect(all.map((a) => [a.id, a.vendor, a.verdict.verdict])).toEqual([
      ['A-5001', 'demo-vendor', 'approved'],
      ['A-5002', 'demo-vendor', 'approved'],
      ['A-5003', 'demo-vendor', 'approved'],
    ]);
    expect(await json(['activities', '--club', '100042', '--period', '2026-2', '--verdict', 'rejected'])).toEqual([]);
    const capped = await json<{ id: string }[]>([
      'activities',
      '--club',
      '100042',
      '--period',
      '2026-2',
      '--code',
      'WEEKLY_CAP_REDUCED',
    ]);
    expect(capped.map((a) => a.id)).toEqual(['A-5003']);

    const text = await lok(['activities', '--club', '100042', '--period', '2026-2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^date {8}time {9}id {6}vendor {7}sport {4}verdict {3}reasons\n/);
    expect(text.stdout).toMatch(/2026-11-21 {2}10:00–14:00 {2}A-5003 {2}demo-vendor {2}Fotboll {2}approved/);
  });

  it('activity: every reason per leader and participant with its message, by refs and register ids, never a name or personnummer', async () => {
    type Explained = {
      id: string;
      verdict: string;
      countedParticipants: number;
      leaders: { ref: string; valid: boolean }[];
      participants: { ref: string; pid: string; counted: boolean; reasons: { code: string; message: string }[] }[];
      payment: { amountSek: number; codes: { code: string }[] };
    };
    const found = await json<Explained[]>(['activity', '--club', '100042', '--id', 'A-5003']);
    expect(found).toHaveLength(1);
    const a5003 = found[0]!;
    expect(a5003).toMatchObject({
      id: 'A-5003',
      verdict: 'approved',
      countedParticipants: 3,
      leaders: [{ ref: 'P-2002', valid: true }],
    });
    const want = expected.activities.find((a) => a.id === 'A-5003')!;
    expect(a5003.payment.amountSek).toBe(want.payment!.amountSek);
    expect(a5003.participants.map((p) => [p.ref, p.counted, p.reasons.map((r) => r.code)])).toEqual([
      ['P-1001', true, ['WEEKLY_CAP_REDUCED']],
      ['P-1003', true, ['WEEKLY_CAP_REDUCED']],
      ['P-1004', true, []],
    ]);
    expect(a5003.participants[0]!.reasons[0]!.message).toMatch(/reduced rate/);
    expect(a5003.participants[0]!.pid).toMatch(/^p[0-9a-f]+$/);

    const text = await lok(['activity', '--club', '100042', '--id', 'A-5003']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/verdict: APPROVED, 3 counted participants/);
    expect(text.stdout).toMatch(
      /P-1001 {2}register id p[0-9a-f]+ {2}counted\n {6}WEEKLY_CAP_REDUCED {2}Tredje eller senare/,
    );
    // Names and personnummer of the sample's persons appear nowhere.
    for (const personal of ['Åsa', 'Öberg', 'Måns', 'Ängström', '201003151238', '20120411']) {
      expect(text.stdout).not.toContain(personal);
      expect(JSON.stringify(a5003)).not.toContain(personal);
    }

    const missing = await lok(['activity', '--club', '100042', '--id', 'A-9999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no activity A-9999 of club 100042/);
  });

  it("totals: the club's period figures, as in the receipt", async () => {
    const totals = await json<{ totals: unknown; closed: boolean }[]>(['totals', '--club', '100042']);
    expect(totals).toEqual([{ totals: expected.totals![0], closed: false }]);
    expect(await json(['totals', '--club', '100042', '--period', '2026-1'])).toEqual([]);
    const text = await lok(['totals', '--club', '100042', '--period', '2026-2']);
    expect(text.stdout).toMatch(/club 100042 period 2026-2 \(open\)/);
    expect(text.stdout).toMatch(/forecast {19}146\.60 SEK/);
  });

  it("imports: the vendor's uploads newest first with status and counts; the club's finished ones", async () => {
    type Entry = { file: string; stage: string; status: string; counts: Receipt['counts'] };
    const byVendor = await json<Entry[]>(['imports', '--vendor', 'demo-vendor']);
    expect(byVendor.map((e) => [e.file, e.stage, e.status])).toEqual([
      ['club-valid.xml', 'done', 'duplicate'],
      ['club-valid.xml', 'done', 'applied'],
    ]);
    expect(byVendor[1]!.counts).toEqual(expected.counts);
    expect(await json<Entry[]>(['imports', '--vendor', 'demo-vendor', '--limit', '1'])).toHaveLength(1);
    const byClub = await json<Entry[]>(['imports', '--club', '100042']);
    expect(byClub.map((e) => e.status)).toEqual(['applied']);
    const text = await lok(['imports', '--vendor', 'demo-vendor']);
    expect(text.stdout).toMatch(/done {3}applied {4}0 {7}7\/0\/0\/0\/0 {2}3\/0\/0\/0\/0 {3}3 {9}0/);
  });

  it('reconcile: nothing stuck, no drift; the report per vendor and period; the imported file is in the archive', async () => {
    const report = await json<{
      resumed: string[];
      failed: string[];
      drift: unknown[];
      byVendorPeriod: { vendor: string; period: string; received: number }[];
    }>(['reconcile', '--today', '2026-11-25']);
    expect([report.resumed, report.failed, report.drift]).toEqual([[], [], []]);
    expect(report.byVendorPeriod).toContainEqual(
      expect.objectContaining({ vendor: 'demo-vendor', period: '2026-2', received: 3 }),
    );
    expect(readdirSync(join(objects, 'archive', 'demo-vendor')).length).toBeGreaterThan(0);
  });

  it('refuses the records of a club that has not activated the vendor (CLUB_NOT_ACTIVATED); --table picks another table', async () => {
    const other = ['--table', `${table}-other`];
    expect(
      (await lok(['vendor', 'add', 'demo-vendor', '--name', 'Demo AB', '--purpose', 'LOK-stöd', ...other])).code,
    ).toBe(0);
    for (const [club, name] of [
      ['100042', 'IK Test'],
      ['100043', 'IK Annan'],
    ] as const)
      expect(
        (await lok(['club', 'add', club, '--name', name, '--sport', 'Fotboll', '--federation', 'SvFF', ...other])).code,
      ).toBe(0);
    expect(
      (await lok(['club', 'activate', '100042', '--vendor', 'demo-vendor', '--from', '2026-01-01', ...other])).code,
    ).toBe(0);
    // samples/club-errors.xml carries clubs 100042 and 100043; only 100042 has activated the vendor.
    const { code, stdout } = await lok([
      'import',
      'samples/club-errors.xml',
      '--vendor',
      'demo-vendor',
      '--json',
      '--today',
      '2026-11-25',
      ...other,
    ]);
    expect(code).toBe(0);
    const receipt = JSON.parse(stdout) as Receipt;
    expect(receipt.status).toBe('partially_applied');
    expect(receipt.errors.filter((e) => e.code === 'CLUB_NOT_ACTIVATED')).toMatchObject([{ club: '100043' }]);
    expect(receipt.activities.every((a) => a.club === '100042')).toBe(true);

    const deactivate = await lok([
      'club',
      'deactivate',
      '100042',
      '--vendor',
      'demo-vendor',
      '--to',
      '2026-11-30',
      ...other,
    ]);
    expect(deactivate).toMatchObject({ code: 0, stderr: registerLine(`${table}-other`) });
    expect(deactivate.stdout).toMatch(/club 100042 deactivated vendor demo-vendor after 2026-11-30/);
    // The first table is untouched: it does not know club 100043.
    expect(await lok(['imports', '--club', '100043'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^UNKNOWN_CLUB: /m),
    });
  });

  it('import without LOK_IDENTITY_KEY: exit 2, says what to set, imports nothing', async () => {
    const { code, stdout, stderr } = await lok(['import', 'samples/club-valid.xml', '--vendor', 'demo-vendor'], {
      LOK_IDENTITY_KEY: undefined,
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^lok-importer import: LOK_IDENTITY_KEY is not set: import needs the HMAC key/);
    const short = await lok(['import', 'samples/club-valid.xml', '--vendor', 'demo-vendor'], {
      LOK_IDENTITY_KEY: 'too-short',
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/LOK_IDENTITY_KEY must be at least 32 bytes, got 9/);
    expect(await json<unknown[]>(['imports', '--vendor', 'demo-vendor'])).toHaveLength(2);
  });

  it('a DynamoDB endpoint nobody answers on: exit 2 with what to check', async () => {
    const { code, stdout, stderr } = await lok(['totals', '--club', '100042', '--endpoint', 'http://127.0.0.1:9']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^register: table \S+ at DynamoDB http:\/\/127\.0\.0\.1:9\nlok-importer totals: cannot reach DynamoDB at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): is DynamoDB Local running there\?/,
    );
  });

  it('exits 2 on usage errors, with the reason on standard error and nothing on standard output', async () => {
    const cases: [string[], RegExp][] = [
      [['import', 'samples/no-such-file.xml', '--vendor', 'demo-vendor'], /no such file/],
      [['import', 'samples/club-valid.xml'], /--vendor is required/],
      [
        ['import', 'samples/club-valid.xml', '--vendor', 'demo-vendor', '--today', '2026-02-30'],
        /--today must be a real date/,
      ],
      [
        ['vendor', 'add', 'v', '--name', 'N', '--purpose', 'P', '--licence', 'some'],
        /--licence must be up-to-100-clubs \| unlimited/,
      ],
      [['vendor', 'remove', 'v'], /unknown sub-command "remove"/],
      [['club'], /which sub-command/],
      [['club', 'add', 'c', '--name', 'N', '--federation', 'F'], /--sport is required/],
      [['club', 'activate', '100042', '--vendor', 'demo-vendor', '--from', 'today'], /--from must be a real date/],
      [['activities', '--club', '100042', '--period', '2026-3'], /--period must be a LOK period/],
      [
        ['activities', '--club', '100042', '--period', '2026-2', '--verdict', 'maybe'],
        /--verdict must be approved \| rejected/,
      ],
      [['imports'], /exactly one of --vendor V and --club C/],
      [['imports', '--vendor', 'v', '--club', 'c'], /exactly one of --vendor V and --club C/],
      [['imports', '--vendor', 'v', '--limit', 'ten'], /--limit must be a whole number/],
      [['totals', '--club', '100042', '--endpoint', 'localhost:8000'], /endpoint must be an http\(s\) URL/],
      [['totals', '--club', '100042', '--table', 'x'], /table name must be/],
      [['activity', '--club', '100042'], /--id is required/],
      [['persons-not-in-load', '--club', '100042', '--jsno'], /Unknown option/],
    ];
    // Independent of each other and of the register: run side by side.
    const results = await Promise.all(cases.map(([args]) => lok(args)));
    for (const [i, { code, stderr, stdout }] of results.entries()) {
      const [args, message] = cases[i]!;
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toMatch(message);
      expect(stdout, args.join(' ')).toBe('');
    }
  });

  it('every query refuses a vendor or club the register does not know: CODE: message, exit 1, nothing on standard output', async () => {
    const cases: [string[], RegExp][] = [
      [['activities', '--club', '100099', '--period', '2026-2'], /^UNKNOWN_CLUB: .*100099/m],
      [['activities', '--club', '100042', '--period', '2026-2', '--vendor', 'nobody'], /^UNKNOWN_VENDOR: .*nobody/m],
      [['activity', '--club', '100099', '--id', 'A-5003'], /^UNKNOWN_CLUB: .*100099/m],
      [['activity', '--club', '100042', '--id', 'A-5003', '--vendor', 'nobody'], /^UNKNOWN_VENDOR: .*nobody/m],
      [['totals', '--club', '100099'], /^UNKNOWN_CLUB: .*100099/m],
      [['imports', '--vendor', 'nobody'], /^UNKNOWN_VENDOR: .*nobody/m],
      [['imports', '--club', '100099'], /^UNKNOWN_CLUB: .*100099/m],
      [['persons-not-in-load', '--vendor', 'nobody', '--club', '100042'], /^UNKNOWN_VENDOR: .*nobody/m],
      [['persons-not-in-load', '--vendor', 'demo-vendor', '--club', '100099'], /^UNKNOWN_CLUB: .*100099/m],
    ];
    const results = await Promise.all(cases.map(([args]) => lok([...args, '--json'])));
    for (const [i, { code, stdout, stderr }] of results.entries()) {
      const [args, message] = cases[i]!;
      expect(code, args.join(' ')).toBe(1);
      expect(stdout, args.join(' ')).toBe('');
      expect(stderr, args.join(' ')).toMatch(message);
    }
  });

  it('a period is 2026-2 as lok-rules.md names it, or the half-year 2026-H2: the same answer', async () => {
    expect(await json(['activities', '--club', '100042', '--period', '2026-H2'])).toEqual(
      await json(['activities', '--club', '100042', '--period', '2026-2']),
    );
    expect(await json(['totals', '--club', '100042', '--period', '2026-h2'])).toEqual(
      await json(['totals', '--club', '100042', '--period', '2026-2']),
    );
  });

  it('persons-not-in-load: refused (NO_FULL_LOAD) until the vendor has sent the club a full load; then who is not in it', async () => {
    const before = await lok(['persons-not-in-load', '--vendor', 'demo-vendor', '--club', '100042']);
    expect(before.code).toBe(1);
    expect(before.stdout).toBe('');
    expect(before.stderr).toMatch(/^NO_FULL_LOAD: .*demo-vendor, 100042/m);
    const full = join(scratch, 'club-valid-full.xml');
    writeFileSync(
      full,
      readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8').replace('mode="delta"', 'mode="full"'),
    );
    const imported = await lok(['import', full, '--vendor', 'demo-vendor', '--json', '--today', '2026-11-25']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await json(['persons-not-in-load', '--vendor', 'demo-vendor', '--club', '100042'])).toEqual([]);
  });

  it("documents the configured store in every pipeline command's --help, and lists every command in the main help", async () => {
    const commands = [
      ['import'],
      ['vendor', 'add'],
      ['club', 'add'],
      ['club', 'activate'],
      ['club', 'deactivate'],
      ['activities'],
      ['activity'],
      ['totals'],
      ['imports'],
      ['persons-not-in-load'],
    ];
    const results = await Promise.all(commands.map((c) => lok([...c, '--help'])));
    for (const [i, { code, stdout }] of results.entries()) {
      expect(code, commands[i]!.join(' ')).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: lok-importer ${commands[i]!.join(' ')} `));
      for (const variable of [
        'LOK_DYNAMODB_ENDPOINT',
        'LOK_REGISTER_TABLE',
        'LOK_IDENTITY_KEY',
        'LOK_OBJECTS_DIR',
        'AWS_REGION',
        '--endpoint URL',
        '--table NAME',
      ])
        expect(stdout).toContain(variable);
    }
    const main = await lok(['--help']);
    for (const c of [...commands, ['dynamodb-local']])
      expect(main.stdout).toMatch(new RegExp(`^  ${c.join(' ')} `, 'm'));
  });
});
