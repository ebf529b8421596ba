import { App } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImporterStack } from '../cdk/importer-stack.js';
import { acknowledgements } from '../cdk/nag-acknowledgements.js';
import { stagesFrom } from '../cdk/config.js';
import { AUTO_DELETE_PROVIDER, BUCKET_DEPLOYMENT_PROVIDER, STAGES, synthApp } from './support/cdk-app.js';

function findings(stack: ImporterStack) {
  return new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId ?? ''} ${r.constructPath ?? ''}`),
    );
}

describe('cdk-nag (AwsSolutions pack)', () => {
  it('passes on every stage with only the acknowledged, reasoned findings', () => {
    const { stacks } = synthApp();
    for (const stack of Object.values(stacks)) expect(findings(stack), stack.stackName).toEqual([]);
    for (const { id, reason } of acknowledgements(stacks.prod)) {
      expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(reason.length, id).toBeGreaterThan(40);
    }
  });

  it('acknowledges exactly the findings of the bare stack: each acknowledgement matches a finding, none is stale', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    for (const stage of stagesFrom(STAGES)) {
      const bare = new ImporterStack(app, `Bare-${stage.name}`, {
        stage,
        env: { region: 'eu-north-1' },
        acknowledgeNagFindings: false,
      });
      const found = new AwsSolutionsChecks()
        .validateScope(bare)
        .violations.map((v) => v.ruleName)
        .sort();
      expect(found.length).toBeGreaterThan(10);
      expect(
        acknowledgements(bare)
          .map((a) => a.id)
          .sort(),
      ).toEqual(found);
    }
  });

  it('acknowledges each finding only where it belongs: the same wildcard on another role still fails', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const [stage] = stagesFrom({ test: STAGES.test });
    const stack = new ImporterStack(app, 'Widened', { stage: stage!, env: { region: 'eu-north-1' } });
    const role = new Role(stack, 'SomeoneElse', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    stack.files.bucket.grantRead(role);
    role.addToPolicy(new PolicyStatement({ actions: ['xray:PutTraceSegments'], resources: ['*'] }));
    const found = new AwsSolutionsChecks().validateScope(stack).violations;
    expect(found.map((v) => v.ruleName).sort()).toEqual(
      expect.arrayContaining(['AwsSolutions-IAM5[Action::s3:GetObject*]', 'AwsSolutions-IAM5[Resource::*]']),
    );
    for (const v of found)
      expect(v.violatingResources.map((r) => r.constructPath)).toEqual([
        expect.stringMatching(/^Widened\/SomeoneElse\//),
      ]);
  });

  it("runs as the app's validation plugin: a real synth with esbuild bundling writes templates and a passing report", () => {
    const outdir = mkdtempSync(join(tmpdir(), 'lok-cdk-out-'));
    try {
      const { app } = synthApp({ bundle: true, outdir });
      const dir = app.synth().directory;
      expect(dir).toBe(outdir);
      expect(existsSync(join(dir, 'LokImporter-test.template.json'))).toBe(true);
      expect(existsSync(join(dir, 'LokImporter-prod.template.json'))).toBe(true);
      // Each function's bundle: an ES module built by esbuild (no Docker), with its source map. CDK's own handler
      // behind the test stage's autoDeleteObjects is not ours: its asset is the one its function's code names.
      const template = JSON.parse(readFileSync(join(dir, 'LokImporter-test.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
      };
      const cdkOwn = Object.entries(template.Resources)
        .filter(
          ([id, r]) =>
            (AUTO_DELETE_PROVIDER.test(id) || BUCKET_DEPLOYMENT_PROVIDER.test(id)) &&
            r.Type === 'AWS::Lambda::Function',
        )
        .map(([, r]) => `asset.${r.Properties.Code!.S3Key!.replace(/\.zip$/, '')}`);
      expect(cdkOwn).toHaveLength(2);
      // The club site's page, copied as it is by the bucket deployment (cdk/constructs/club-site.ts): files, not a function.
      for (const r of Object.values(template.Resources).filter((r) => r.Type === 'Custom::CDKBucketDeployment')) {
        for (const key of (r.Properties as { SourceObjectKeys?: unknown[] }).SourceObjectKeys ?? [])
          if (typeof key === 'string') cdkOwn.push(`asset.${key.replace(/\.zip$/, '')}`);
      }
      const assets = readdirSync(dir).filter(
        (f) => f.startsWith('asset.') && statSync(join(dir, f)).isDirectory() && !cdkOwn.includes(f),
      );
      expect(assets.length).toBeGreaterThanOrEqual(16);
      for (const asset of assets) {
        expect(existsSync(join(dir, asset, 'index.mjs'))).toBe(true);
        expect(readFileSync(join(dir, asset, 'index.mjs'), 'utf8')).toMatch(/createRequire/);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
