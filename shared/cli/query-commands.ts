import type { LedgerEntry } from '../core/pipeline/upload.js';
import { clubActivities } from '../core/queries/club-activities.js';
import { clubTotals } from '../core/queries/club-totals.js';
import { importsLimit, latestImports } from '../core/queries/latest-imports.js';
import { personsNotInLoad } from '../core/queries/persons-not-in-load.js';
import { queryRefusal, type QuerySubject } from '../core/queries/query-refusal.js';
import type { TotalsBreakdown } from '../core/rules/period-totals.js';
import { command, type CommandInput } from './command.js';
import { noPositionals, oneOf, periodFlag, printJson, refused, required, table } from './output.js';
import {
  STORE_FLAGS,
  STORE_HELP,
  STORE_OPTIONS,
  storeSettings,
  withRegister,
  type Register,
} from './register-config.js';
import { UsageError } from './usage-error.js';

const JSON_FLAG = '  --json              print JSON (an array) instead of a table';
const QUERY_EXIT = `Exit codes: 0 (also when nothing is found), 1 refused with CODE: message on standard error (UNKNOWN_VENDOR,
UNKNOWN_CLUB: the register does not know it), 2 usage error or store unreachable, 3 internal error.`;

/**
 * Runs a query on the configured register once the register knows what it is asked about (queryRefusal);
 * otherwise says why not (CODE: message) and exits 1.
 */
export async function answer(
  flags: { endpoint?: string | undefined; table?: string | undefined },
  subject: QuerySubject,
  query: (register: Register) => Promise<number>,
): Promise<number> {
  return withRegister(storeSettings(flags), async (register) => {
    const refusal = await queryRefusal({ store: register.store, vendors: register.admin }, subject);
    return refusal ? refused(refusal) : query(register);
  });
}

const ACTIVITIES_HELP = `A club's activities of one LOK period with their verdicts, by date and time: date, start–end, id, vendor,
sport, verdict and the activity's reasons. Run \`lok-importer activity\` for every reason of one activity.

  --club C            the club
  --period P          the LOK period: 2026-1 (spring) or 2026-2 (autumn), also written 2026-H1, 2026-H2;
                      "undated" for activities without a date
  --verdict V         only approved or only rejected activities
  --vendor V          only this source system
  --code CODE         only activities with this code (activity, leader, participant, payment or warning)
${JSON_FLAG}
${STORE_FLAGS}

${QUERY_EXIT}

${STORE_HELP}`;

const TOTALS_HELP = `A club's application figures per period: approved activities, deltagartillfällen, paid, reduced and unpaid
participants, activities with extra ledarstöd and the forecast in SEK, per sport and per source system;
"closed" once the period's figures are final.

  --club C            the club
  --period P          only this LOK period (2026-1 or 2026-H1, 2026-2 or 2026-H2)
${JSON_FLAG}
${STORE_FLAGS}

${QUERY_EXIT}

${STORE_HELP}`;

const IMPORTS_HELP = `The latest imports of a vendor (every upload, also unfinished ones) or of a club (the finished uploads that
carried its data), newest first, with status and counts.

  --vendor V          a vendor's uploads
  --club C            a club's uploads
  --limit N           at most N (default 20)
${JSON_FLAG}
${STORE_FLAGS}

${QUERY_EXIT}

${STORE_HELP}`;

const PERSONS_NOT_IN_LOAD_HELP = `After a club's first full load from a vendor: the persons the register holds for the club that the load did
not contain (members sent by other source systems, or earlier), with the vendors and ids that hold them.
Register ids and vendor ids only: no personal data. Refused (NO_FULL_LOAD, exit 1) until the vendor has sent
a full load (mode="full") of the club that was applied.

  --vendor V          the vendor of the full load
  --club C            the club
${JSON_FLAG}
${STORE_FLAGS}

${QUERY_EXIT.replace('UNKNOWN_CLUB:', 'UNKNOWN_CLUB, NO_FULL_LOAD:')}

${STORE_HELP}`;

const JSON_OPTION = { json: { type: 'boolean' } } as const;

