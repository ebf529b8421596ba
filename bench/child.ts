/** What both parts of the bench share: the repository root, child processes, progress lines and tables. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'lok-importer'
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the lok-importer repository root above the bench script');
    dir = parent;
  }
}

export const ROOT = findRoot();
export const DATA = join(ROOT, 'bench', 'data');
export const BIN = join(ROOT, 'bin', 'lok-importer.js');
export const MB = 1e6;

/** Nearest-rank percentile of sorted values: the smallest value with at least p % of the values at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly fd3: string;
  readonly seconds: number;
}

/** Runs `node ARGS` to its end; stdout is collected unless `stdoutFd` is given (then it goes there). */
export function runNode(
  args: readonly string[],
  options: { stdoutFd?: number; fd3?: boolean } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', options.stdoutFd ?? 'pipe', 'pipe'];
    if (options.fd3) stdio.push('pipe');
    const started = performance.now();
    const child = spawn(process.execPath, [...args], { cwd: ROOT, stdio });
    const collect = (index: number): (() => string) => {
      const parts: Buffer[] = [];
      child.stdio[index]?.on('data', (chunk: Buffer) => parts.push(chunk));
      return () => Buffer.concat(parts).toString('utf8');
    };
    const stdout = collect(1);
    const stderr = collect(2);
    const fd3 = collect(3);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      resolve({ code, signal, stdout: stdout(), stderr: stderr(), fd3: fd3(), seconds });
    });
  });
}

export function failed(what: string, finished: Finished): Error {
  const how = finished.signal ? `signal ${finished.signal}` : `exit code ${finished.code}`;
  return new Error(`${what} failed (${how})${finished.stderr ? `:\n${finished.stderr.trim()}` : ''}`);
}

export function lastJsonLine<T>(what: string, text: string): T {
  const line = text.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${what} printed no JSON result: ${JSON.stringify(text.slice(-500))}`);
  }
}

export function table(rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((text, i) => (rightAligned[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const whole = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Peak RSS as `process.resourceUsage().maxRSS` gives it (KiB) in MB (10^6 bytes). */
export const rssMB = (kib: number): number => (kib * 1024) / MB;

/** Each item of each size, as `[size, item]` in the report's order: the rows of a table by size. */
export function eachOfSizes<S, T>(sizes: readonly S[], items: (size: S) => readonly T[]): [S, T][] {
  return sizes.flatMap((size) => items(size).map((item): [S, T] => [size, item]));
}
