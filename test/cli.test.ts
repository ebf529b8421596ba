import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECEIPT_FORMAT_VERSION } from '../shared/core/receipt/receipt.js';
import { scratchForFile } from './support/for-file.js';
import { ROOT, runCli } from './support/run-cli.js';

const scratch = scratchForFile('lok-cli-');

describe('lok-importer check', () => {
  it('prints the receipt as JSON, shaped as the format spec says, and exits 0', async () => {
    const { code, stdout, stderr } = await runCli([
      'check',
      'samples/club-valid.xml',
      '--json',
      '--today',
      '2026-11-25',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const receipt = JSON.parse(stdout);
    expect(Object.keys(receipt)).toEqual([
      'formatVersion',
      'file',
      'sha256',
      'vendor',
      'status',
      'receivedAt',
      'completedAt',
      'counts',
      'errors',
      'activities',
      'totals',
    ]);
    expect(receipt).toMatchObject({
      formatVersion: RECEIPT_FORMAT_VERSION,
      file: 'club-valid.xml',
      vendor: 'demo-vendor',
      status: 'applied',
    });
    expect(receipt.sha256).toBe(createHash('sha256').update(readFileSync('samples/club-valid.xml')).digest('hex'));
    expect(Object.keys(receipt.counts.persons)).toEqual(['created', 'updated', 'unchanged', 'deleted', 'refused']);
    expect(Object.keys(receipt.counts.activities)).toEqual([
      'created',
      'updated',
      'unchanged',
      'deleted',
      'refused',
      'approved',
      'rejected',
    ]);
    expect(receipt.activities[0]).toMatchObject({
      club: '100042',
      id: 'A-5001',
      verdict: 'approved',
      reasons: [],
      countedParticipants: 4,
      leaders: [{ ref: 'P-2001', valid: true, reasons: [] }],
      participants: [],
    });
  });

  it('exits 0 for a partially applied file and prints the human form without --json', async () => {
    const { code, stdout } = await runCli(['check', 'samples/club-errors.xml', '--today', '2026-11-25']);
    expect(code).toBe(0);
    expect(stdout).toContain('PARTIALLY_APPLIED');
    expect(stdout).toMatch(/line 34 {2}INVALID_PERSONNUMMER {2}club 100042 record P-1010/);
  });

  it('exits 1 for a rejected file', async () => {
    const { code, stdout } = await runCli(['check', 'samples/rejected-doctype.xml', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'rejected', errors: [{ code: 'XML_DOCTYPE_FORBIDDEN' }] });
  });

  it.each([
    [['check', 'samples/no-such-file.xml'], /no such file/],
    [['check'], /exactly one FILE/],
    [['check', 'samples/club-valid.xml', '--today', '2026-13-01'], /--today must be a real date/],
    [['check', 'samples/club-valid.xml', '--jsn'], /Unknown option/],
    [['frobnicate'], /unknown command/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const { code, stderr, stdout } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('fixes the evaluation date with --today: after 15 June the autumn period is closed', async () => {
    const later = await runCli(['check', 'samples/club-valid.xml', '--json', '--today', '2027-06-16']);
    const receipt = JSON.parse(later.stdout);
    expect(receipt.activities.map((a: { reasons: string[] }) => a.reasons)).toEqual([
      ['PERIOD_CLOSED'],
      ['PERIOD_CLOSED'],
      ['PERIOD_CLOSED'],
    ]);
  });

  it('prints help for each command', async () => {
    for (const args of [['--help'], ['check', '--help'], ['generate', '--help']]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: lok-importer/);
    }
  });
});

describe('lok-importer generate', () => {
  it('writes the same bytes for the same seed, a file check accepts, with åäö and bad records', async () => {
    const args = [
      'generate',
      '--clubs',
      '2',
      '--persons',
      '300',
      '--activities',
      '200',
      '--bad-share',
      '0.05',
      '--seed',
      'x',
    ];
    const a = join(scratch, 'a.xml');
    const b = join(scratch, 'b.xml');
    expect((await runCli([...args, '--out', a])).code).toBe(0);
    expect((await runCli([...args, '--out', b])).code).toBe(0);
    const bytes = readFileSync(a);
    expect(bytes.equals(readFileSync(b))).toBe(true);
    expect(bytes.toString('utf8')).toMatch(/[åäöÅÄÖ]/);
    const { code, stdout } = await runCli(['check', a, '--json', '--today', '2026-11-25']);
    expect(code).toBe(0);
    const receipt = JSON.parse(stdout);
    expect(receipt.status).toBe('partially_applied');
    expect(receipt.counts.persons.created + receipt.counts.persons.refused).toBe(300);
    expect(receipt.counts.activities.created + receipt.counts.activities.refused).toBe(200);
    expect(receipt.counts.activities.approved).toBeGreaterThan(100);
    expect(receipt.errors.length).toBeGreaterThan(0);
  });

  it('gives another file for another seed', async () => {
    const a = join(scratch, 'c.xml');
    const b = join(scratch, 'd.xml');
    await runCli(['generate', '--clubs', '1', '--persons', '50', '--activities', '20', '--seed', '1', '--out', a]);
    await runCli(['generate', '--clubs', '1', '--persons', '50', '--activities', '20', '--seed', '2', '--out', b]);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(false);
  });

  it('refuses bad flags with exit 2', async () => {
    const { code, stderr } = await runCli([
      'generate',
      '--clubs',
      'many',
      '--persons',
      '1',
      '--activities',
      '1',
      '--out',
      '-',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--clubs must be a whole number/);
  });
});

describe('lok-importer as a command in a pipeline and on a mistake', () => {
  it('exits 0 without a word when its reader goes away early (`… | head`)', async () => {
    const child = spawn(
      process.execPath,
      [
        `${ROOT}bin/lok-importer.js`,
        'generate',
        '--clubs',
        '2',
        '--persons',
        '3000',
        '--activities',
        '4000',
        '--out',
        '-',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    // The first chunk read, the pipe is closed, as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it.each([
    [
      ['activities', '--club', '100042'],
      'lok-importer activities: --period is required',
      'Usage: lok-importer activities --club C --period P ',
    ],
    [
      ['check', 'samples/club-valid.xml', '--jsn'],
      "lok-importer check: Unknown option '--jsn'",
      'Usage: lok-importer check FILE ',
    ],
    [['frobnicate'], 'lok-importer: unknown command "frobnicate"', 'Usage: lok-importer <command> [options]'],
    [
      ['club', 'remove'],
      'lok-importer club: unknown sub-command "remove"',
      'Usage: lok-importer club <add|activate|deactivate> ...',
    ],
    [['person'], 'lok-importer person: which sub-command?', 'Usage: lok-importer person <erase> ...'],
  ])("a usage error is the error line, the command's usage and where to read on: %j", async (args, error, usage) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(lines[1]).toMatch(new RegExp(`^${usage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(lines.at(-1)).toBe(
      `See \`${args[0] === 'frobnicate' ? 'lok-importer' : `lok-importer ${args[0]}`} --help\`.`,
    );
    expect(lines.length).toBeLessThanOrEqual(4);
  });
});