const ACTIVITIES_OPTIONS = {
  club: { type: 'string' },
  period: { type: 'string' },
  verdict: { type: 'string' },
  vendor: { type: 'string' },
  code: { type: 'string' },
  ...JSON_OPTION,
  ...STORE_OPTIONS,
} as const;

async function activities({ values, positionals, name }: CommandInput<typeof ACTIVITIES_OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  const club = required('club', values.club);
  const period = required('period', periodFlag('period', values.period));
  const verdict = oneOf('verdict', values.verdict, ['approved', 'rejected'] as const);
  const filter = {
    club,
    period,
    ...(verdict ? { verdict } : {}),
    ...(values.vendor !== undefined ? { vendor: values.vendor } : {}),
    ...(values.code !== undefined ? { code: values.code } : {}),
  };
  return answer(
    values,
    { club, ...(values.vendor !== undefined ? { vendor: values.vendor } : {}) },
    async ({ store }) => {
      const found = await clubActivities(store, filter);
      if (values.json) {
        printJson(found);
        return 0;
      }
      if (found.length === 0) {
        process.stdout.write(`no activities of club ${club} in period ${period} match\n`);
        return 0;
      }
      process.stdout.write(
        table(
          ['date', 'time', 'id', 'vendor', 'sport', 'verdict', 'reasons'],
          found.map((v) => [
            v.date ?? '-',
            v.start !== undefined || v.end !== undefined ? `${v.start ?? '?'}–${v.end ?? '?'}` : '-',
            v.id,
            v.vendor,
            v.sport ?? '-',
            v.verdict.verdict,
            v.verdict.reasons.join(', '),
          ]),
        ),
      );
      const approved = found.filter((v) => v.verdict.verdict === 'approved').length;
      process.stdout.write(`${found.length} activities: ${approved} approved, ${found.length - approved} rejected\n`);
      return 0;
    },
  );
}

function breakdown(b: TotalsBreakdown): string {
  return `${b.approvedActivities} approved, ${b.participations} deltagartillfällen, ${b.forecastSek.toFixed(2)} SEK`;
}

const TOTALS_OPTIONS = {
  club: { type: 'string' },
  period: { type: 'string' },
  ...JSON_OPTION,
  ...STORE_OPTIONS,
} as const;

