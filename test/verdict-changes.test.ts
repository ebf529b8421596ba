import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../shared/core/errors/step-failures.js';
import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { finishUpload } from '../shared/core/pipeline/finish-upload.js';
import { judgeUpload } from '../shared/core/pipeline/judge-upload.js';
import type { Doc, ObjectStore, PipelinePorts } from '../shared/core/pipeline/ports.js';
import { reconcileClubs, reconcileUploads } from '../shared/core/pipeline/reconcile.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import { totalUpload } from '../shared/core/pipeline/total-upload.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import { changeReportKey, VerdictChanges, type ChangeReport } from '../shared/core/pipeline/verdict-changes.js';
import { LATER_CHANGES_AT, RECEIPT_FORMAT_VERSION, type Receipt } from '../shared/core/receipt/receipt.js';
import type { ActivityVerdict } from '../shared/core/rules/verdict.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { interceptPorts, type PortCall } from './support/intercept.js';
import { clockAt, noWait, registerFor, type TestRegister } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';
import { CLUBS, oneActivityFile, TODAY, VENDORS, xmlOf, type FileSpec } from './support/world.js';

// Vendor A's club sorts after vendor B's: of two activities at the same hour with the same leader, B's comes first
// in the one ordering of activities (ordering.ts), so B's file re-judges A's activity (LEADER_OVERLAPPING_ACTIVITY
// and the children's PARTICIPANT_OVERLAPPING_ACTIVITY, lok-rules.md).
const [A, B] = VENDORS;
const [CLUB_B, CLUB_A] = CLUBS;
const clock = clockAt(TODAY);

let n = 0;
const uploadOf = (vendor: string): Upload => ({
  vendor,
  uploadId: `chg-${++n}`,
  file: `file-${n}.xml`,
  completedAt: `2026-11-25T10:00:${String(n).padStart(2, '0')}.000Z`,
});

async function imported(
  ports: PipelinePorts,
  file: FileSpec,
  upload = uploadOf(file.vendor),
): Promise<{ upload: Upload; receipt: Receipt }> {
  const result = await runImport(ports, upload, () => stringSource(upload.file, xmlOf(file)), clock, noWait);
  if (result.kind !== 'done') throw new Error(`import ${result.kind}`);
  return { upload, receipt: result.receipt };
}

/** The change reports in a vendor's outbox, by name (JSON), and the names of their text forms. */
function changeReports(register: TestRegister, vendor: string): { json: Map<string, ChangeReport>; txt: string[] } {
  const folder = join(register.folder, 'outbox', vendor);
  const names = readdirSync(folder);
  const json = new Map(
    names
      .filter((name) => name.endsWith('.changes.json'))
      .map((name) => [name, JSON.parse(readFileSync(join(folder, name), 'utf8')) as ChangeReport]),
  );
  return { json, txt: names.filter((name) => name.endsWith('.changes.txt')) };
}

/** A register where vendor A's Monday activity is approved and its receipt written. */
async function approvedAtA(db: {
  client: Parameters<typeof registerFor>[0];
}): Promise<{ register: TestRegister; first: { upload: Upload; receipt: Receipt } }> {
  const register = await registerFor(db.client, VENDORS, CLUBS);
  const first = await imported(register.ports, oneActivityFile(A, CLUB_A, 0));
  expect(first.receipt.activities.map((a) => a.verdict)).toEqual(['approved']);
  return { register, first };
}

/** B's one-activity file imported through `ports` (faults injected there), as `upload`. */
const importOfB = (ports: PipelinePorts, upload: Upload, options: Parameters<typeof runImport>[4] = noWait) =>
  runImport(ports, upload, () => stringSource(upload.file, xmlOf(oneActivityFile(B, CLUB_B, 0))), clock, options);

/** A port call that writes verdicts (what a judge step writes; an apply step writes none). */
const writesVerdicts = (call: PortCall) =>
  call.port === 'store' && call.method === 'write' && (call.args[0] as Doc[]).some((d) => d.kind === 'verdict');

/** The nightly job's uploads half, as it runs tonight: an upload left unfinished is stuck after a day. */
const nightlyUploads = (register: TestRegister) =>
  reconcileUploads(register.ports, clock, {
    open: () => undefined,
    stuckAfterMs: 86_400_000,
    sleep: async () => undefined,
  });

