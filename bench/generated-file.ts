/** The bench's input files: made by the CLI's generator once, kept in bench/data/ while their parameters hold. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { BIN, ROOT, failed, progress, runNode } from './child.js';

/** The generator's flags for how many clubs, persons and activities a file has. */
export function sizeFlags(params: { clubs: number; persons: number; activities: number }): string[] {
  return [
    '--clubs',
    String(params.clubs),
    '--persons',
    String(params.persons),
    '--activities',
    String(params.activities),
  ];
}

/**
 * A file of the CLI's generator (`generate FLAGS --out FILE`), made unless it is already there with the same
 * parameters (`generator`) and byte count, as its sidecar (`<name>.params.json`) records them.
 */
export async function ensureGenerated<G>(
  label: string,
  file: string,
  generator: G,
  flags: readonly string[],
): Promise<{ file: string; bytes: number; generator: G }> {
  const sidecar = file.replace(/\.xml$/, '.params.json');
  if (existsSync(file) && existsSync(sidecar)) {
    try {
      const recorded = JSON.parse(readFileSync(sidecar, 'utf8')) as { generator?: unknown; bytes?: number };
      const bytes = statSync(file).size;
      if (JSON.stringify(recorded.generator) === JSON.stringify(generator) && recorded.bytes === bytes) {
        progress(`[${label}] reusing ${relative(ROOT, file)} (${bytes} bytes)`);
        return { file, bytes, generator };
      }
    } catch {
      // An unreadable sidecar: generate again.
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  rmSync(sidecar, { force: true });
  const partial = `${file}.partial`;
  progress(`[${label}] generating ${relative(ROOT, file)} (${flags.join(' ')})…`);
  const finished = await runNode([BIN, 'generate', ...flags, '--out', partial]);
  if (finished.code !== 0) throw failed(`generating ${file}`, finished);
  renameSync(partial, file);
  const bytes = statSync(file).size;
  writeFileSync(sidecar, `${JSON.stringify({ generator, bytes }, null, 2)}\n`);
  progress(`[${label}] generated ${bytes} bytes in ${finished.seconds.toFixed(1)} s`);
  return { file, bytes, generator };
}
