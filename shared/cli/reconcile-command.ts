import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stockholmDate } from '../adapters/clock/stockholm-date.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { DiskArchivePurge } from '../adapters/local-disk/archive-purge.js';
import { fileSource } from '../adapters/local-disk/file-source.js';
import { purgeExpired, RETENTION_YEARS, type PurgeOptions, type PurgeReport } from '../core/privacy/retention.js';
import { reconcile } from '../core/pipeline/reconcile.js';
import { archiveKey } from '../core/storage/bucket-layout.js';
import { command, type CommandInput } from './command.js';
import { dateFlag, noPositionals, printJson } from './output.js';
import { UsageError } from './usage-error.js';
import {
  identityKey,
  STORE_FLAGS,
  STORE_HELP,
  STORE_OPTIONS,
  storeSettings,
  withRegister,
  type Register,
} from './register-config.js';

const HELP = `The nightly job, run by hand: resumes uploads stuck mid-way from the archive (or fails them, with a receipt, when
their file cannot be read), re-judges what failed uploads left, judges again what each club's uploads of the last
26 hours changed and corrects any verdict that comes out different, recomputes every open period's totals from the
verdicts and repairs drift, closes periods past their final date, purges what is past its retention (seven years:
periods' activities and verdicts, persons left with no activity and no membership, archived files; not with
--club), and reports per vendor and period: activities received, approved, rejected. Running it twice changes
nothing more.

  --stuck-after-minutes N   an upload unfinished for longer than this is stuck (default 60)
  --today YYYY-MM-DD        the evaluation date (default: today in Europe/Stockholm)
  --club C                  only this club (repeatable); default every club
  --only-purge              only the retention purge (e.g. against the table in AWS, whose nightly job does not run it yet)
  --json                    print the report as JSON
${STORE_FLAGS}

Exit codes: 0 done, 2 usage error or store unreachable, 3 internal error.

${STORE_HELP}`;

const OPTIONS = {
  'stuck-after-minutes': { type: 'string' },
  today: { type: 'string' },
  club: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'only-purge': { type: 'boolean' },
  ...STORE_OPTIONS,
} as const;

export const RECONCILE_COMMANDS = [
  command({
    name: 'reconcile',
    usage: [
      {
        args: '[--stuck-after-minutes 60] [--today YYYY-MM-DD] [--club C ...] [--only-purge] [--json]',
        summary: 'the nightly job: resume or fail stuck uploads, repair totals, close periods, purge, report',
      },
    ],
    help: HELP,
    options: OPTIONS,
    run: reconcileRegister,
  }),
];

async function reconcileRegister({ values, positionals, name }: CommandInput<typeof OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  const minutes = Number(values['stuck-after-minutes'] ?? '60');
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new UsageError(`--stuck-after-minutes must be a number of minutes, got ${values['stuck-after-minutes']}`);
  const today = dateFlag('today', values.today) ?? stockholmDate();
  const settings = storeSettings(values);
  const key = identityKey(settings);
  // Archived files in S3 leave by the bucket's lifecycle rule; on disk (local mode, the CLI's folder) by the purge.
  const purgeOf = (register: Register): PurgeOptions => ({
    privacy: register.privacy,
    ...(settings.place.kind === 'aws' ? {} : { archive: new DiskArchivePurge(settings.objectsDir) }),
  });
  if (values['only-purge']) {
    if (values.club) throw new UsageError('--only-purge purges the whole register: it takes no --club');
    return withRegister(settings, async (register) => {
      const purged = await purgeExpired(register.ports(key), systemClock(today), purgeOf(register));
      if (values.json) printJson(purged);
      else process.stdout.write(`${purgeLine(purged)}\n`);
      return 0;
    });
  }
  return withRegister(settings, async (register) => {
    const report = await reconcile(register.ports(key), systemClock(today), {
      open: (entry) => {
        const path = join(settings.objectsDir, archiveKey(entry));
        return existsSync(path) ? fileSource(path) : undefined;
      },
      stuckAfterMs: minutes * 60_000,
      sleep: (ms) => sleep(ms),
      ...(values.club ? { clubs: values.club } : {}),
      purge: purgeOf(register),
    });
    if (values.json) printJson(report);
    else {
      const lines = [
        `resumed uploads: ${report.resumed.join(', ') || 'none'}`,
        `failed uploads (receipt written): ${report.failed.join(', ') || 'none'}`,
        `re-judged after a failure: ${report.rejudged.join(', ') || 'none'}`,
        `not reconciled tonight (tried again next time): ${report.errors.map((e) => `${e.uploadId} (${e.error})`).join(', ') || 'none'}`,
        `verdicts corrected by the recheck of recent uploads: ${report.corrected.map((c) => `${c.club} ${c.verdicts}`).join(', ') || 'none'}`,
        `totals drift repaired: ${report.drift.map((d) => `${d.club} ${d.period}`).join(', ') || 'none'}`,
        `periods closed: ${report.closedPeriods.map((p) => `${p.club} ${p.period}`).join(', ') || 'none'}`,
        ...(report.purged ? [purgeLine(report.purged)] : []),
        'vendor, period: received / approved / rejected',
        ...report.byVendorPeriod.map((r) => `  ${r.vendor} ${r.period}: ${r.received} / ${r.approved} / ${r.rejected}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  });
}

function purgeLine(purged: PurgeReport): string {
  return (
    `purged (kept ${RETENTION_YEARS} years, from ${purged.cutoff}): ${purged.periods.map((p) => `${p.club} ${p.period}`).join(', ') || 'no period'}; ` +
    `${purged.persons} persons; ${purged.archivedFiles} archived files`
  );
}
