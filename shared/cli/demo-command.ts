import { existsSync, readdirSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { stockholmDate, stockholmDateOf } from '../adapters/clock/stockholm-date.js';
import { fileSource } from '../adapters/local-disk/file-source.js';
import { checkImport } from '../core/check/check-import.js';
import { receiptText } from '../core/receipt/receipt-text.js';
import { UsageError } from './usage-error.js';

/**
 * `npm start` until local mode exists: checks every sample file and prints its verdicts. The samples are
 * dated in autumn 2026, so the evaluation date is fixed to keep their periods open whenever this runs.
 */
export const DEMO_TODAY = '2026-11-25';

export const DEMO_HELP = `Usage: lok-importer demo [FOLDER]

Checks every .xml file in FOLDER (default samples/) with evaluation date ${DEMO_TODAY} and prints each
file's receipt in its human form. This is what \`npm start\` runs.
`;

export async function demoCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(DEMO_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('demo takes at most one FOLDER');
  const folder = positionals[0] ?? 'samples';
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`no such folder: ${folder}`);
  const files = readdirSync(folder).filter((f) => f.endsWith('.xml')).sort();
  process.stdout.write(`lok-importer demo: checking ${files.length} sample files in ${folder}/ (evaluation date ${DEMO_TODAY}; today is ${stockholmDate()})\n\n`);
  for (const file of files) {
    const receipt = await checkImport(fileSource(join(folder, file)), { today: DEMO_TODAY, now: () => new Date().toISOString(), swedishDateOf: stockholmDateOf });
    process.stdout.write(`${receiptText(receipt)}\n${'-'.repeat(78)}\n`);
  }
  process.stdout.write('Check your own file with: npx lok-importer check FILE [--json] [--today YYYY-MM-DD]\n');
  return 0;
}
