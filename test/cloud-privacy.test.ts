import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_DAYS } from '../cdk/constructs/file-store.js';
import type { ImporterFunction } from '../cdk/constructs/importer-function.js';
import { ENV } from '../functions/commons/environment.js';
import { erasureKey, type ErasureReport } from '../shared/core/privacy/erase-person.js';
import { RETENTION_YEARS, retentionCutoff, type PurgeReport } from '../shared/core/privacy/retention.js';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { definitionOf, fileBucketLifecycleRules, flatten, synthApp } from './support/cdk-app.js';
import {
  ADMIN_ENV,
  cloudTestBedAround,
  deployedWith,
  importWhole,
  IMPORT_STEPS,
  invoke,
  putInInbox,
  type Deployment,
  type Handler,
} from './support/cloud.js';
import { ROOT } from './support/run-cli.js';

/**
 * Data protection in the AWS deployment: a person's erasure on request through the admin function, and the nightly
 * job's retention purge (functions/reconcile-purge.ts), as their handlers run on DynamoDB Local and s3rver; their
 * place and grants in the synthesized template.
 */
const VENDOR = 'demo-vendor';
const CLUB = '100042';
const sample = readFileSync(join(ROOT, 'samples', 'club-valid.xml'), 'utf8');
/** P-1001's personnummer in club-valid.xml, and a valid one the register never held. */
const PNR = '201003151238';
const UNKNOWN_PNR = '191212121212';

/** The sample moved eight years back (dates only, never a personnummer): its periods are past the seven years. */
const eightYearsBack = (xml: string) =>
  xml.replace(/\b(202[3-6])-(\d\d-\d\d)/g, (_, year: string, rest: string) => `${Number(year) - 8}-${rest}`);

type Answer = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

describe('data protection in the cloud: the template', () => {
  const { stacks } = synthApp();
  const stack = stacks.prod;
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<
    string,
    { Properties: { Timeout?: number; Environment?: { Variables?: Record<string, unknown> } } }
  >;
  const idOf = (f: ImporterFunction) => stack.getLogicalId(f.node.defaultChild as CfnElement);

  it("the nightly job runs the retention purge after the clubs' half and before the report, in a 15-minute function given the identity key", () => {
    const purge = stack.reconciliation.functions.find((f) => f.handlerFile === 'reconcile-purge.ts')!;
    const asl = definitionOf(template, /nightly reconciliation/);
    expect(asl.States.ReconcileClubs!.Next).toBe('Purge');
    expect(asl.States.AnyClubs!.Default).toBe('Purge');
    expect(asl.States.Purge!.Next).toBe('Report');
    expect(JSON.stringify(asl.States.Purge)).toContain(idOf(purge));
    const fn = resources[idOf(purge)]!.Properties;
    expect(fn.Timeout).toBe(15 * 60);
    expect(Object.keys(fn.Environment!.Variables!).sort()).toEqual(
      expect.arrayContaining(['BUCKET', ENV.identityKeySecretArn, 'REGISTER_TABLE']),
    );
    expect(flatten(fn.Environment!.Variables![ENV.identityKeySecretArn])).toBe(
      `<${stack.getLogicalId(stack.register.identityKey.node.defaultChild as CfnElement)}>`,
    );
  });

  it("the archive is purged by the bucket's lifecycle rule, which keeps files at least as long as the register keeps their data", () => {
    const rules = fileBucketLifecycleRules(template);
    expect(rules.find((r) => r.Id === 'archive-seven-years')).toMatchObject({
      Prefix: 'archive/',
      ExpirationInDays: ARCHIVE_DAYS,
    });
    expect(ARCHIVE_DAYS).toBeGreaterThanOrEqual(RETENTION_YEARS * 365 + Math.floor(RETENTION_YEARS / 4));
  });

  it("an erasure's deleted note (keyed hashes, activity ids) leaves no old versions behind: they expire after 30 days", () => {
    const rules = fileBucketLifecycleRules(template);
    expect(rules.find((r) => r.Prefix === 'privacy/')).toMatchObject({
      Id: 'erasure-notes',
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });
  });

  it('the admin function erases on request: up to 15 minutes (one scan of the register, a re-judge), given the identity key', () => {
    const fn = resources[idOf(stack.admin.function)]!.Properties;
    expect(fn.Timeout).toBe(15 * 60);
    expect(Object.keys(fn.Environment!.Variables!)).toContain(ENV.identityKeySecretArn);
  });
});