async function totals({ values, positionals, name }: CommandInput<typeof TOTALS_OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  const club = required('club', values.club);
  const period = periodFlag('period', values.period);
  return answer(values, { club }, async ({ store }) => {
    const found = await clubTotals(store, club, period);
    if (values.json) {
      printJson(found);
      return 0;
    }
    if (found.length === 0) {
      process.stdout.write(`no totals for club ${club}${period ? ` in period ${period}` : ''}\n`);
      return 0;
    }
    const out: string[] = [];
    for (const { totals: t, closed } of found) {
      out.push(`club ${t.club} period ${t.period} (${closed ? 'closed: final' : 'open'})`);
      out.push(`  approved activities        ${t.approvedActivities}`);
      out.push(`  deltagartillfällen         ${t.participations}`);
      out.push(
        `  paid / reduced / unpaid    ${t.paidParticipants} / ${t.reducedParticipants} / ${t.unpaidParticipants}`,
      );
      out.push(`  with extra ledarstöd       ${t.extraLeaderSupportActivities}`);
      out.push(`  forecast                   ${t.forecastSek.toFixed(2)} SEK`);
      for (const [sport, b] of Object.entries(t.bySport)) out.push(`  sport ${sport}: ${breakdown(b)}`);
      for (const [vendor, b] of Object.entries(t.byVendor)) out.push(`  vendor ${vendor}: ${breakdown(b)}`);
      if (t.warnings.length > 0) out.push(`  warnings: ${t.warnings.join(', ')}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  });
}

function countsOf(entry: LedgerEntry): [string, string, string, string] {
  if (!entry.counts) return ['-', '-', '-', '-'];
  const p = entry.counts.persons;
  const a = entry.counts.activities;
  return [
    `${p.created}/${p.updated}/${p.unchanged}/${p.deleted}/${p.refused}`,
    `${a.created}/${a.updated}/${a.unchanged}/${a.deleted}/${a.refused}`,
    String(a.approved),
    String(a.rejected),
  ];
}

const IMPORTS_OPTIONS = {
  vendor: { type: 'string' },
  club: { type: 'string' },
  limit: { type: 'string' },
  ...JSON_OPTION,
  ...STORE_OPTIONS,
} as const;

async function imports({ values, positionals, name }: CommandInput<typeof IMPORTS_OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  if ((values.vendor === undefined) === (values.club === undefined))
    throw new UsageError('give exactly one of --vendor V and --club C');
  const limit = importsLimit(values.limit);
  if (limit === undefined) throw new UsageError(`--limit must be a whole number from 1, got ${values.limit}`);
  const owner = values.vendor !== undefined ? { vendor: values.vendor } : { club: values.club! };
  return answer(values, owner, async ({ store }) => {
    const found = await latestImports(store, owner, limit);
    if (values.json) {
      printJson(found);
      return 0;
    }
    if (found.length === 0) {
      process.stdout.write(`no imports of ${'vendor' in owner ? `vendor ${owner.vendor}` : `club ${owner.club}`}\n`);
      return 0;
    }
    process.stdout.write(
      table(
        [
          'completed',
          'upload',
          'vendor',
          'file',
          'stage',
          'status',
          'errors',
          'persons',
          'activities',
          'approved',
          'rejected',
        ],
        found.map((e) => [
          e.completedAt,
          e.uploadId,
          e.vendor,
          e.file,
          e.stage,
          `${e.status ?? '-'}${e.stale ? ' (stale)' : ''}`,
          String(e.errors ?? '-'),
          ...countsOf(e),
        ]),
      ),
    );
    process.stdout.write('persons, activities: created/updated/unchanged/deleted/refused\n');
    return 0;
  });
}

const PERSONS_NOT_IN_LOAD_OPTIONS = {
  vendor: { type: 'string' },
  club: { type: 'string' },
  ...JSON_OPTION,
  ...STORE_OPTIONS,
} as const;

async function personsNotInLoadOf({
  values,
  positionals,
  name,
}: CommandInput<typeof PERSONS_NOT_IN_LOAD_OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  const vendor = required('vendor', values.vendor);
  const club = required('club', values.club);
  return answer(values, { vendor, club, fullLoad: true }, async ({ store }) => {
    const found = await personsNotInLoad(store, vendor, club);
    if (values.json) {
      printJson(found);
      return 0;
    }
    if (found.length === 0) {
      process.stdout.write(`every person the register holds for club ${club} is in vendor ${vendor}'s load\n`);
      return 0;
    }
    process.stdout.write(
      `${found.length} persons the register holds for club ${club} that vendor ${vendor}'s load does not contain:\n`,
    );
    process.stdout.write(
      table(
        ['register id', 'held by (vendor: person id)'],
        found.map((p) => [p.pid, p.heldBy.map((h) => `${h.vendor}: ${h.ref}`).join(', ')]),
      ),
    );
    return 0;
  });
}

export const QUERY_COMMANDS = [
  command({
    name: 'activities',
    usage: [
      {
        args: '--club C --period P [--verdict approved|rejected] [--vendor V] [--code CODE] [--json]',
        summary: "a club's activities and verdicts",
      },
    ],
    help: ACTIVITIES_HELP,
    options: ACTIVITIES_OPTIONS,
    run: activities,
  }),
  command({
    name: 'totals',
    usage: [{ args: '--club C [--period P] [--json]', summary: "a club's period totals" }],
    help: TOTALS_HELP,
    options: TOTALS_OPTIONS,
    run: totals,
  }),
  command({
    name: 'imports',
    usage: [{ args: '(--vendor V | --club C) [--limit N] [--json]', summary: 'latest imports with status and counts' }],
    help: IMPORTS_HELP,
    options: IMPORTS_OPTIONS,
    run: imports,
  }),
  command({
    name: 'persons-not-in-load',
    usage: [
      { args: '--vendor V --club C [--json]', summary: "persons of the club a vendor's full load did not contain" },
    ],
    help: PERSONS_NOT_IN_LOAD_HELP,
    options: PERSONS_NOT_IN_LOAD_OPTIONS,
    run: personsNotInLoadOf,
  }),
];
