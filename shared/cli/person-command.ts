import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDbPrivacyStore } from '../adapters/dynamodb/privacy-store-dynamodb.js';
import { stockholmDate } from '../adapters/clock/stockholm-date.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { erasePersonOnRequest, type ErasureRequest } from '../core/admin/person-erasure.js';
import type { AdminResult } from '../core/admin/admin-use-cases.js';
import { CLOUD_FLAG, CLOUD_OPTION, cloudTarget, inCloud } from './cloud-admin.js';
import type { ErasureReport } from '../core/privacy/erase-person.js';
import { dateFlag, noPositionals, printJson, refused } from './output.js';
import { identityKey, STORE_FLAGS, STORE_HELP, STORE_OPTIONS, storeSettings, withRegister } from './register-config.js';
import { UsageError } from './usage-error.js';

export const PERSON_HELP = `Usage: lok-importer person erase (--personnummer PNR | --person-id ID) [--today YYYY-MM-DD] [--json]

A person's erasure on request (GDPR art. 17): removes the person from the register (the person, the identity keys
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

export async function personCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(PERSON_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'erase') throw new UsageError(`person takes the subcommand erase, got ${sub}`);
  const { values, positionals } = parseArgs({
    args: rest, allowPositionals: true, strict: true,
    options: {
      personnummer: { type: 'string' }, 'person-id': { type: 'string' }, today: { type: 'string' }, json: { type: 'boolean' },
      ...STORE_OPTIONS, ...CLOUD_OPTION, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(PERSON_HELP);
    return 0;
  }
  noPositionals('person erase', positionals);
  if ((values.personnummer === undefined) === (values['person-id'] === undefined)) throw new UsageError('person erase takes one of --personnummer and --person-id');
  const request: ErasureRequest = {
    ...(values.personnummer !== undefined ? { personnummer: values.personnummer === '-' ? readFileSync(0, 'utf8').trim() : values.personnummer } : {}),
    ...(values['person-id'] !== undefined ? { pid: values['person-id'] } : {}),
  };
  const cloud = cloudTarget(values);
  // In the AWS deployment the admin function erases (with the table's identity key); `today` as given, else its own.
  if (cloud) return printed(await inCloud(cloud, { action: 'person-erase', request, ...(values.today !== undefined ? { today: dateFlag('today', values.today)! } : {}) }), values.json);
  const today = dateFlag('today', values.today) ?? stockholmDate();
  const settings = storeSettings(values);
  const key = identityKey(settings);
  return withRegister(settings, async (register) => {
    const client = new DynamoDBClient(settings.client);
    try {
      return printed(await erasePersonOnRequest(register.ports(key), new DynamoDbPrivacyStore(client, settings.table), systemClock(today), request), values.json);
    } finally {
      client.destroy();
    }
  });
}

/** The erasure's answer printed (the report as text or JSON), or its refusal. */
function printed(result: AdminResult<unknown>, json: boolean | undefined): number {
  if (!result.ok) return refused(result.error);
  if (json) printJson(result.value);
  else process.stdout.write(reportText(result.value as ErasureReport));
  return 0;
}

function reportText(report: ErasureReport): string {
  const removed = report.removed;
  const lines = [
    `person ${report.pid} erased on ${report.erasedOn ?? '?'}`,
    ...(removed ? [
      `removed: person ${removed.person}, identity keys ${removed.identityKeys}, memberships ${removed.memberships}, links ${removed.links}, calendars ${removed.calendars}`,
      `activities that named the person (their slot removed, judged again): ${removed.activities}`,
    ] : []),
    'what remains, and why:',
    ...report.remains.map((r) => `  - ${r}`),
  ];
  return `${lines.join('\n')}\n`;
}
