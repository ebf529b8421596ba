import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import {
  disableLogin,
  openLogin,
  rotateLoginKey,
  type LoginKey,
  type VendorLogins,
} from '../shared/core/admin/vendor-login.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import type { UploadKey } from '../shared/core/pipeline/reconcile.js';
import { stagedKey } from '../shared/core/pipeline/staging.js';
import { addDays } from '../shared/core/calendar/dates.js';
import { archiveKey } from '../shared/core/storage/bucket-layout.js';
import { restartSuffix } from '../shared/core/pipeline/upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import type { WorkflowUpload } from '../functions/commons/workflow-input.js';
import {
  ADMIN_ENV,
  closedEndpoint,
  cloudTestBedAround,
  coldStart,
  deployedWith,
  failAfterApply,
  freshDeployment,
  importWhole,
  IMPORT_STEPS,
  invoke,
  invokeFailing,
  onboardIn,
  putInInbox,
  startExecution,
  STATE_MACHINE_ARN,
  type Deployment,
  type Handler,
} from './support/cloud.js';
import { ROOT } from './support/run-cli.js';
import { exampleClub } from '../shared/core/admin/example-club.js';

const VENDOR = 'demo-vendor';
const CLUBS = ['100042', '100043'];
const ONBOARDED = { vendors: [VENDOR], clubs: CLUBS };
const sample = (name: string) => readFileSync(join(ROOT, 'samples', name), 'utf8');
const HOURS = 60 * 60 * 1000;

