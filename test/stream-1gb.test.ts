import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/run-cli.js';

const GIB = 1024 ** 3;

describe('the reader streams', () => {
  it('reads a 1 GiB file in a process capped at 512 MB, with a peak RSS under 512 MB', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--max-old-space-size=512', `${ROOT}test/support/stream-worker.mjs`, String(GIB)],
      { maxBuffer: 1 << 20 },
    );
    const result = JSON.parse(stdout) as {
      bytes: number;
      clubs: number;
      counts: Record<string, number>;
      seconds: number;
      maxRssMb: number;
    };
    console.log(
      `1 GiB read: ${(result.bytes / 1e6).toFixed(0)} MB in ${result.seconds.toFixed(1)} s (${(result.bytes / 1e6 / result.seconds).toFixed(0)} MB/s), peak RSS ${result.maxRssMb.toFixed(0)} MB`,
    );
    expect(result.bytes).toBeGreaterThanOrEqual(GIB);
    expect(result.counts.rejected).toBeUndefined();
    expect(result.counts.club).toBe(result.clubs);
    // Every club block holds the same 2 000 persons and 2 000 activities, some of them refused.
    expect((result.counts.person ?? 0) + (result.counts.activity ?? 0) + (result.counts.refused ?? 0)).toBe(
      result.clubs * 4000,
    );
    expect(result.maxRssMb).toBeLessThan(512);
  }, 300_000);
});
