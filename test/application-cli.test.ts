import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Application } from '../shared/core/application/application.js';
import type { Submission } from '../shared/core/application/ports.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { clubFile } from './support/club-file.js';
import { scratchForFile } from './support/for-file.js';
import { importText, registerForFile } from './support/pipeline.js';
import { cleanEnv, runCli, type CliResult } from './support/run-cli.js';

/** `lok-importer application …` as a club's treasurer or RF support runs it, on a register in DynamoDB Local. */
describe('lok-importer application (issue 16)', () => {
  const db = registerForFile(['v1'], ['100001', '100002']);
  const scratch = scratchForFile('lok-application-cli-');
  const lok = (...args: string[]): Promise<CliResult> =>
    runCli(['application', ...args], {
      env: { ...cleanEnv(), LOK_DYNAMODB_ENDPOINT: db.endpoint, LOK_REGISTER_TABLE: db.register.table },
    });
  const period = ['--club', '100001', '--period', '2026-2'];

  beforeAll(async () => {
    const done = await importText(
      db.register,
      'v1',
      'nov.xml',
      clubFile('v1', '100001', '2026-11-24T08:00:00+01:00', [
        { id: 'A1', date: '2026-11-16', group: 'P12 Blå' },
        { id: 'A2', date: '2026-11-17', leader: '' },
      ]),
    );
    expect(done.kind).toBe('done');
  }, 120_000);

  it('shows what the application holds, in words and as JSON', async () => {
    const text = await lok(...period, '--today', '2026-11-25');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('club 100001 period 2026-2: deadline 2027-02-25, closes after 2027-06-15');
    expect(text.stdout).toContain('activities: 1 approved, 1 rejected');
    expect(text.stdout).toContain('main application: not sent; can be sent');
    expect(text.stdout).toMatch(/forecast +52\.44 SEK/);
    expect(text.stdout).toContain('sport Fotboll: 1 activities, 4 deltagartillfällen, 52.44 SEK');
    expect(text.stdout).toContain('source system v1: 1 activities');
    const json = JSON.parse((await lok(...period, '--json', '--today', '2026-11-25')).stdout) as Application;
    expect(json).toMatchObject({
      main: { canSubmit: true, totals: { approvedActivities: 1 } },
      supplementary: { canSubmit: false },
    });
  });

  it('exports one row per approved activity as CSV to a file and as JSON, without personal data', async () => {
    const out = join(scratch, 'export.csv');
    expect((await lok('export', ...period, '--format', 'csv', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(
      'application,date,start,end,sport,type,group,countedParticipants,validLeaders,sourceSystem,activity\r\n' +
        'main,2026-11-16,17:00,18:30,Fotboll,training,P12 Blå,4,L,v1,A1\r\n',
    );
    const json = await lok('export', ...period, '--format', 'json');
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ activity: 'A1', validLeaders: ['L'], countedParticipants: 4 }),
    ]);
    expect((await lok('export', ...period, '--format', 'xml')).code).toBe(2);
  });

  it('refuses a supplementary application before the main one, and an unknown club', async () => {
    const early = await lok('submit', ...period, '--by', 'kassor', '--supplementary');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^SUPPLEMENTARY_BEFORE_MAIN: /m);
    const unknown = await lok('submit', '--club', '999999', '--period', '2026-2', '--by', 'kassor');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^UNKNOWN_CLUB: /m);
    expect((await lok('submit', ...period)).code).toBe(2);
  });

  it('submits once: the same request again gets the same answer, another is refused; a later activity is PERIOD_CLOSED', async () => {
    const first = await lok('submit', ...period, '--by', 'kassor', '--request-id', 'req-00000001', '--json');
    expect(first.code).toBe(0);
    const submission = JSON.parse(first.stdout) as Submission;
    expect(submission).toMatchObject({ kind: 'main', by: 'kassor', activities: [{ vendor: 'v1', id: 'A1' }] });
    const retry = await lok('submit', ...period, '--by', 'kassor', '--request-id', 'req-00000001', '--json');
    expect(JSON.parse(retry.stdout)).toEqual(submission);
    const second = await lok('submit', ...period, '--by', 'ordforande');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^APPLICATION_ALREADY_SUBMITTED: /m);
    expect((await lok(...period)).stdout).toContain(
      `main application: sent ${submission.submittedAt} by kassor, 1 activities`,
    );

    const later = await importText(
      db.register,
      'v1',
      'dec.xml',
      clubFile('v1', '100001', '2026-11-26T08:00:00+01:00', [{ id: 'A3', date: '2026-11-18' }]),
      '2026-11-26',
    );
    expect(later.kind === 'done' && (later.receipt as Receipt).activities[0]).toMatchObject({
      id: 'A3',
      verdict: 'rejected',
      reasons: ['PERIOD_CLOSED'],
    });
  });
});