describe("the nightly reconciliation's handlers and the admin function, on DynamoDB Local and s3rver", () => {
  const bed = cloudTestBedAround();

  it('reconciles: stale uploads re-judged, stuck ones restarted from the archive, drift repaired per club batch, one report', async () => {
    const { d, h } = await deployedWith(
      bed.cloud,
      ONBOARDED,
      { SFN_ENDPOINT: bed.sfn.endpoint },
      {
        ...IMPORT_STEPS,
        fail: 'fail-step',
        planUploads: 'reconcile-plan-uploads',
        upload: 'reconcile-upload',
        plan: 'reconcile-plan-clubs',
        clubs: 'reconcile-clubs',
        report: 'reconcile-report',
      },
    );
    const inbox = (file: string, xml: string) => putInInbox(bed.cloud, d, VENDOR, file, xml);

    // A file imported in full: its club periods have totals.
    const done = await inbox('club-valid.xml', sample('club-valid.xml'));
    await importWhole(h, done);
    // A file that failed after it was applied: its changes were never judged (stale).
    const stale = await inbox('club-errors.xml', sample('club-errors.xml'));
    await failAfterApply(h, stale);
    expect(await d.ports.store.upload(VENDOR, stale.uploadId, stale.completedAt)).toMatchObject({
      status: 'failed',
      stale: true,
    });
    // A file registered seven hours ago whose execution ended without finishing it (stuck), its copy in the archive.
    const stuckXml = sample('club-valid.xml').replace('<FirstName>Åsa</FirstName>', '<FirstName>Åsa Stina</FirstName>');
    const completedAt = new Date(Date.now() - 7 * HOURS).toISOString();
    const stuck = { vendor: VENDOR, uploadId: `u-${'5'.repeat(48)}`, file: 'stuck.xml', completedAt };
    await d.ports.objects.put(archiveKey(stuck), stuckXml);
    await d.ports.store.createUpload({ ...stuck, stage: 'queued', receivedAt: completedAt });
    // Another, as old, whose own execution still runs (a long wait for an earlier upload): not restarted.
    const running = {
      vendor: VENDOR,
      uploadId: `u-${'6'.repeat(48)}`,
      file: 'running.xml',
      completedAt: new Date(Date.now() - 7 * HOURS + 1000).toISOString(),
    };
    await d.ports.objects.put(archiveKey(running), stuckXml);
    await d.ports.store.createUpload({ ...running, stage: 'queued', receivedAt: running.completedAt });
    // And one (of another vendor) restarted last night, whose restart still runs (a long wait for its turn): not
    // restarted again.
    const restartedBefore = {
      vendor: 'another-vendor',
      uploadId: `u-${'7'.repeat(48)}`,
      file: 'restarted.xml',
      completedAt: new Date(Date.now() - 30 * HOURS).toISOString(),
    };
    await d.ports.objects.put(archiveKey(restartedBefore), stuckXml);
    await d.ports.store.createUpload({ ...restartedBefore, stage: 'queued', receivedAt: restartedBefore.completedAt });
    const yesterday = addDays(systemClock().today, -1);
    for (const name of [running.uploadId, `${restartedBefore.uploadId}${restartSuffix(yesterday)}`])
      await startExecution(bed.sfn.endpoint, STATE_MACHINE_ARN, name, {});
    const runId = randomUUID();
    const night = systemClock().today.replace(/-/g, '');
    // The plan lists every unfinished upload by its ledger key, oldest first; each is one item of the Distributed Map.
    const uploadsPlan = (await invoke(h.planUploads, { runId }, 'UploadsPlan')) as {
      manifest: string;
      uploads: number;
    };
    expect(uploadsPlan).toEqual({ manifest: `reports/reconciliation/${runId}/uploads.jsonl`, uploads: 4 });
    const listed = (await d.ports.objects.get(uploadsPlan.manifest))!
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as UploadKey);
    const key = ({ vendor, uploadId, completedAt }: UploadKey): UploadKey => ({ vendor, uploadId, completedAt });
    expect(listed).toEqual([key(restartedBefore), key(stuck), key(running), key(stale)]);
    // The Map's ItemSelector gives each item the run id beside the upload.
    const outcomes = await Promise.all(listed.map((upload) => invoke(h.upload, { runId, upload }, 'Uploads')));
    expect(outcomes).toEqual([
      { outcome: 'waiting' },
      { outcome: 'restarted' },
      { outcome: 'waiting' },
      { outcome: 'rejudged' },
    ]);
    // The stuck upload's workflow started again, named for the night, from its archived copy.
    const restart = bed.sfn.started.at(-1)!;
    expect(restart.name).toBe(`${stuck.uploadId}-r${night}`);
    const restarted = (restart.input as { upload: WorkflowUpload }).upload;
    expect(restarted).toEqual({
      ...stuck,
      bytes: Buffer.byteLength(stuckXml),
      source: expect.objectContaining({ bucket: d.bucket, key: archiveKey(stuck), size: Buffer.byteLength(stuckXml) }),
    });
    expect(bed.sfn.started.map((e) => e.name)).not.toContain(`${running.uploadId}-r${night}`);
    for (const step of [h.register, h.apply, h.judge, h.totals, h.receipt]) await invoke(step, { upload: restarted });
    expect(JSON.parse((await d.ports.objects.get(receiptKey(stuck)))!)).toMatchObject({
      file: 'stuck.xml',
      status: 'applied',
    } satisfies Partial<Receipt>);
    // The running one's own execution finishes it.
    const runningUpload: WorkflowUpload = {
      ...running,
      bytes: Buffer.byteLength(stuckXml),
      source: (await d.ports.uploads.head(archiveKey(running)))!,
    };
    for (const step of [h.register, h.apply, h.judge, h.totals, h.receipt])
      await invoke(step, { upload: runningUpload });
    expect(await d.ports.objects.get(archiveKey(stuck))).toBe(stuckXml);
    expect((await d.ports.store.allUnfinishedUploads()).map((u) => u.uploadId)).toEqual([restartedBefore.uploadId]);
    // Its running restart ends it (here: as failed) before the next night.
    await d.ports.store.putUpload({
      ...restartedBefore,
      stage: 'done',
      status: 'failed',
      receivedAt: restartedBefore.completedAt,
    });

    // Totals that no longer match their verdicts (a step went wrong somewhere).
    const period = (await d.ports.store.totalsOf('100042'))[0]!.totals;
    const { value, revision } = await d.ports.store.totals('100042', period.period);
    await d.ports.store.putTotals(
      '100042',
      period.period,
      { ...value!, totals: { ...value!.totals, approvedActivities: value!.totals.approvedActivities + 5 } },
      revision,
    );

    const plan = (await invoke(h.plan, { runId }, 'Plan')) as { manifest: string; clubs: number };
    expect(plan).toEqual({ manifest: `reports/reconciliation/${runId}/clubs.jsonl`, clubs: 2 });
    const items = (await d.ports.objects.get(plan.manifest))!
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { club: string });
    expect(items).toEqual(CLUBS.map((club) => ({ club })));
    // The item batcher's batches (one club each here): { Items, BatchInput }.
    const batches = await Promise.all(
      items.map((item) => invoke(h.clubs, { Items: [item], BatchInput: { runId } }, 'Clubs')),
    );
    expect(batches).toEqual([
      { clubs: 1, drift: 1, corrected: 0 },
      { clubs: 1, drift: 0, corrected: 0 },
    ]);

    expect(await invoke(h.report, { runId }, 'ReportFn')).toEqual({
      report: `reports/reconciliation/${runId}.json`,
      drift: 1,
      uploadErrors: 0,
      clubErrors: 0,
    });
    const report = JSON.parse((await d.ports.objects.get(`reports/reconciliation/${runId}.json`))!) as {
      runId: string;
      uploads: unknown;
      drift: { club: string; period: string }[];
      byVendorPeriod: { vendor: string; received: number }[];
    };
    expect(report.runId).toBe(runId);
    expect(report.uploads).toEqual({
      resumed: [],
      failed: [],
      blocked: [],
      rejudged: [stale.uploadId],
      restarted: [stuck.uploadId],
      errors: [],
    });
    expect(report.drift).toEqual([expect.objectContaining({ club: '100042', period: period.period })]);
    expect(report.byVendorPeriod.length).toBeGreaterThan(0);
    expect(report.byVendorPeriod.every((row) => row.vendor === VENDOR && row.received > 0)).toBe(true);

    // The next night: nothing to do (an upload listed but finished since is read again, and left alone).
    const next = randomUUID();
    expect(await invoke(h.planUploads, { runId: next })).toMatchObject({ uploads: 0 });
    expect(await invoke(h.upload, { runId: next, upload: key(stale) })).toEqual({ outcome: 'waiting' });
    expect(await invoke(h.clubs, { Items: items, BatchInput: { runId: next } })).toEqual({
      clubs: 2,
      drift: 0,
      corrected: 0,
    });
  }, 60_000);

  it("an upload that cannot be reconciled fails its item only: the catch keeps the error's name for the report, the next night re-judges it", async () => {
    const { d, h } = await deployedWith(
      bed.cloud,
      ONBOARDED,
      { SFN_ENDPOINT: bed.sfn.endpoint },
      {
        register: 'register-step',
        apply: 'apply-step',
        fail: 'fail-step',
        planUploads: 'reconcile-plan-uploads',
        upload: 'reconcile-upload',
        failed: 'reconcile-upload-failed',
        report: 'reconcile-report',
      },
    );
    const stale = await putInInbox(bed.cloud, d, VENDOR, 'club-errors.xml', sample('club-errors.xml'));
    await failAfterApply(h, stale);
    // Its staged seeds cannot be read tonight.
    const staged = (await d.ports.objects.get(stagedKey(stale, 'apply')))!;
    await d.ports.objects.put(stagedKey(stale, 'apply'), '{ not json');

    const runId = randomUUID();
    const { vendor, uploadId, completedAt } = stale;
    expect(await invoke(h.planUploads, { runId })).toMatchObject({ uploads: 1 });
    // The item fails as Lambda reports it (the error renamed for Retry/Catch, the original's name its message) …
    const caught = await invokeFailing(h.upload, { runId, upload: { vendor, uploadId, completedAt } }, 'Uploads');
    expect(caught.Error).toBe('StepFailed');
    // … and its catch records the original's name, never a message.
    expect(
      await invoke(h.failed, { runId, upload: { vendor, uploadId, completedAt }, error: caught }, 'UploadErrors'),
    ).toEqual({ error: 'SyntaxError' });
    expect(await invoke(h.report, { runId }, 'ReportFn')).toMatchObject({ uploadErrors: 1 });
    const report = JSON.parse((await d.ports.objects.get(`reports/reconciliation/${runId}.json`))!) as {
      uploads: unknown;
    };
    expect(report.uploads).toEqual({
      resumed: [],
      failed: [],
      blocked: [],
      rejudged: [],
      restarted: [],
      errors: [{ uploadId, error: 'SyntaxError' }],
    });
    expect(bed.output.text()).toContain('"ReconciliationUploadErrors"');
    // A time-out is the service's error, kept by its name; a cause that is not Lambda's is never read.
    for (const error of [
      { Error: 'States.Timeout', Cause: 'the personal cause' },
      { Error: 'StepFailed', Cause: '{"errorType":"StepFailed","errorMessage":"file 850101-1234 is odd"}' },
    ])
      expect(await invoke(h.failed, { runId, upload: { vendor, uploadId, completedAt }, error })).toEqual({
        error: error.Error,
      });

    // Still stale: the next night, its staged seeds readable again, re-judges it.
    expect(await d.ports.store.upload(VENDOR, uploadId, completedAt)).toMatchObject({ stale: true });
    await d.ports.objects.put(stagedKey(stale, 'apply'), staged);
    const next = randomUUID();
    expect(await invoke(h.upload, { runId: next, upload: { vendor, uploadId, completedAt } })).toEqual({
      outcome: 'rejudged',
    });
    expect(await invoke(h.report, { runId: next })).toMatchObject({ uploadErrors: 0 });
    expect(JSON.parse((await d.ports.objects.get(`reports/reconciliation/${next}.json`))!)).toMatchObject({
      uploads: { rejudged: [uploadId], errors: [] },
    });
  }, 60_000);

  describe('the admin function', () => {
    let d: Deployment;
    let admin: Handler;
    const club = exampleClub('200001', { name: 'IK Moln' });
    const call = (request: unknown) =>
      invoke(admin, request, 'VendorAdmin') as Promise<{
        ok: boolean;
        value?: unknown;
        error?: { code: string; message: string };
      }>;

    beforeAll(async () => {
      d = await freshDeployment(bed.cloud);
      // Transfer Family cannot run here: its endpoint is a closed port, so a call to it fails instead of reaching AWS.
      ({ admin } = await coldStart(d.env({ ...ADMIN_ENV, TRANSFER_ENDPOINT: await closedEndpoint() }), {
        admin: 'vendor-admin',
      }));
    });

    it('refuses a request that does not fit the schema as INVALID_ADMIN_INPUT, naming the field', async () => {
      for (const [request, field] of [
        [{ action: 'club-remove', club: '200001' }, 'action'],
        [{ action: 'club-add', club: { ...club, sports: [] } }, 'club.sports'],
        [{ action: 'club-add', club: { ...club, identityKey: 'skostorlek' } }, 'club.identityKey'],
        [{ action: 'club-activate', club: '200001', vendor: VENDOR }, 'from'],
        [
          {
            action: 'vendor-add',
            vendor: { id: 'x'.repeat(65), name: 'X', purpose: 'LOK-stöd', licence: 'unlimited' },
          },
          'vendor.id',
        ],
        [{ action: 'vendor-key-rotate', vendor: VENDOR, publicKey: 'ssh-ed25519 AAAA' }, 'keepOld'],
        [null, 'request'],
      ] as const) {
        const result = await call(request);
        expect(result, JSON.stringify(request)).toMatchObject({
          ok: false,
          error: { code: 'INVALID_ADMIN_INPUT', message: expect.stringContaining(field) },
        });
      }
    });

    it('adds vendors and clubs and activates them in the register; a repeat is refused by code', async () => {
      expect(
        await call({
          action: 'vendor-add',
          vendor: { id: 'acme', name: 'Acme AB', purpose: 'LOK-stöd', licence: 'unlimited' },
        }),
      ).toMatchObject({ ok: true });
      expect(
        await call({
          action: 'vendor-add',
          vendor: { id: 'acme', name: 'Acme AB', purpose: 'LOK-stöd', licence: 'unlimited' },
        }),
      ).toMatchObject({ ok: false, error: { code: 'VENDOR_EXISTS' } });
      // A private key for a login is refused before Transfer Family is asked.
      expect(
        await call({
          action: 'vendor-add',
          vendor: { id: 'acme', name: 'Acme AB', purpose: 'LOK-stöd', licence: 'unlimited' },
          publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----',
        }),
      ).toMatchObject({ ok: false, error: { code: 'INVALID_ADMIN_INPUT' } });
      expect(await call({ action: 'club-add', club })).toEqual({ ok: true, value: club });
      expect(await call({ action: 'club-add', club })).toMatchObject({ ok: false, error: { code: 'CLUB_EXISTS' } });
      expect(await call({ action: 'club-activate', club: '200001', vendor: 'acme', from: '2026-01-01' })).toEqual({
        ok: true,
        value: 'activated',
      });
      expect(await call({ action: 'club-activate', club: '200001', vendor: 'acme', from: '2026-01-01' })).toEqual({
        ok: true,
        value: 'already-active',
      });
      expect(
        await call({ action: 'club-activate', club: '200001', vendor: 'nobody', from: '2026-01-01' }),
      ).toMatchObject({ ok: false, error: { code: 'UNKNOWN_VENDOR' } });
      expect(await call({ action: 'club-activate', club: '299999', vendor: 'acme', from: '2026-01-01' })).toMatchObject(
        { ok: false, error: { code: 'UNKNOWN_CLUB' } },
      );
      expect(await call({ action: 'club-activate', club: '200001', vendor: 'acme', from: '1 januari' })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ADMIN_INPUT' },
      });
      expect((await d.ports.store.clubs(['200001'])).get('200001')).toMatchObject({
        club,
        activations: [{ vendor: 'acme', from: '2026-01-01', active: true }],
      });
      expect(await call({ action: 'club-deactivate', club: '200001', vendor: 'acme', to: '2026-06-30' })).toEqual({
        ok: true,
        value: 'deactivated',
      });
      expect((await d.ports.store.clubs(['200001'])).get('200001')!.activations).toEqual([
        expect.objectContaining({ vendor: 'acme', to: '2026-06-30' }),
      ]);
    });

    it('reports a Transfer Family that cannot be reached as a TransientError (the CLI sees the function fail)', async () => {
      const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPbdXmC7W0l0Fq8mZlWf1x6N2pY3n4Q5r6S7t8U9v0Wx';
      expect(
        (
          await invokeFailing(admin, {
            action: 'vendor-add',
            vendor: { id: 'acme', name: 'Acme AB', purpose: 'LOK-stöd', licence: 'unlimited' },
            publicKey: key,
          })
        ).Error,
      ).toBe('TransientError');
    });
  });

  describe("vendors' SFTP logins (the use-cases; Transfer Family itself is not run here)", () => {
    /** Logins as Transfer Family keeps them: a user is created once; a key is imported once per user. */
    class MemoryLogins implements VendorLogins {
      readonly users = new Map<string, LoginKey[]>();
      private ids = 0;
      async create(vendor: string, publicKey: string) {
        if (this.users.has(vendor)) return 'exists' as const;
        this.users.set(vendor, [{ id: `key-${++this.ids}`, key: publicKey }]);
        return 'created' as const;
      }
      async keys(vendor: string) {
        return this.users.get(vendor);
      }
      async addKey(vendor: string, publicKey: string) {
        const keys = this.users.get(vendor);
        if (!keys) throw new Error('ResourceNotFoundException');
        if (keys.some((k) => k.key === publicKey)) throw new Error('the key is there already');
        const key = { id: `key-${++this.ids}`, key: publicKey };
        keys.push(key);
        return key;
      }
      async removeKey(vendor: string, keyId: string) {
        this.users.set(
          vendor,
          (this.users.get(vendor) ?? []).filter((k) => k.id !== keyId),
        );
      }
    }
    const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

    it('onboards, rotates and disables a login; onboarding a disabled vendor again opens it with the key', async () => {
      const d = await freshDeployment(bed.cloud);
      await onboardIn(d.ports.admin, [VENDOR], []);
      const logins = new MemoryLogins();
      expect(await openLogin(d.ports.admin, logins, 'nobody', KEY_A)).toMatchObject({
        ok: false,
        error: { code: 'UNKNOWN_VENDOR' },
      });
      expect(await openLogin(d.ports.admin, logins, VENDOR, 'not a key')).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ADMIN_INPUT' },
      });
      // The comment (often an e-mail address) is not kept.
      expect(await openLogin(d.ports.admin, logins, VENDOR, `${KEY_A} it@vendor.example`)).toEqual({
        ok: true,
        value: 'created',
      });
      expect(await openLogin(d.ports.admin, logins, VENDOR, KEY_A)).toEqual({ ok: true, value: 'exists' });
      expect(logins.users.get(VENDOR)).toEqual([{ id: 'key-1', key: KEY_A }]);

      expect(await rotateLoginKey(logins, VENDOR, KEY_B, true)).toEqual({
        ok: true,
        value: { added: 'key-2', removed: [] },
      });
      expect(await rotateLoginKey(logins, VENDOR, KEY_B, false)).toEqual({
        ok: true,
        value: { added: 'key-2', removed: ['key-1'] },
      });
      expect(logins.users.get(VENDOR)!.map((k) => k.key)).toEqual([KEY_B]);
      expect(await rotateLoginKey(logins, 'nobody', KEY_B, false)).toMatchObject({
        ok: false,
        error: { code: 'UNKNOWN_VENDOR' },
      });

      expect(await disableLogin(logins, VENDOR)).toEqual({ ok: true, value: { removed: ['key-2'] } });
      expect(logins.users.get(VENDOR)).toEqual([]);
      expect(await openLogin(d.ports.admin, logins, VENDOR, KEY_A)).toEqual({ ok: true, value: 'exists' });
      expect(logins.users.get(VENDOR)!.map((k) => k.key)).toEqual([KEY_A]);
    });
  });
});
