import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Application, ApplicationPart } from '../core/application/application.js';
import { EXPORT_FORMATS, exportText, type ExportRow } from '../core/application/export-application.js';
import type { Submission } from '../core/application/ports.js';
import type { PeriodTotals, TotalsBreakdown } from '../core/rules/period-totals.js';
import { adminTarget, answerAt, CLOUD_FLAG, CLOUD_OPTION } from './admin-target.js';
import { command, type CommandInput } from './command.js';
import { dateFlag, noPositionals, oneOf, periodFlag, printed, refused, required } from './output.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS } from './register-config.js';

const EXIT = `Exit codes: 0 done, 1 refused with CODE: message on standard error (UNKNOWN_CLUB, APPLICATION_ALREADY_SUBMITTED,
SUPPLEMENTARY_BEFORE_MAIN, APPLICATION_PERIOD_CLOSED), 2 usage error or store unreachable, 3 internal error.`;

const HELP = `A club's LOK application for a period (docs/lok-rules.md, "The application"). Without a sub-command: what it
holds: approved activities, deltagartillfällen, paid participants per rate, activities with extra ledarstöd and
the forecast, per sport and per source system; the main application apart from the supplementary one (the
activities registered late), and whether each is sent.

  submit              send the main application (or with --supplementary the supplementary one): records when
                      and by whom and the activities it takes; the period is then closed for the club (new
                      activities PERIOD_CLOSED, verdicts frozen) except activities registered late, until the
                      supplementary one is sent. Each once: a second is refused (APPLICATION_ALREADY_SUBMITTED).
  export              one row per activity of the application: application, date, start, end, sport, type, group,
                      counted participants, valid leaders (source system's ids), source system, activity id.
                      No personnummer, no names.

  --club C            the club
  --period P          the LOK period: 2026-1 (spring) or 2026-2 (autumn), also written 2026-H1, 2026-H2
  --by WHO            (submit) the club official who sends it: a user id, kept with the application
  --supplementary     (submit) the supplementary application, after the main one
  --request-id ID     (submit) this request's id (8–100 of A-Z a-z 0-9 . _ : -), the same when retrying it: a retry
                      gets the same answer and sends nothing twice (default: a new random id)
  --format F          (export) csv or json
  --out FILE          (export) write to FILE instead of standard output
  --today D           today (YYYY-MM-DD) for what can be sent, instead of today in Europe/Stockholm
  --json              print JSON
${CLOUD_FLAG}
${STORE_FLAGS}

${EXIT}

${STORE_HELP}`;

const OPTIONS = {
  club: { type: 'string' },
  period: { type: 'string' },
  by: { type: 'string' },
  supplementary: { type: 'boolean' },
  'request-id': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  today: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

/** `application`, `application submit`, `application export`: one command, the sub-command its first word. */
async function application({ values, positionals, name }: CommandInput<typeof OPTIONS>): Promise<number> {
  const [sub, ...rest] = positionals;
  noPositionals(`${name}${sub ? ` ${sub}` : ''}`, sub === 'submit' || sub === 'export' ? rest : positionals);
  const club = required('club', values.club);
  const period = required('period', periodFlag('period', values.period));
  const today = dateFlag('today', values.today);
  const target = adminTarget(values);
  // On this machine the register must know the club first, as the queries refuse an unknown one.
  const known = { subject: { club } };
  if (sub === 'submit') {
    const by = required('by', values.by);
    const requestId = values['request-id'] ?? randomUUID();
    const request = { club, period, kind: values.supplementary ? 'supplementary' : 'main', by, requestId } as const;
    return printed(
      await answerAt(target, { action: 'application-submit', request, ...(today ? { today } : {}) }, known),
      values.json,
      (s) => submittedText(s as Submission),
    );
  }
  if (sub === 'export') {
    const format = oneOf('format', required('format', values.format), EXPORT_FORMATS)!;
    const result = await answerAt(target, { action: 'application-export', club, period }, known);
    return result.ok ? written(exportText(result.value as ExportRow[], format), values.out) : refused(result.error);
  }
  return printed(
    await answerAt(target, { action: 'application', club, period, ...(today ? { today } : {}) }, known),
    values.json,
    (a) => applicationText(a as Application),
  );
}

export const APPLICATION_COMMANDS = [
  command({
    name: 'application',
    usage: [
      { args: '--club C --period P [--json]', summary: "a club's application: what it holds, main and supplementary" },
      {
        args: 'submit --club C --period P --by WHO [--supplementary] [--request-id ID] [--json]',
        summary: 'send it (once; closes the period for the club)',
      },
      {
        args: 'export --club C --period P --format csv|json [--out FILE]',
        summary: 'one row per activity of the application',
      },
    ],
    help: HELP,
    options: OPTIONS,
    run: application,
  }),
];

async function written(text: string, out: string | undefined): Promise<number> {
  if (out !== undefined) await writeFile(out, text);
  else process.stdout.write(text);
  return 0;
}

const KIND_NAME = {
  main: 'main application',
  supplementary: 'supplementary application (activities registered late)',
} as const;

function submittedText(s: Submission): string {
  return (
    `sent the ${s.kind} application of club ${s.club} for ${s.period}: ${s.activities.length} activities, forecast ` +
    `${s.totals.forecastSek.toFixed(2)} SEK, at ${s.submittedAt} by ${s.by} (request ${s.requestId})\n`
  );
}

function breakdown(b: TotalsBreakdown): string {
  return `${b.approvedActivities} activities, ${b.participations} deltagartillfällen, ${b.forecastSek.toFixed(2)} SEK`;
}

function totalsLines(t: PeriodTotals): string[] {
  return [
    `  approved activities        ${t.approvedActivities}`,
    `  deltagartillfällen         ${t.participations}`,
    `  paid full / reduced / not  ${t.paidParticipants} / ${t.reducedParticipants} / ${t.unpaidParticipants}`,
    `  with extra ledarstöd       ${t.extraLeaderSupportActivities}`,
    `  forecast                   ${t.forecastSek.toFixed(2)} SEK`,
    ...Object.entries(t.bySport).map(([sport, b]) => `  sport ${sport}: ${breakdown(b)}`),
    ...Object.entries(t.byVendor).map(([vendor, b]) => `  source system ${vendor}: ${breakdown(b)}`),
    ...(t.warnings.length > 0 ? [`  warnings: ${t.warnings.join(', ')}`] : []),
  ];
}

function partLines(part: ApplicationPart): string[] {
  const state = part.submitted
    ? `sent ${part.submitted.submittedAt} by ${part.submitted.by}, ${part.submitted.activities} activities`
    : part.canSubmit
      ? 'not sent; can be sent'
      : 'not sent';
  return [`${KIND_NAME[part.kind]}: ${state}`, ...totalsLines(part.totals)];
}

function applicationText(a: Application): string {
  return `${[
    `club ${a.club} period ${a.period}: deadline ${a.deadline}, closes after ${a.finalDate}`,
    `activities: ${a.activities.approved} approved, ${a.activities.rejected} rejected`,
    ...partLines(a.main),
    ...partLines(a.supplementary),
  ].join('\n')}\n`;
}