/** The change report the nightly job writes for A when it judges what B's failed upload left: A0 approved → rejected. */
const nightlyChangeOfA0 = (first: { upload: Upload }) => ({
  cause: { by: 'nightly', date: TODAY },
  changes: [
    {
      club: CLUB_A,
      id: 'A0',
      receiptOf: first.upload.file,
      before: { verdict: 'approved' },
      after: { verdict: 'rejected' },
    },
  ],
});

/** The one change report vendor A must find after B's file: A0 approved → rejected, caused by B's upload. */
function expectOneReport(register: TestRegister, first: { upload: Upload }, byUpload: Upload): void {
  const reports = changeReports(register, A);
  expect([...reports.json.keys()]).toEqual([
    changeReportKey(A, { kind: 'upload', upload: byUpload, chunk: 0 }).split('/').pop(),
  ]);
  expect(reports.txt).toHaveLength(1);
  const report = [...reports.json.values()][0]!;
  expect(report).toMatchObject({
    formatVersion: RECEIPT_FORMAT_VERSION,
    vendor: A,
    cause: { by: 'other-upload', upload: byUpload.uploadId },
  });
  expect(report.cause).not.toHaveProperty('file'); // another vendor's file name is not A's business
  expect(report.changes).toHaveLength(1);
  const [change] = report.changes;
  expect(change).toMatchObject({ club: CLUB_A, id: 'A0', date: '2026-11-09', receiptOf: first.upload.file });
  expect(change!.before).toMatchObject({ verdict: 'approved', reasons: [] });
  expect(change!.after.verdict).toBe('rejected');
  expect(change!.after.reasons.length).toBeGreaterThan(0);
  expect(change!.after.leaders).toEqual([
    expect.objectContaining({ valid: false, reasons: expect.arrayContaining(['LEADER_OVERLAPPING_ACTIVITY']) }),
  ]);
  // B's own activity was judged by its own upload before its receipt: no change, no report for B.
  expect(changeReports(register, B).json.size).toBe(0);
}

