import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseDate } from '../core/calendar/dates.js';
import { generateImport } from '../core/generate/generate-import.js';
import { command, type CommandInput } from './command.js';
import { ProgressLine } from './progress-line.js';
import { UsageError } from './usage-error.js';
import { writeAll } from './write-all.js';

const HELP = `Writes a realistic, deterministic Importer XML v1 file (the same seed gives the same bytes): Swedish names
with åäö, valid personnummer, groups, several sports, leaders, memberships, and a share of deliberately bad
records, for demos, tests and benchmarks.

  --clubs N          number of clubs (ids from 100042 up)
  --persons N        persons in all, spread over the clubs (one in ten is a leader)
  --activities N     activities in all, spread over the clubs
  --mode M           the file's mode: delta (default) adds and changes what it holds; full is the whole
                     truth for each club, so persons and activities sent before and missing from it are
                     deleted (importer-format.md)
  --bad-share X      share of records made bad, 0–1 (default 0.02)
  --seed S           seed (default "lok")
  --vendor V         the file's vendor (default demo-vendor)
  --from YYYY-MM-DD  first activity date (default 2026-08-17)
  --to YYYY-MM-DD    last activity date (default 2026-11-20)
  --out F            output file, or - for standard output
  -h, --help         this text
`;

function count(name: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${value}`);
  return Number(value);
}

const OPTIONS = {
  clubs: { type: 'string' },
  persons: { type: 'string' },
  activities: { type: 'string' },
  mode: { type: 'string', default: 'delta' },
  'bad-share': { type: 'string', default: '0.02' },
  seed: { type: 'string', default: 'lok' },
  vendor: { type: 'string', default: 'demo-vendor' },
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
} as const;

export const generate = command({
  name: 'generate',
  usage: [
    {
      args: '--clubs N --persons N --activities N [--mode delta|full] [--bad-share 0.02] [--seed S] --out F',
      summary: 'write a realistic, deterministic Importer XML file',
    },
  ],
  help: HELP,
  options: OPTIONS,
  run: generateFile,
});

async function generateFile({ values, positionals }: CommandInput<typeof OPTIONS>): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const clubs = count('clubs', values.clubs);
  const persons = count('persons', values.persons);
  const activities = count('activities', values.activities);
  if (clubs < 1) throw new UsageError('--clubs must be at least 1');
  const badShare = Number(values['bad-share']);
  if (!(badShare >= 0 && badShare <= 1))
    throw new UsageError(`--bad-share must be between 0 and 1, got ${values['bad-share']}`);
  for (const flag of ['from', 'to'] as const) {
    const value = values[flag];
    if (value !== undefined && parseDate(value) === undefined)
      throw new UsageError(`--${flag} must be a real date YYYY-MM-DD, got ${value}`);
  }
  const mode = values.mode;
  if (mode !== 'delta' && mode !== 'full') throw new UsageError(`--mode must be delta or full, got ${mode}`);
  if (values.out === undefined) throw new UsageError('--out is required (a file, or - for standard output)');

  const out = values.out === '-' ? process.stdout : createWriteStream(values.out);
  const progress = new ProgressLine();
  let records = 0;
  function* counted(chunks: Iterable<string>): Generator<string> {
    for (const chunk of chunks) {
      records++;
      progress.update(() => `generating: ${records} records`);
      yield chunk;
    }
  }
  await writeAll(
    out,
    counted(
      generateImport({
        clubs,
        persons,
        activities,
        mode,
        badShare,
        seed: values.seed!,
        vendor: values.vendor!,
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
      }),
    ),
  );
  progress.done();
  if (out !== process.stdout) {
    out.end();
    await once(out, 'finish');
  }
  return 0;
}
