import { describe, expect, it } from 'vitest';
import { activateVendor, addClub, addVendor } from '../shared/core/admin/admin-use-cases.js';
import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import { reconcile } from '../shared/core/pipeline/reconcile.js';
import { failUpload } from '../shared/core/pipeline/run-import.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import type { StoredPersonLink } from '../shared/core/pipeline/stored.js';
import { activityDetail } from '../shared/core/queries/activity-detail.js';
import { clubActivities } from '../shared/core/queries/club-activities.js';
import { personsNotInLoad } from '../shared/core/queries/persons-not-in-load.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { clockAt, importText, noWait, registerFor, testClub, uploadOf, type TestRegister } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';

const HEAD = (vendor: string, mode = 'delta', created = '2026-11-24T02:00:00+01:00') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="${vendor}" created="${created}" mode="${mode}">`;
const person = (id: string, pnr: string, extra = '') =>
  `<Person id="${id}"><PersonalNumber>${pnr}</PersonalNumber><FirstName>Åsa</FirstName><LastName>Öberg</LastName>${extra}<Membership from="2020-01-01"/></Person>`;
const activity = (
  id: string,
  date: string,
  start: string,
  end: string,
  leader: string,
  participants: string[],
  place = 'Vallen',
) =>
  `<Activity id="${id}"><Date>${date}</Date><Start>${start}</Start><End>${end}</End><Sport>Fotboll</Sport><Type>training</Type><Place>${place}</Place><Leader ref="${leader}"/>${participants.map((p) => `<Participant ref="${p}"/>`).join('')}</Activity>`;
const club = (id: string, persons: string[], activities: string[] = []) =>
  `<Club id="${id}"><Persons>${persons.join('')}</Persons><Activities>${activities.join('')}</Activities></Club>`;
const file = (vendor: string, clubs: string[], mode = 'delta', created?: string) =>
  `${HEAD(vendor, mode, created)}${clubs.join('')}</Import>`;

// Valid personnummer (Luhn) of a leader born 1990 and four children born 2012–2014.
const LEADER = '199005202388';
const KIDS = ['201203152382', '201306012384', '201407012382', '201405052380'];
const TEAM = [person('L', LEADER), ...KIDS.map((pnr, i) => person(`K${i}`, pnr))];
const KID_REFS = KIDS.map((_, i) => `K${i}`);
/** The team's hour of training, 17–18: its leader and every kid. */
const training = (id: string, date: string) => activity(id, date, '17:00', '18:00', 'L', KID_REFS);

function receipt(result: Awaited<ReturnType<typeof importText>>): Receipt {
  if (result.kind !== 'done') throw new Error(`import did not finish: ${JSON.stringify(result)}`);
  return result.receipt;
}

describe('the pipeline, case by case, on DynamoDB Local', () => {
  const db = dynamoDbForFile();
  let register: TestRegister;

  const fresh = async (
    clubs: (string | ReturnType<typeof testClub>)[] = ['100001', '100002'],
    vendors = ['v1', 'v2'],
  ) => {
    register?.dispose();
    register = await registerFor(db.client, vendors, clubs);
    return register;
  };
  /** A file of `clubs` that `vendor` sends (delta unless `mode` says), imported: its receipt. */
  const imported = async (vendor: string, name: string, clubs: string[], mode?: string) =>
    receipt(await importText(register, vendor, name, file(vendor, clubs, mode)));

  it('refuses what a vendor sends for a club that has not activated it (CLUB_NOT_ACTIVATED); the rest of the file counts', async () => {
    await fresh(['100001']);
    await addClub(register.admin, testClub('100009'));
    const r = await imported('v1', 'two-clubs.xml', [
      club('100001', TEAM, [training('A1', '2026-11-16')]),
      club('100009', TEAM),
      club('999999', TEAM),
    ]);
    expect(r.status).toBe('partially_applied');
    expect(r.errors.map((e) => [e.code, (e as { club?: string }).club])).toEqual([
      ['CLUB_NOT_ACTIVATED', '100009'],
      ['CLUB_NOT_ACTIVATED', '999999'],
    ]);
    expect(r.counts.persons).toMatchObject({ created: 5, refused: 10 });
    expect(r.activities.map((a) => [a.id, a.verdict])).toEqual([['A1', 'approved']]);
  });

  it('matches a person across clubs and vendors by personnummer: one register person, verdicts across clubs', async () => {
    await fresh();
    await imported('v1', 'a.xml', [
      club('100001', TEAM, [activity('A1', '2026-11-16', '17:00', '18:30', 'L', KID_REFS)]),
    ]);
    // The same children in another club, by another vendor, under other ids, at an overlapping time: club 100001's
    // activity comes first in the ordering (17:00), so the children are already counted there.
    const other = [person('X-L', '198501012382'), ...KIDS.map((pnr, i) => person(`X${i}`, pnr))];
    const r = await imported('v2', 'b.xml', [
      club('100002', other, [activity('B1', '2026-11-16', '17:30', '18:30', 'X-L', ['X0', 'X1', 'X2', 'X3'])]),
    ]);
    expect(r.activities[0]).toMatchObject({ id: 'B1', verdict: 'rejected', reasons: ['TOO_FEW_PARTICIPANTS'] });
    expect(
      r.activities[0]!.participants.every((p) => p.reasons.includes('PARTICIPANT_OVERLAPPING_ACTIVITY' as never)),
    ).toBe(true);
    // Club 100001 moves its activity to the next day: club 100002's verdict changes without a file of its own.
    await imported('v1', 'a2.xml', [
      club('100001', [], [activity('A1', '2026-11-17', '17:00', '18:30', 'L', KID_REFS)]),
    ]);
    const [a1] = await clubActivities(register.ports.store, { club: '100001', period: '2026-2' });
    const [b1] = await clubActivities(register.ports.store, { club: '100002', period: '2026-2' });
    expect([a1!.verdict.verdict, b1!.verdict.verdict]).toEqual(['approved', 'approved']);
    const [a1again] = await clubActivities(register.ports.store, { club: '100001', period: '2026-2' });
    expect(a1again!.verdict.participants).toEqual([]);
  });

  it('two ids of one club that are one person are both refused, also when the first came in an earlier file (DUPLICATE_PERSON_IDENTITY)', async () => {
    await fresh();
    await imported('v1', 'a.xml', [club('100001', [person('P1', KIDS[0]!)])]);
    const r = await imported('v1', 'b.xml', [
      club('100001', [person('P2', KIDS[0]!), person('P3', KIDS[1]!), person('P4', KIDS[1]!)]),
    ]);
    expect(r.errors.map((e) => [e.code, (e as { record?: string }).record])).toEqual([
      ['DUPLICATE_PERSON_IDENTITY', 'P2'],
      ['DUPLICATE_PERSON_IDENTITY', 'P3'],
      ['DUPLICATE_PERSON_IDENTITY', 'P4'],
    ]);
    expect(r.counts.persons.refused).toBe(3);
  });

  it('a new id of one club that is the same person as an unchanged record of the same file is refused (DUPLICATE_PERSON_IDENTITY)', async () => {
    await fresh();
    await imported('v1', 'a.xml', [club('100001', [person('P1', KIDS[0]!)])]);
    // P1 comes again unchanged (accepted without a write), P2 is a new id of the same person: never merged.
    const r = await imported('v1', 'b.xml', [club('100001', [person('P1', KIDS[0]!), person('P2', KIDS[0]!)])]);
    expect(r.errors.map((e) => [e.code, (e as { record?: string }).record])).toEqual([
      ['DUPLICATE_PERSON_IDENTITY', 'P2'],
    ]);
    expect(r.counts.persons).toMatchObject({ unchanged: 1, refused: 1, created: 0 });
    expect((await register.ports.store.linksOf('v1', '100001')).persons.map((l) => l.ref)).toEqual(['P1']);
  });

  it('a corrected personnummer updates the same person; a number that belongs to someone else is IDENTITY_CONFLICT', async () => {
    await fresh();
    await imported('v1', 'a.xml', [club('100001', [person('P1', KIDS[0]!), person('P2', KIDS[1]!)])]);
    const before = (await register.ports.store.linksOf('v1', '100001')).persons.find((l) => l.ref === 'P1')!;
    const r = await imported('v1', 'b.xml', [club('100001', [person('P1', KIDS[2]!), person('P2', KIDS[0]!)])]);
    const after = (await register.ports.store.linksOf('v1', '100001')).persons.find((l) => l.ref === 'P1')!;
    expect(after.pid).toBe(before.pid);
    expect(r.counts.persons.updated).toBe(1);
    // P2 now claims P1's old number: in this file it is free again (P1 moved away from it) only after P1's change,
    // but matching sees the register before the file, where it still points at P1's person.
    expect(r.errors.map((e) => [e.code, (e as { record?: string }).record])).toEqual([['IDENTITY_CONFLICT', 'P2']]);
  });

  it("matches on the club's identity key (e-mail) on first sight, and never merges a conflicting personnummer", async () => {
    await fresh([testClub('100001', { identityKey: 'email' })]);
    const first = await imported('v1', 'a.xml', [
      club('100001', [person('P1', KIDS[0]!, '<Email>Kid@Example.se</Email>')]),
    ]);
    expect(first.errors).toEqual([]);
    const r = await imported('v2', 'b.xml', [
      club('100001', [
        person('Q1', KIDS[0]!, '<Email>kid@example.se</Email>'),
        person('Q2', KIDS[1]!, '<Email>kid@example.se</Email>'),
      ]),
    ]);
    const [p1] = (await register.ports.store.linksOf('v1', '100001')).persons;
    const q = (await register.ports.store.linksOf('v2', '100001')).persons;
    expect(q.find((l) => l.ref === 'Q1')!.pid).toBe(p1!.pid);
    expect(r.errors.map((e) => [e.code, (e as { record?: string }).record])).toEqual([['IDENTITY_CONFLICT', 'Q2']]);
  });

  it('full mode removes what the vendor sent earlier for the club and did not send now; a delta file keeps it', async () => {
    await fresh();
    await imported('v1', 'a.xml', [club('100001', TEAM, [training('A1', '2026-11-16'), training('A2', '2026-11-17')])]);
    const delta = await imported('v1', 'b.xml', [club('100001', [], [training('A3', '2026-11-18')])]);
    expect(delta.counts.activities).toMatchObject({ created: 1, deleted: 0 });
    const full = await imported(
      'v1',
      'c.xml',
      [club('100001', TEAM.slice(0, 4), [activity('A3', '2026-11-18', '17:00', '18:00', 'L', KID_REFS.slice(0, 3))])],
      'full',
    );
    expect(full.counts.activities).toMatchObject({ unchanged: 0, updated: 1, deleted: 2 });
    expect(full.counts.persons).toMatchObject({ unchanged: 4, deleted: 1 });
    expect((await clubActivities(register.ports.store, { club: '100001', period: '2026-2' })).map((v) => v.id)).toEqual(
      ['A3'],
    );
    expect(await personsNotInLoad(register.ports.store, 'v1', '100001')).toEqual([]);
  });

  it('after a first full load, reports the persons the register holds for the club that the load did not contain', async () => {
    await fresh();
    await imported('v2', 'old-system.xml', [club('100001', [person('OLD-1', KIDS[3]!), person('OLD-2', KIDS[0]!)])]);
    await imported('v1', 'first-full.xml', [club('100001', TEAM.slice(0, 2))], 'full');
    const report = await personsNotInLoad(register.ports.store, 'v1', '100001');
    expect(report.map((p) => p.heldBy)).toEqual([[{ vendor: 'v2', ref: 'OLD-1' }]]);
  });

  it('a change to a stored activity in a closed period is refused (PERIOD_CLOSED) and its verdict stays', async () => {
    await fresh();
    receipt(
      await importText(
        register,
        'v1',
        'spring.xml',
        file('v1', [club('100001', TEAM, [training('S1', '2026-03-10')])]),
        '2026-11-25',
      ),
    );
    const r = receipt(
      await importText(
        register,
        'v1',
        'late.xml',
        file('v1', [club('100001', [], [activity('S1', '2026-03-10', '17:00', '17:20', 'L', KID_REFS)])]),
        '2026-12-16',
      ),
    );
    expect(r.errors.map((e) => e.code)).toEqual(['PERIOD_CLOSED']);
    const [detail] = await activityDetail(register.ports.store, { club: '100001', id: 'S1' });
    expect(detail!.verdict!.verdict).toBe('approved');
    expect(detail!.content.end).toBe('18:00');
  });

  it("applies one vendor's files in upload order: a later file waits while an earlier one is unfinished; a rejected file does not hold the queue", async () => {
    await fresh();
    const first = uploadOf('v1', 'first.xml');
    const second = uploadOf('v1', 'second.xml');
    await registerUpload(register.ports, first, clockAt('2026-11-25'));
    const blocked = await importText(
      register,
      'v1',
      'second.xml',
      file('v1', [club('100001', TEAM)]),
      '2026-11-25',
      second,
    );
    expect(blocked).toEqual({ kind: 'blocked', waitingFor: first.uploadId });
    const rejected = receipt(await importText(register, 'v1', 'first.xml', '<Import', '2026-11-25', first));
    expect(rejected.status).toBe('rejected');
    expect(
      receipt(await importText(register, 'v1', 'second.xml', file('v1', [club('100001', TEAM)]), '2026-11-25', second))
        .status,
    ).toBe('applied');
    expect(await register.ports.objects.get(receiptKey(second))).toContain('"status": "applied"');
  });

  it("an upload that failed after some of its records were applied does not hold its vendor's queue; reconciliation re-judges what it left", async () => {
    await fresh();
    const broken = uploadOf('v1', 'broken.xml');
    await registerUpload(register.ports, broken, clockAt('2026-11-25'));
    await applyFile(
      register.ports,
      broken,
      stringSource('broken.xml', file('v1', [club('100001', TEAM, [training('A1', '2026-11-16')])])),
      clockAt('2026-11-25'),
    );
    await failUpload(register.ports, broken, clockAt('2026-11-25'));
    const next = await importText(
      register,
      'v1',
      'next.xml',
      file('v1', [club('100001', [], [training('A2', '2026-11-17')])]),
    );
    expect(receipt(next).status).toBe('applied');
    const report = await reconcile(register.ports, clockAt('2026-11-25'), {
      open: () => undefined,
      stuckAfterMs: 3_600_000,
      ...noWait,
    });
    expect(report.rejudged).toEqual([broken.uploadId]);
    expect(
      (await clubActivities(register.ports.store, { club: '100001', period: '2026-2' })).map((v) => [
        v.id,
        v.verdict.verdict,
      ]),
    ).toEqual([
      ['A1', 'approved'],
      ['A2', 'approved'],
    ]);
  });

  it('reconciliation resumes a stuck upload, repairs drifted totals, closes periods past their final date and reports per vendor and period', async () => {
    await fresh();
    await imported('v1', 'a.xml', [club('100001', TEAM, [training('A1', '2026-11-16'), training('S1', '2026-03-10')])]);
    // Drift: the stored totals say something else than the verdicts.
    const { value, revision } = await register.ports.store.totals('100001', '2026-1');
    await register.ports.store.putTotals(
      '100001',
      '2026-1',
      { ...value!, totals: { ...value!.totals, approvedActivities: 99 } },
      revision,
    );
    // A stuck upload: registered and applied, never judged.
    const stuck = uploadOf('v1', 'stuck.xml');
    const stuckXml = file('v1', [club('100001', [], [training('A2', '2026-11-17')])]);
    await registerUpload(register.ports, stuck, clockAt('2026-11-25'));
    await applyFile(register.ports, stuck, stringSource('stuck.xml', stuckXml), clockAt('2026-11-25'));
    const gone = uploadOf('v2', 'gone.xml');
    await registerUpload(register.ports, gone, clockAt('2026-11-25'));

    const report = await reconcile(
      register.ports,
      { ...clockAt('2026-12-16'), now: () => '2026-12-16T03:00:00.000Z' },
      {
        open: (entry) => (entry.uploadId === stuck.uploadId ? stringSource('stuck.xml', stuckXml) : undefined),
        stuckAfterMs: 3_600_000,
        ...noWait,
      },
    );
    expect(report.resumed).toEqual([stuck.uploadId]);
    expect(report.failed).toEqual([gone.uploadId]);
    expect(
      report.drift.map((d) => [d.club, d.period, d.before?.approvedActivities, d.after.approvedActivities]),
    ).toEqual([['100001', '2026-1', 99, 1]]);
    expect(report.closedPeriods).toEqual([{ club: '100001', period: '2026-1' }]);
    expect(report.byVendorPeriod).toEqual([
      { vendor: 'v1', period: '2026-1', received: 1, approved: 1, rejected: 0 },
      { vendor: 'v1', period: '2026-2', received: 2, approved: 2, rejected: 0 },
    ]);
    expect(JSON.parse((await register.ports.objects.get(receiptKey(gone)))!)).toMatchObject({
      status: 'rejected',
      errors: [{ code: 'IMPORT_FAILED' }],
    });
    const again = await reconcile(
      register.ports,
      { ...clockAt('2026-12-16'), now: () => '2026-12-16T03:00:00.000Z' },
      { open: () => undefined, stuckAfterMs: 3_600_000, ...noWait },
    );
    expect([again.resumed, again.failed, again.drift, again.closedPeriods]).toEqual([[], [], [], []]);
  });

  it("keeps personnummer out of the register's keys and links: only keyed hashes", async () => {
    await fresh();
    await addVendor(register.admin, { id: 'v3', name: 'V3', purpose: 'LOK', licence: 'unlimited' });
    await activateVendor(register.admin, '100001', 'v3', '2020-01-01');
    await imported('v3', 'a.xml', [club('100001', TEAM)]);
    const links: StoredPersonLink[] = (await register.ports.store.linksOf('v3', '100001')).persons;
    const text = JSON.stringify(links);
    for (const pnr of [LEADER, ...KIDS]) expect(text).not.toContain(pnr.slice(2));
  });
});