describe('verdict changes after the receipt reach the vendor once (DynamoDB Local)', () => {
  const db = dynamoDbForFile();

  it("vendor B's file re-judges A's approved activity to rejected: A's outbox gets one change report, also after the nightly job", async () => {
    const { register, first } = await approvedAtA(db);
    expect(first.receipt).toMatchObject({ formatVersion: RECEIPT_FORMAT_VERSION, laterChanges: LATER_CHANGES_AT });
    const receiptText = readFileSync(join(register.folder, 'outbox', A, `${first.upload.file}.receipt.txt`), 'utf8');
    expect(receiptText).toContain(`reported in ${LATER_CHANGES_AT}`);

    const second = await imported(register.ports, oneActivityFile(B, CLUB_B, 0));
    expect(second.receipt.activities.map((a) => a.verdict)).toEqual(['approved']);
    expectOneReport(register, first, second.upload);
    const text = readFileSync(join(register.folder, 'outbox', A, changeReports(register, A).txt[0]!), 'utf8');
    expect(text).toContain(`caused by another vendor's upload ${second.upload.uploadId}`);
    expect(text).toMatch(
      /1 activity changed after its receipt:\n {2}club 100002 activity A0 \(2026-11-09\), last in the receipt of file-\d+\.xml\n {4}before: approved \(4 counted\)\n {4}now: {4}rejected: /,
    );
    expect(text).not.toMatch(/Åsa|Öberg|\d{12}/);

    // Judging again changes nothing, so nothing more is reported.
    expect((await reconcileClubs(register.ports, clock, CLUBS)).corrected).toEqual([]);
    expectOneReport(register, first, second.upload);
    register.dispose();
  }, 60_000);

  it.each([
    ['after the verdicts are written, before the report', writesVerdicts, 'after'],
    [
      'after the report, before the judge is done',
      (call: PortCall) =>
        call.port === 'objects' && call.method === 'put' && String(call.args[0]).endsWith('.changes.txt'),
      'after',
    ],
    ['before the verdicts are written', writesVerdicts, 'before'],
  ] as const)(
    'a judge step that dies %s is retried and reports the change exactly once',
    async (_, isFault, when) => {
      const { register, first } = await approvedAtA(db);
      let faults = 0;
      const upload = uploadOf(B);
      // One fault, in B's judge step only (its apply also writes, but no verdicts).
      const faulty = interceptPorts(register.ports, async (call, proceed) => {
        if (faults > 0 || !isFault(call)) return proceed();
        faults++;
        if (when === 'after') await proceed();
        throw new TransientError('the function died');
      });
      const steps: string[] = [];
      const result = await importOfB(faulty, upload, {
        ...noWait,
        onStep: (e) => steps.push(`${e.step}:${e.outcome}`),
      });
      expect(result.kind).toBe('done');
      expect(faults).toBe(1);
      expect(steps).toContain('judge:retry');
      expectOneReport(register, first, upload);
      register.dispose();
    },
    60_000,
  );

  it("B's upload fails after its apply: the nightly job judges what it left and reports A's change as the night's", async () => {
    const { register, first } = await approvedAtA(db);
    const upload = uploadOf(B);
    // Every verdict write of B's judge step fails: its retries are spent, the upload fails with records written.
    const noVerdicts = interceptPorts(register.ports, async (call, proceed) => {
      if (writesVerdicts(call)) throw new TransientError('throttled');
      return proceed();
    });
    const result = await importOfB(noVerdicts, upload);
    expect(result.kind).toBe('failed');
    expect(changeReports(register, A).json.size).toBe(0);

    for (let night = 0; night < 2; night++) {
      const report = await nightlyUploads(register);
      expect(report.rejudged).toEqual(night === 0 ? [upload.uploadId] : []);
    }
    const reports = changeReports(register, A);
    const name = changeReportKey(A, { kind: 'nightly', date: TODAY, part: `failed-${upload.uploadId}` })
      .split('/')
      .pop()!;
    expect([...reports.json.keys()]).toEqual([name]);
    expect(name).toBe(`20261125-nightly-failed-${upload.uploadId}.changes.json`);
    expect(reports.json.get(name)).toMatchObject(nightlyChangeOfA0(first));
    register.dispose();
  }, 60_000);

  it("B's judge step writes A's change and dies for good before reporting it: the nightly job reports it, once", async () => {
    const { register, first } = await approvedAtA(db);
    const upload = uploadOf(B);
    // Once a verdict is written, every read of heads fails: the judge never gets to publish, its retries are spent.
    let written = false;
    const deadAfterWrite = interceptPorts(register.ports, async (call, proceed) => {
      if (written && call.port === 'store' && call.method === 'heads') throw new TransientError('throttled');
      const result = await proceed();
      if (writesVerdicts(call)) written = true;
      return result;
    });
    const result = await importOfB(deadAfterWrite, upload);
    expect(result.kind).toBe('failed');
    expect(changeReports(register, A).json.size).toBe(0);

    for (let night = 0; night < 2; night++) await nightlyUploads(register);
    const reports = changeReports(register, A);
    expect([...reports.json.keys()]).toEqual([`20261125-nightly-failed-${upload.uploadId}.changes.json`]);
    expect([...reports.json.values()][0]).toMatchObject(nightlyChangeOfA0(first));
    register.dispose();
  }, 60_000);

  it('a first load reads and writes nothing for change reports', async () => {
    const register = await registerFor(db.client, VENDORS, CLUBS);
    const calls: PortCall[] = [];
    const counted = interceptPorts(register.ports, async (call, proceed) => {
      calls.push(call);
      return proceed();
    });
    await imported(counted, oneActivityFile(A, CLUB_A, 0));
    expect(calls.filter((c) => c.port === 'objects' && /changes/.test(String(c.args[0])))).toEqual([]);
    register.dispose();
  }, 60_000);

  it("a change while A's own upload has not reached its receipt is no change: A's receipt shows the new verdict", async () => {
    const register = await registerFor(db.client, VENDORS, CLUBS);
    // A's upload is applied and judged (approved), and stops before its totals and receipt.
    const slow = uploadOf(A);
    await registerUpload(register.ports, slow, clock);
    await applyFile(register.ports, slow, stringSource(slow.file, xmlOf(oneActivityFile(A, CLUB_A, 0))), clock);
    await judgeUpload(register.ports, slow, clock);
    // B's whole import re-judges A0 meanwhile.
    await imported(register.ports, oneActivityFile(B, CLUB_B, 0));
    await totalUpload(register.ports, slow);
    const receipt = await finishUpload(register.ports, slow, clock);
    expect(receipt.activities.map((a) => a.verdict)).toEqual(['rejected']);
    expect(changeReports(register, A).json.size).toBe(0);
    register.dispose();
  }, 60_000);

  it("A's own later file that re-judges A's earlier activity reports it as caused by A's upload, with its file", async () => {
    const { register, first } = await approvedAtA(db);
    // A's second file, for its other club (whose id sorts first): the same hour, the same leader and children.
    const second = await imported(register.ports, oneActivityFile(A, CLUB_B, 0));
    const reports = changeReports(register, A);
    expect(reports.json.size).toBe(1);
    const report = [...reports.json.values()][0]!;
    expect(report.cause).toEqual({ by: 'your-upload', upload: second.upload.uploadId, file: second.upload.file });
    expect(report.changes.map((c) => [c.club, c.id, c.before.verdict, c.after.verdict, c.receiptOf])).toEqual([
      [CLUB_A, 'A0', 'approved', 'rejected', first.upload.file],
    ]);
    register.dispose();
  }, 60_000);
});

