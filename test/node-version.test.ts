import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImporterFunction } from '../cdk/constructs/importer-function.js';
import { synthApp } from './support/cdk-app.js';
import { ROOT } from './support/run-cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The one pin: package.json's `node` package, which npm puts first on the PATH of every script and of npx. */
const pinned = pkg.dependencies.node!;
const major = Number(pinned.split('.')[0]);
const majorOf = (range: string) => Number(/(\d+)/.exec(range)![1]);

describe('one Node version for development, CI, local mode, the bench and the Lambdas', () => {
  it('the tests run on the pinned Node (npm test puts node_modules/.bin first on the PATH)', () => {
    expect(process.versions.node).toBe(pinned);
  });

  it("engines, @types/node, .node-version and the CLI's own check name the same version", () => {
    expect(majorOf(pkg.engines.node)).toBe(major);
    expect(readFileSync(join(ROOT, 'bin', 'lok-importer.js'), 'utf8')).toContain(`const REQUIRED_MAJOR = ${major};`);
    expect(majorOf(pkg.devDependencies['@types/node']!)).toBe(major);
    expect(readFileSync(join(ROOT, '.node-version'), 'utf8').trim()).toBe(pinned);
  });

  it('every Lambda function runs on the same major version, bundled for it', () => {
    const { stacks } = synthApp();
    for (const stack of Object.values(stacks)) {
      const resources = Template.fromStack(stack).toJSON().Resources as Record<
        string,
        { Properties: { Runtime?: string } }
      >;
      // Ours are the ImporterFunctions (CDK's own providers, such as the test bucket's auto-delete, are not).
      const ours = stack.node.findAll().filter((c): c is ImporterFunction => c instanceof ImporterFunction);
      expect(ours.length).toBeGreaterThan(10);
      for (const fn of ours)
        expect(resources[stack.getLogicalId(fn.node.defaultChild as CfnElement)]!.Properties.Runtime).toBe(
          `nodejs${major}.x`,
        );
    }
    expect(readFileSync(join(ROOT, 'cdk', 'constructs', 'importer-function.ts'), 'utf8')).toContain(
      `target: 'node${major}'`,
    );
  });

  it("ssh2's native add-ons are built for this Node (postinstall rebuilds them against its headers)", () => {
    const require = createRequire(import.meta.url);
    expect(() => require('cpu-features')).not.toThrow();
    expect(() => require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node')).not.toThrow();
  });
});
