import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stockholmDate, stockholmDateOf } from '../adapters/clock/stockholm-date.js';
import { fileSource } from '../adapters/local-disk/file-source.js';
import { checkImport } from '../core/check/check-import.js';
import { receiptText } from '../core/receipt/receipt-text.js';
import { command } from './command.js';
import { UsageError } from './usage-error.js';

/**
 * `npm start` until local mode exists: checks every sample file and prints its verdicts. The samples are
 * dated in autumn 2026, so the evaluation date is fixed to keep their periods open whenever this runs.
 */
export const DEMO_TODAY = '2026-11-25';

const HELP = `Checks every .xml file in FOLDER (default samples/) with evaluation date ${DEMO_TODAY} and prints each
file's receipt in its human form. This is what \`npm start\` runs.
`;

export const demo = command({
  name: 'demo',
  usage: [{ args: '[FOLDER]', summary: 'check every file in FOLDER (default samples/) and print its verdicts' }],
  help: HELP,
  options: {},
  run: ({ positionals }) => demoFolder(positionals),
});

async function demoFolder(positionals: readonly string[]): Promise<number> {
  if (positionals.length > 1) throw new UsageError('demo takes at most one FOLDER');
  const folder = positionals[0] ?? 'samples';
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`no such folder: ${folder}`);
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.xml'))
    .sort();
  process.stdout.write(
    `lok-importer demo: checking ${files.length} sample files in ${folder}/ (evaluation date ${DEMO_TODAY}; today is ${stockholmDate()})\n\n`,
  );
  for (const file of files) {
    const receipt = await checkImport(fileSource(join(folder, file)), {
      today: DEMO_TODAY,
      now: () => new Date().toISOString(),
      swedishDateOf: stockholmDateOf,
    });
    process.stdout.write(`${receiptText(receipt)}\n${'-'.repeat(78)}\n`);
  }
  process.stdout.write('Check your own file with: npx lok-importer check FILE [--json] [--today YYYY-MM-DD]\n');
  return 0;
}