describe('a change report (in memory)', () => {
  /** An object store in a map: the report's keys and bodies are all these tests look at. */
  function memoryObjects(): ObjectStore & { readonly map: Map<string, string> } {
    const map = new Map<string, string>();
    return {
      map,
      put: async (key, body) => {
        map.set(key, typeof body === 'string' ? body : [...body].join(''));
      },
      get: async (key) => map.get(key),
      delete: async (key) => {
        map.delete(key);
      },
    };
  }
  const store = {} as PipelinePorts['store']; // never asked: these activities' uploads are long done (no lastCompletedAt)
  const verdict = (v: 'approved' | 'rejected'): ActivityVerdict => ({
    club: CLUB_A,
    id: 'A0',
    verdict: v,
    reasons: v === 'approved' ? [] : ['NO_VALID_LEADER'],
    countedParticipants: 4,
    leaders: [{ ref: 'L1', valid: v === 'approved', reasons: v === 'approved' ? [] : ['LEADER_NOT_MEMBER'] }],
    participants: [],
    warnings: [],
  });
  const activity = {
    vendor: A,
    club: CLUB_A,
    id: 'A0',
    lastUpload: 'earlier',
    lastOutcome: 'created',
    receivedOn: TODAY,
    createdOn: TODAY,
  } as const;
  const cause = {
    kind: 'upload',
    upload: { vendor: B, uploadId: 'u-b', file: 'b.xml', completedAt: '2026-11-25T10:15:00.000Z' },
    chunk: 0,
  } as const;

  it('is named by the cause, and a change undone by a later attempt of the same step leaves it empty', async () => {
    const objects = memoryObjects();
    const key = changeReportKey(A, cause);
    expect(key).toBe('outbox/v1/20261125T101500Z-u-b-0.changes.json');
    // What every receipt tells the vendor to look for matches the name, as the vendor sees its outbox.
    expect(
      new RegExp(`^${LATER_CHANGES_AT.replaceAll('.', '\\.').replace('*', '[^/]+')}$`).test(key.replace(`/${A}/`, '/')),
    ).toBe(true);
    const first = new VerdictChanges(objects, cause);
    await first.keep([first.changeOf(activity, '2026-2', verdict('approved'), verdict('rejected'))!]);
    await first.publish(store, false);
    expect((JSON.parse(objects.map.get(key)!) as ChangeReport).changes).toHaveLength(1);
    expect(objects.map.get(changeReportKey(A, cause, 'txt'))).toContain('leader L1: LEADER_NOT_MEMBER');
    expect(
      first.changeOf(activity, '2026-2', verdict('approved'), {
        ...verdict('approved'),
        warnings: ['REGISTERED_LATE'],
      }),
    ).toBeUndefined();
    expect(
      first.changeOf({ ...activity, lastUpload: 'u-b' }, '2026-2', verdict('approved'), verdict('rejected')),
    ).toBeUndefined();

    // A retry of the step judges it back: the oldest before (approved) and the newest after (approved) are no change.
    const retry = new VerdictChanges(objects, cause);
    await retry.keep([retry.changeOf(activity, '2026-2', verdict('rejected'), verdict('approved'))!]);
    await retry.publish(store, true);
    expect((JSON.parse(objects.map.get(key)!) as ChangeReport).changes).toEqual([]);
    expect(objects.map.get(changeReportKey(A, cause, 'txt'))).toContain('0 activities changed');
    expect([...objects.map.keys()].filter((k) => k.startsWith('outbox/'))).toHaveLength(2);
  });
});
