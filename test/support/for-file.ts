import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * What the tests of one file (or describe block) share: started before them (before the file's own `beforeAll`,
 * when called first), stopped after them. The function returned reads it, inside a hook or a test.
 */
export function forFile<T>(
  what: string,
  start: () => Promise<T>,
  stop: (started: T) => unknown,
  timeoutMs?: number,
): () => T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  }, timeoutMs);
  afterAll(async () => {
    if (started !== undefined) await stop(started);
  });
  return () => {
    if (started === undefined) throw new Error(`${what} is not started yet: read it in a hook or a test`);
    return started;
  };
}

/** A temp folder for the tests of one file (or describe block), made now and removed after them. */
export function scratchForFile(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}
