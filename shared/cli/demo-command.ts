import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stockholmDate } from '../adapters/clock/stockholm-date.js';
import { fileSource } from '../adapters/local-disk/file-source.js';
import { checkImport } from '../core/check/check-import.js';
import { receiptText } from '../core/receipt/receipt-text.js';

/**
 * `npm start` until local mode exists: checks every sample file and prints its verdicts. The samples are
 * dated in autumn 2026, so the evaluation date is fixed to keep their periods open whenever this runs.
 */
export const DEMO_TODAY = '2026-11-25';

export async function demoCommand(args: string[]): Promise<number> {
  const folder = args[0] ?? 'samples';
  const files = readdirSync(folder).filter((f) => f.endsWith('.xml')).sort();
  process.stdout.write(`lok-importer demo: checking ${files.length} sample files in ${folder}/ (evaluation date ${DEMO_TODAY}; today is ${stockholmDate()})\n\n`);
  for (const file of files) {
    const receipt = await checkImport(fileSource(join(folder, file)), { today: DEMO_TODAY, now: () => new Date().toISOString() });
    process.stdout.write(`${receiptText(receipt)}\n${'-'.repeat(78)}\n`);
  }
  process.stdout.write('Check your own file with: npx lok-importer check FILE [--json] [--today YYYY-MM-DD]\n');
  return 0;
}
