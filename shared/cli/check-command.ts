import { existsSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { stockholmDate, stockholmDateOf } from '../adapters/clock/stockholm-date.js';
import { fileSource } from '../adapters/local-disk/file-source.js';
import { parseDate } from '../core/calendar/dates.js';
import { checkImport } from '../core/check/check-import.js';
import { receiptJson } from '../core/receipt/receipt-json.js';
import { receiptText } from '../core/receipt/receipt-text.js';
import { command } from './command.js';
import { writeAll } from './write-all.js';
import { ProgressLine } from './progress-line.js';
import { UsageError } from './usage-error.js';

const HELP = `Judges an Importer XML v1 file exactly as the importer would on an empty register in which the file's vendor
is activated for every club in the file. Stores nothing.

  --json              print the receipt as JSON on standard output (the human form otherwise)
  --today YYYY-MM-DD  the evaluation date (period closing, personnummer century, "not in the future");
                      default: today in Europe/Stockholm. Fix it in CI for reproducible results.
  -h, --help          this text

Exit codes: 0 applied or partially_applied, 1 rejected, 2 usage error (no such file, bad flags).
`;

/** `lok-importer check`, also the whole of `lok-check` (packages/check). */
export const check = command({
  name: 'check',
  usage: [{ args: 'FILE [--json] [--today YYYY-MM-DD]', summary: 'judge a file as the importer would, store nothing' }],
  help: HELP,
  options: { json: { type: 'boolean' }, today: { type: 'string' } },
  run: ({ values, positionals, name }) => {
    if (positionals.length !== 1) throw new UsageError(`${name} takes exactly one FILE`);
    return checkFile(positionals[0]!, values);
  },
});

async function checkFile(
  path: string,
  values: { json?: boolean | undefined; today?: string | undefined },
): Promise<number> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`no such file: ${path}`);
  if (values.today !== undefined && parseDate(values.today) === undefined)
    throw new UsageError(`--today must be a real date YYYY-MM-DD, got ${values.today}`);
  const today = values.today ?? stockholmDate();

  // `check` holds a file's activities to judge them together; V8 would let the heap grow to several times
  // that live set before collecting. A growing factor of 1.3 keeps a 100 MB file under 400 MB RSS for about a
  // tenth more time on Node 20 (measured: docs/architecture.md; on Node 24 it no longer suffices, see there).
  // Process-wide, which is fine: this process only checks.
  setFlagsFromString('--heap-growing-percent=30');
  const size = statSync(path).size;
  const progress = new ProgressLine();
  let bytes = 0;
  const started = Date.now();
  const line = (records: number) => () => {
    const seconds = (Date.now() - started) / 1000;
    return `checking ${path}: ${(bytes / 1e6).toFixed(0)} / ${(size / 1e6).toFixed(0)} MB, ${records} records, ${(bytes / 1e6 / Math.max(seconds, 0.001)).toFixed(0)} MB/s`;
  };
  let records = 0;
  const receipt = await checkImport(
    fileSource(path, (b) => {
      bytes = b;
      progress.update(line(records));
    }),
    {
      today,
      now: () => new Date().toISOString(),
      swedishDateOf: stockholmDateOf,
      onProgress: (p) => {
        records = p.records;
        if (p.phase === 'judge') progress.update(() => `judging: ${p.records} / ${p.total ?? '?'} activities`);
      },
    },
  );
  progress.done();
  if (values.json) await writeAll(process.stdout, receiptJson(receipt));
  else process.stdout.write(receiptText(receipt));
  return receipt.status === 'rejected' ? 1 : 0;
}
