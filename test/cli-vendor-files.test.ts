import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchForFile } from './support/for-file.js';
import { runCli } from './support/run-cli.js';

const scratch = scratchForFile('lok-vendor-files-');

const SMALL = ['--clubs', '1', '--persons', '20', '--activities', '10', '--seed', 'mode'];

function modeOf(file: string): string | undefined {
  return /<Import [^>]*\bmode="([^"]*)"/.exec(readFileSync(file, 'utf8'))?.[1];
}

// Issue 14: `generate` always wrote mode="full", which --help did not say, so uploading a generated file deleted the
// records a vendor had sent before. A generated file is now a delta unless asked for otherwise.
describe('lok-importer generate --mode', () => {
  it('writes a delta by default, and says so in --help', async () => {
    const file = join(scratch, 'default.xml');
    expect((await runCli(['generate', ...SMALL, '--out', file])).code).toBe(0);
    expect(modeOf(file)).toBe('delta');
    const help = await runCli(['generate', '--help']);
    expect(help.stdout).toMatch(/--mode M\s+the file's mode: delta \(default\)/);
    expect(help.stdout).toMatch(/^Usage: lok-importer generate .*\[--mode delta\|full\]/);
  });

  it('writes a full load when asked', async () => {
    const file = join(scratch, 'full.xml');
    expect((await runCli(['generate', ...SMALL, '--mode', 'full', '--out', file])).code).toBe(0);
    expect(modeOf(file)).toBe('full');
  });

  it('refuses another mode with exit 2', async () => {
    const { code, stderr } = await runCli(['generate', ...SMALL, '--mode', 'all', '--out', '-']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--mode must be delta or full, got all/);
  });
});

// Issue 14: a misspelled container (`<Activites>`) dropped every activity under it with one UNKNOWN_ELEMENT, status
// partially_applied, exit 0, refused 0. Now the file is rejected whole, exit 1, with the element's line.
describe('lok-importer check on a misspelled container', () => {
  it('rejects the file with exit 1, naming the element and its line', async () => {
    const { code, stdout } = await runCli(['check', 'samples/rejected-unknown-element.xml', '--today', '2026-11-25']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/REJECTED/);
    expect(stdout).toMatch(/line 15\s+UNKNOWN_ELEMENT\s+.*Activites/);
  });
});
