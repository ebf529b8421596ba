import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runProcess, type CliResult } from './run-cli.js';

/**
 * `lok-importer check FILE --json --today TODAY` in a child whose heap is capped at `heapMb`, with its peak RSS
 * (test/hostile/report-rss.mjs writes it into `scratch` when the child exits; Infinity when it died first).
 */
export async function checkInChild(
  path: string,
  options: { readonly heapMb: number; readonly today: string; readonly scratch: string },
): Promise<CliResult & { rssMb: number }> {
  const rssFile = join(options.scratch, 'rss.txt');
  rmSync(rssFile, { force: true });
  const result = await runProcess(
    process.execPath,
    [
      `--max-old-space-size=${options.heapMb}`,
      '--import',
      join(ROOT, 'test', 'hostile', 'report-rss.mjs'),
      join(ROOT, 'bin', 'lok-importer.js'),
      'check',
      path,
      '--json',
      '--today',
      options.today,
    ],
    { env: { ...process.env, HOSTILE_RSS_FILE: rssFile } },
  );
  return { ...result, rssMb: existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : Infinity };
}
