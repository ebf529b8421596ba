import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbApplicationStore } from '../shared/adapters/dynamodb/application-store-dynamodb.js';
import { applicationOf, type ApplicationPorts } from '../shared/core/application/application.js';
import { exportApplication, exportCsv } from '../shared/core/application/export-application.js';
import { submitApplication, type SubmitRequest } from '../shared/core/application/submit-application.js';
import { reconcile } from '../shared/core/pipeline/reconcile.js';
import { clubActivities } from '../shared/core/queries/club-activities.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { clubFile, KIDS, type ActivitySpec } from './support/club-file.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { clockAt, importText, noWait, registerFor, type TestRegister } from './support/pipeline.js';

const CLUB = '100001';
const OTHER = '100002';
const SPRING = '2026-1';

function receipt(result: Awaited<ReturnType<typeof importText>>): Receipt {
  if (result.kind !== 'done') throw new Error(`import did not finish: ${JSON.stringify(result)}`);
  return result.receipt;
}

const request = (overrides: Partial<SubmitRequest> = {}): SubmitRequest => ({
  club: CLUB,
  period: SPRING,
  kind: 'main',
  by: 'official-1',
  requestId: 'request-0001',
  ...overrides,
});

describe("a club's application on DynamoDB Local (issue 16)", () => {
  const db = dynamoDbForFile();
  let register: TestRegister;
  let ports: ApplicationPorts;
  const submit = (today: string, overrides: Partial<SubmitRequest> = {}) =>
    submitApplication(ports, request(overrides), clockAt(today));
  const verdictOf = async (id: string, club = CLUB) =>
    (await clubActivities(register.ports.store, { club, period: SPRING })).find((v) => v.id === id)!.verdict;
  /** `activities` of `club` that v1 sends on `day` (the file created at 08:00 that morning), imported: its receipt. */
  const sentOn = async (day: string, name: string, activities: ActivitySpec[], club = CLUB) =>
    receipt(await importText(register, 'v1', name, clubFile('v1', club, `${day}T08:00:00+02:00`, activities), day));

  beforeAll(async () => {
    register = await registerFor(db.client, ['v1'], [CLUB, OTHER]);
    ports = {
      store: register.ports.store,
      applications: new DynamoDbApplicationStore(DynamoDBDocumentClient.from(db.client), register.table),
    };
    // Spring 2026 (deadline 25 Aug, final date 15 Dec): one approved activity, one rejected (no leader), sent in June.
    await sentOn('2026-06-01', 'june.xml', [
      { id: 'A1', date: '2026-05-04', group: 'P12' },
      { id: 'A2', date: '2026-05-05', leader: '' },
    ]);
  }, 120_000);

  it('holds the approved activities with their figures, per sport and source system; nothing late yet', async () => {
    const application = await applicationOf(ports, CLUB, SPRING, '2026-06-02');
    expect(application).toMatchObject({
      deadline: '2026-08-25',
      finalDate: '2026-12-15',
      activities: { approved: 1, rejected: 1 },
      main: {
        kind: 'main',
        canSubmit: true,
        totals: {
          approvedActivities: 1,
          participations: 4,
          paidParticipants: 4,
          reducedParticipants: 0,
          extraLeaderSupportActivities: 0,
          forecastSek: 21 + 4 * 7.86,
        },
      },
      supplementary: { kind: 'supplementary', canSubmit: false, totals: { approvedActivities: 0 } },
    });
    expect(application.main.totals.bySport).toEqual({
      Fotboll: { approvedActivities: 1, participations: 4, forecastSek: 52.44 },
    });
    expect(application.main.totals.byVendor).toEqual({
      v1: { approvedActivities: 1, participations: 4, forecastSek: 52.44 },
    });
    expect(application.main.submitted).toBeUndefined();
  });

  it('refuses a supplementary application before the main one', async () => {
    expect(await submit('2026-08-01', { kind: 'supplementary' })).toMatchObject({
      ok: false,
      error: { code: 'SUPPLEMENTARY_BEFORE_MAIN' },
    });
  });

  it('submits the main application once: when, by whom, the activities it took; a second is refused, a retry gets the same answer', async () => {
    const first = await submit('2026-08-20');
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value).toMatchObject({
      club: CLUB,
      period: SPRING,
      kind: 'main',
      by: 'official-1',
      activities: [{ vendor: 'v1', id: 'A1' }],
      totals: { approvedActivities: 1 },
    });
    expect(first.value.submittedAt).toMatch(/^2026-08-20T/);
    // The same request again (the answer was lost, say): the same submission, recorded once.
    expect(await submit('2026-08-21')).toEqual(first);
    expect(await submit('2026-08-21', { requestId: 'request-0002', by: 'official-2' })).toMatchObject({
      ok: false,
      error: { code: 'APPLICATION_ALREADY_SUBMITTED' },
    });
    const state = (await register.ports.store.clubs([CLUB])).get(CLUB)!;
    expect(state.submittedPeriods).toEqual([SPRING]);
    expect((await applicationOf(ports, CLUB, SPRING, '2026-08-21')).main).toMatchObject({
      canSubmit: false,
      submitted: { by: 'official-1', activities: 1 },
    });
  });

  it('closes the period for the club: a new activity is PERIOD_CLOSED, a change of a submitted one refused, its verdict frozen', async () => {
    const r = await sentOn('2026-08-22', 'august.xml', [
      { id: 'A1', date: '2026-05-04', start: '16:00', group: 'P12' },
      { id: 'A3', date: '2026-05-06' },
    ]);
    expect(r.errors).toMatchObject([{ code: 'PERIOD_CLOSED', record: 'A1' }]);
    expect(r.activities.find((a) => a.id === 'A3')).toMatchObject({ verdict: 'rejected', reasons: ['PERIOD_CLOSED'] });
    expect(await verdictOf('A1')).toMatchObject({ verdict: 'approved', reasons: [] });
    // Another club is not closed by this club's application.
    const other = await sentOn(
      '2026-08-22',
      'other.xml',
      [{ id: 'B1', date: '2026-05-06', start: '10:00', end: '11:00' }],
      OTHER,
    );
    expect(other.activities[0]).toMatchObject({ id: 'B1', verdict: 'approved' });
  });

  it('judges an activity registered late (after the deadline) and holds it apart, for the supplementary application', async () => {
    const r = await sentOn('2026-09-10', 'september.xml', [{ id: 'A4', date: '2026-05-07' }]);
    expect(r.activities[0]).toMatchObject({ id: 'A4', verdict: 'approved', warnings: ['REGISTERED_LATE'] });
    const application = await applicationOf(ports, CLUB, SPRING, '2026-09-11');
    expect(application.main.totals.approvedActivities).toBe(1);
    expect(application.supplementary).toMatchObject({
      canSubmit: true,
      totals: { approvedActivities: 1, participations: 4 },
    });
  });

  it('judges a late activity against the frozen verdicts of its day: who was counted in the submitted one is not counted again', async () => {
    // A1 (submitted, frozen: 17:00–18:30 on 4 May, the four children counted) and A6 the same day at 18:00, registered late.
    const r = await sentOn('2026-09-12', 'september-2.xml', [
      { id: 'A6', date: '2026-05-04', start: '18:00', end: '19:00' },
    ]);
    expect(r.activities[0]).toMatchObject({
      id: 'A6',
      verdict: 'rejected',
      warnings: ['REGISTERED_LATE'],
      countedParticipants: 0,
    });
    expect(r.activities[0]!.reasons).toContain('TOO_FEW_PARTICIPANTS');
    expect(r.activities[0]!.participants.map((p) => ['ref' in p ? p.ref : 'anonymous', p.reasons])).toEqual(
      KIDS.map((k) => [k, ['PARTICIPANT_OVERLAPPING_ACTIVITY', 'PARTICIPANT_ALREADY_COUNTED_TODAY']]),
    );
    expect(r.activities[0]!.leaders).toMatchObject([
      { ref: 'L', valid: false, reasons: ['LEADER_OVERLAPPING_ACTIVITY'], overlapsWith: { id: 'A1' } },
    ]);
    expect(await verdictOf('A1')).toMatchObject({ verdict: 'approved', reasons: [], countedParticipants: 4 });
  });

  it('exports one row per activity of the application: no personnummer, no names', async () => {
    const rows = await exportApplication(ports, CLUB, SPRING);
    expect(rows).toEqual([
      {
        application: 'main',
        date: '2026-05-04',
        start: '17:00',
        end: '18:30',
        sport: 'Fotboll',
        type: 'training',
        group: 'P12',
        countedParticipants: 4,
        validLeaders: ['L'],
        sourceSystem: 'v1',
        activity: 'A1',
      },
      {
        application: 'supplementary',
        date: '2026-05-07',
        start: '17:00',
        end: '18:30',
        sport: 'Fotboll',
        type: 'training',
        group: '',
        countedParticipants: 4,
        validLeaders: ['L'],
        sourceSystem: 'v1',
        activity: 'A4',
      },
    ]);
    const csv = exportCsv(rows);
    expect(csv.split('\r\n')[0]).toBe(
      'application,date,start,end,sport,type,group,countedParticipants,validLeaders,sourceSystem,activity',
    );
    expect(csv).not.toMatch(/2012|Svensson|Ledare|Lena/);
    expect(exportCsv([{ ...rows[0]!, group: '=HYPERLINK("x")' }])).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('submits the supplementary application once, which closes the rest: a later late activity is PERIOD_CLOSED', async () => {
    const sent = await submit('2026-09-15', { kind: 'supplementary', requestId: 'request-0003' });
    expect(sent).toMatchObject({
      ok: true,
      value: { kind: 'supplementary', activities: [{ vendor: 'v1', id: 'A4' }], totals: { approvedActivities: 1 } },
    });
    expect(await submit('2026-09-16', { kind: 'supplementary', requestId: 'request-0004' })).toMatchObject({
      ok: false,
      error: { code: 'APPLICATION_ALREADY_SUBMITTED' },
    });
    const r = await sentOn('2026-10-01', 'october.xml', [{ id: 'A5', date: '2026-05-08' }]);
    expect(r.activities[0]).toMatchObject({
      id: 'A5',
      verdict: 'rejected',
      reasons: ['PERIOD_CLOSED'],
      warnings: ['REGISTERED_LATE'],
    });
    expect((await register.ports.store.clubs([CLUB])).get(CLUB)!.supplementedPeriods).toEqual([SPRING]);
  });

  it('leaves the submitted verdicts and totals alone in the nightly job', async () => {
    const before = await clubActivities(register.ports.store, { club: CLUB, period: SPRING });
    const report = await reconcile(register.ports, clockAt('2026-10-02'), {
      open: () => undefined,
      stuckAfterMs: 3_600_000,
      ...noWait,
    });
    expect(report.corrected).toEqual([]);
    expect(report.drift).toEqual([]);
    expect(await clubActivities(register.ports.store, { club: CLUB, period: SPRING })).toEqual(before);
  });

  it("refuses an application after the period's final date (APPLICATION_PERIOD_CLOSED) and an unknown club", async () => {
    expect(await submit('2026-12-16', { club: OTHER, requestId: 'request-0005' })).toMatchObject({
      ok: false,
      error: { code: 'APPLICATION_PERIOD_CLOSED' },
    });
    expect(await submit('2026-08-01', { club: '999999', requestId: 'request-0006' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CLUB' },
    });
    expect(await submit('2026-08-01', { period: '2026-3' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ADMIN_INPUT' },
    });
  });

  it('records a submission exactly once when the same request and a rival race', async () => {
    const period = '2026-2';
    const racing = await Promise.all([
      submit('2026-11-20', { club: OTHER, period, requestId: 'race-0001' }),
      submit('2026-11-20', { club: OTHER, period, requestId: 'race-0001' }),
      submit('2026-11-20', { club: OTHER, period, requestId: 'race-0002' }),
    ]);
    const won = racing.filter((r) => r.ok);
    const winner = won[0]!;
    expect(won.every((r) => JSON.stringify(r) === JSON.stringify(winner))).toBe(true);
    expect(racing.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === 'APPLICATION_ALREADY_SUBMITTED')).toBe(
      true,
    );
    expect((await register.ports.store.clubs([OTHER])).get(OTHER)!.submittedPeriods).toEqual([period]);
  });
});
