import { readFileSync } from 'node:fs';
import type { ErasureRequest } from '../core/admin/person-erasure.js';
import type { ErasureReport } from '../core/privacy/erase-person.js';
import { adminTarget, answerAt, CLOUD_FLAG, CLOUD_OPTION } from './admin-target.js';
import { command, type CommandInput } from './command.js';
import { dateFlag, noPositionals, printed } from './output.js';
import { identityKey, STORE_FLAGS, STORE_HELP, STORE_OPTIONS } from './register-config.js';
import { UsageError } from './usage-error.js';

const HELP = `A person's erasure on request (GDPR art. 17): removes the person from the register (the person, the identity keys
that find them, memberships, every vendor's link, calendars), takes them out of every activity that named them and
judges those activities again (verdicts of periods already applied for stay as sent), and reports what was removed
and what stays in the archive and why. The same request again changes nothing and prints the same report.
Nothing printed holds the personnummer.

  --personnummer PNR   10 or 12 digits, with or without - or +; "-" reads it from standard input (kept out of the
                       shell's history and the process list)
  --person-id ID       the register's person id (p and 31 hex digits)
  --today YYYY-MM-DD   the evaluation date of the re-judged activities (default: today in Europe/Stockholm)
  --json               print the report as JSON
${STORE_FLAGS}
${CLOUD_FLAG}

Exit codes: 0 erased (or erased before), 1 refused (UNKNOWN_PERSON, INVALID_ADMIN_INPUT), 2 usage error or store
unreachable, 3 internal error.

${STORE_HELP}`;

const OPTIONS = {
  personnummer: { type: 'string' },
  'person-id': { type: 'string' },
  today: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

async function erase({ values, positionals, name }: CommandInput<typeof OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  if ((values.personnummer === undefined) === (values['person-id'] === undefined))
    throw new UsageError(`${name} takes one of --personnummer and --person-id`);
  const request: ErasureRequest = {
    ...(values.personnummer !== undefined
      ? { personnummer: values.personnummer === '-' ? readFileSync(0, 'utf8').trim() : values.personnummer }
      : {}),
    ...(values['person-id'] !== undefined ? { pid: values['person-id'] } : {}),
  };
  const today = dateFlag('today', values.today);
  const target = adminTarget(values);
  // On this machine the erasure needs the identity key: said before the register is opened. In the AWS deployment
  // the admin function erases with the table's identity key, and `today` as given, else its own.
  if (target.kind === 'register') identityKey(target.settings);
  return printed(
    await answerAt(target, { action: 'person-erase', request, ...(today !== undefined ? { today } : {}) }),
    values.json,
    (r) => reportText(r as ErasureReport),
  );
}

/** `person erase`: a person's erasure on request, on the configured register or with --cloud in AWS. */
export const PERSON_COMMANDS = [
  command({
    name: 'person erase',
    usage: [
      {
        args: '(--personnummer PNR | --person-id ID) [--today YYYY-MM-DD] [--json]',
        summary: "a person's erasure on request (GDPR art. 17)",
      },
    ],
    help: HELP,
    options: OPTIONS,
    run: erase,
  }),
];

function reportText(report: ErasureReport): string {
  const removed = report.removed;
  const lines = [
    `person ${report.pid} erased on ${report.erasedOn ?? '?'}`,
    ...(removed
      ? [
          `removed: person ${removed.person}, identity keys ${removed.identityKeys}, memberships ${removed.memberships}, links ${removed.links}, calendars ${removed.calendars}`,
          `activities that named the person (their slot removed, judged again): ${removed.activities}`,
        ]
      : []),
    'what remains, and why:',
    ...report.remains.map((r) => `  - ${r}`),
  ];
  return `${lines.join('\n')}\n`;
}