describe('data protection in the cloud: the handlers, on DynamoDB Local and s3rver', () => {
  const bed = cloudTestBedAround();

  const FUNCTIONS = {
    ...IMPORT_STEPS,
    admin: 'vendor-admin',
    purge: 'reconcile-purge',
    report: 'reconcile-report',
  } as const;

  /** A deployment with the vendor and club onboarded, `xml` imported through the import workflow's handlers. */
  async function importedIn(xml: string): Promise<{ d: Deployment; h: { [K in keyof typeof FUNCTIONS]: Handler } }> {
    const { d, h } = await deployedWith(bed.cloud, { vendors: [VENDOR], clubs: [CLUB] }, ADMIN_ENV, FUNCTIONS);
    await importWhole(h, await putInInbox(bed.cloud, d, VENDOR, 'club.xml', xml));
    return { d, h };
  }

  const items = async (d: Deployment) =>
    (await bed.cloud.dynamodb.send(new ScanCommand({ TableName: d.table }))).Items ?? [];

  it('person-erase: the person leaves the register, the same request again answers the same, refusals by code, no personnummer in any answer', async () => {
    const { d, h } = await importedIn(sample);
    const call = async (request: unknown) => invoke(h.admin, request, 'VendorAdmin') as Promise<Answer>;
    const before = await items(d);
    const erased = await call({ action: 'person-erase', request: { personnummer: '20100315-1238' } });
    expect(erased).toMatchObject({
      ok: true,
      value: { outcome: 'erased', erasedOn: systemClock().today, removed: { person: 1, memberships: 1, links: 1 } },
    });
    const report = erased.value as ErasureReport;
    expect(report.removed!.activities).toBeGreaterThan(0);
    expect(report.remains.some((r) => r.startsWith('archive:'))).toBe(true);
    expect(before.some((i) => JSON.stringify(i).includes(report.pid))).toBe(true);
    // Nothing names the person any more but the head counter of their calendar key (upload ids, no data).
    expect((await items(d)).filter((i) => JSON.stringify(i).includes(report.pid)).map((i) => i.pk!.S)).toEqual([
      `HEAD#${report.pid}`,
    ]);
    expect(JSON.parse((await d.ports.objects.get(erasureKey(report.pid)))!)).toEqual(report);

    expect(await call({ action: 'person-erase', request: { personnummer: PNR } })).toEqual(erased);
    expect(await call({ action: 'person-erase', request: { pid: report.pid } })).toEqual(erased);
    const refusals = [
      await call({ action: 'person-erase', request: { personnummer: UNKNOWN_PNR } }),
      await call({ action: 'person-erase', request: {} }),
      await call({ action: 'person-erase', request: { personnummer: '201003151239' } }),
      await call({ action: 'person-erase', request: { personnummer: 'x'.repeat(21) } }),
    ];
    expect(refusals.map((r) => r.error?.code)).toEqual([
      'UNKNOWN_PERSON',
      'INVALID_ADMIN_INPUT',
      'INVALID_ADMIN_INPUT',
      'INVALID_ADMIN_INPUT',
    ]);
    const answers = JSON.stringify([erased, ...refusals]);
    for (const digits of [PNR, PNR.slice(2), '1003151238', UNKNOWN_PNR.slice(2), '1003151239'])
      expect(answers).not.toContain(digits);
    expect(bed.output.text()).not.toContain('1003151238');
  }, 120_000);

  it("the nightly purge: periods past the seven years and persons left with nothing, in the night's report; the next night nothing more", async () => {
    const { d, h } = await importedIn(eightYearsBack(sample));
    const verdictsBefore = (await items(d)).filter((i) => i.pk!.S!.startsWith('VERDICTS#'));
    expect(verdictsBefore.length).toBeGreaterThan(0);
    const runId = randomUUID();
    const cutoff = retentionCutoff(systemClock().today);
    // Every period of the file (2018) ended before the cutoff; P-1002's membership ended 2018-12-31, the others' are open.
    expect(await invoke(h.purge, { runId }, 'PurgeFn')).toEqual({ cutoff, periods: 1, persons: 1 });
    const after = await items(d);
    expect(after.filter((i) => /^(CAL#|VERDICTS#)/.test(i.pk!.S!) || i.sk!.S!.startsWith('A#'))).toEqual([]);
    expect(after.filter((i) => i.pk!.S!.startsWith('PERSON#') && i.sk!.S === 'META')).toHaveLength(6);

    await invoke(h.report, { runId }, 'ReportFn');
    const report = JSON.parse((await d.ports.objects.get(`reports/reconciliation/${runId}.json`))!) as {
      purged: PurgeReport;
    };
    expect(report.purged).toEqual({
      cutoff,
      periods: [{ club: CLUB, period: expect.stringMatching(/^2018-/), activities: 3 }],
      persons: 1,
      archivedFiles: 0,
    });
    // The archived file stays: in S3 the lifecycle rule removes it, nothing else may.
    expect((await d.ports.uploads.keys('archive/')).length).toBe(1);

    const next = randomUUID();
    expect(await invoke(h.purge, { runId: next }, 'PurgeFn')).toEqual({ cutoff, periods: 0, persons: 0 });
  }, 120_000);
});
