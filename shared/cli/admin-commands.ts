import { stockholmDate } from '../adapters/clock/stockholm-date.js';
import type { AdminResult } from '../core/admin/admin-use-cases.js';
import { IDENTITY_KEYS, LICENCES } from '../core/admin/register-admin.js';
import { adminTarget, answerAt, CLOUD_FLAG, CLOUD_OPTION, loginKind, publicKeyOf } from './admin-target.js';
import { command, type CommandInput } from './command.js';
import { dateFlag, onePositional, oneOf, reported, required } from './output.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS } from './register-config.js';
import { UsageError } from './usage-error.js';

const ADMIN_EXIT =
  'Exit codes: 0 done (or already so), 1 refused (CODE: message on standard error), 2 usage error, 3 internal error.';

const VENDOR_ADD_HELP = `Adds a vendor RF has signed an agreement with (RF operations).

  --name N            the vendor's name
  --purpose P         the purpose of processing personal data, as the agreement states it
  --licence L         up-to-100-clubs (default) or unlimited
  --key FILE          the vendor's SFTP public key (OpenSSH .pub): its SFTP user (local mode, or --cloud)
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

const CLUB_ADD_HELP = `Adds a club (förening) to the register (RF operations).

  --name N            the club's name
  --sport S           a sport of the club; repeat for several
  --federation F      the club's specialförbund
  --identity-key K    how the club's persons are matched on first sight: personnummer (default), email, member-number
  --parasport         a parasport or deaf-sport club: every participant counts as marked with a disability
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

const CLUB_ACTIVATE_HELP = `The club activates a vendor: the vendor's files may carry the club's data from --from on. Refused with
LICENCE_CLUB_LIMIT when the vendor's up-to-100-clubs licence is full.

  --vendor V          the vendor
  --from YYYY-MM-DD   first day (default: today in Europe/Stockholm)
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

const CLUB_DEACTIVATE_HELP = `The club deactivates a vendor: from the day after --to, the vendor's data for the club is refused
(CLUB_NOT_ACTIVATED).

  --vendor V          the vendor
  --to YYYY-MM-DD     last day (default: today in Europe/Stockholm)
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

/** Prints the outcome: its line on success, `CODE: message` on standard error when refused (exit 1). */
function report<T>(result: AdminResult<T>, line: (value: T) => string): number {
  return reported(result, (value) => `${line(value)}\n`);
}

const VENDOR_ADD_OPTIONS = {
  name: { type: 'string' },
  purpose: { type: 'string' },
  licence: { type: 'string' },
  key: { type: 'string' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

async function vendorAdd({ values, positionals, name }: CommandInput<typeof VENDOR_ADD_OPTIONS>): Promise<number> {
  const id = onePositional(name, 'vendor ID', positionals);
  const vendor = {
    id,
    name: required('name', values.name),
    purpose: required('purpose', values.purpose),
    licence: oneOf('licence', values.licence, LICENCES) ?? 'up-to-100-clubs',
  };
  const target = adminTarget(values);
  const publicKey = values.key === undefined ? undefined : publicKeyOf(target, values.key);
  return report(
    await answerAt(
      target,
      { action: 'vendor-add', vendor, ...(publicKey !== undefined ? { publicKey } : {}) },
      { createTable: true },
    ),
    (value) => {
      // Onboarding again with a key (the first attempt stopped half-way) opens the login of the vendor already there.
      const known = (value as { registered?: string }).registered === 'exists';
      const added = known ? 'already registered' : `added (licence ${vendor.licence})`;
      return `vendor ${id} ${added}${publicKey !== undefined ? `; its ${loginKind(target)} takes the key` : ''}`;
    },
  );
}

const CLUB_ADD_OPTIONS = {
  name: { type: 'string' },
  sport: { type: 'string', multiple: true },
  federation: { type: 'string' },
  'identity-key': { type: 'string' },
  parasport: { type: 'boolean' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

async function clubAdd({ values, positionals, name }: CommandInput<typeof CLUB_ADD_OPTIONS>): Promise<number> {
  const id = onePositional(name, 'club ID', positionals);
  const clubName = required('name', values.name);
  const sports = values.sport ?? [];
  if (sports.length === 0) throw new UsageError('--sport is required (repeat it for several sports)');
  const federation = required('federation', values.federation);
  const identityKey = oneOf('identity-key', values['identity-key'], IDENTITY_KEYS) ?? 'personnummer';
  const club = {
    id,
    name: clubName,
    sports,
    federation,
    identityKey,
    countsEveryoneAsDisabled: values.parasport === true,
  };
  return report(
    await answerAt(adminTarget(values), { action: 'club-add', club }, { createTable: true }),
    () =>
      `club ${id} added (${sports.join(', ')}; identity key ${identityKey}${club.countsEveryoneAsDisabled ? '; parasport' : ''})`,
  );
}

const CLUB_ACTIVATE_OPTIONS = {
  vendor: { type: 'string' },
  from: { type: 'string' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

async function clubActivate({
  values,
  positionals,
  name,
}: CommandInput<typeof CLUB_ACTIVATE_OPTIONS>): Promise<number> {
  const club = onePositional(name, 'CLUB', positionals);
  const vendor = required('vendor', values.vendor);
  const from = dateFlag('from', values.from) ?? stockholmDate();
  return report(await answerAt(adminTarget(values), { action: 'club-activate', club, vendor, from }), (outcome) =>
    outcome === 'already-active'
      ? `vendor ${vendor} is already active for club ${club} (unchanged)`
      : `club ${club} activated vendor ${vendor} from ${from}`,
  );
}

const CLUB_DEACTIVATE_OPTIONS = {
  vendor: { type: 'string' },
  to: { type: 'string' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

async function clubDeactivate({
  values,
  positionals,
  name,
}: CommandInput<typeof CLUB_DEACTIVATE_OPTIONS>): Promise<number> {
  const club = onePositional(name, 'CLUB', positionals);
  const vendor = required('vendor', values.vendor);
  const to = dateFlag('to', values.to) ?? stockholmDate();
  return report(await answerAt(adminTarget(values), { action: 'club-deactivate', club, vendor, to }), (outcome) =>
    outcome === 'not-active'
      ? `vendor ${vendor} was not active for club ${club} (unchanged)`
      : `club ${club} deactivated vendor ${vendor} after ${to}`,
  );
}

/** RF operations' commands on the register: vendor add, club add, club activate, club deactivate. */
export const ADMIN_COMMANDS = [
  command({
    name: 'vendor add',
    usage: [
      {
        args: 'ID --name N --purpose P [--licence up-to-100-clubs|unlimited] [--key FILE]',
        summary: 'add a vendor (and its SFTP key)',
      },
    ],
    help: VENDOR_ADD_HELP,
    options: VENDOR_ADD_OPTIONS,
    run: vendorAdd,
  }),
  command({
    name: 'club add',
    usage: [
      {
        args: 'ID --name N --sport S [--sport S2 ...] --federation F [--identity-key personnummer|email|member-number] [--parasport]',
        summary: 'add a club',
      },
    ],
    help: CLUB_ADD_HELP,
    options: CLUB_ADD_OPTIONS,
    run: clubAdd,
  }),
  command({
    name: 'club activate',
    usage: [{ args: 'CLUB --vendor V [--from YYYY-MM-DD]', summary: 'the club activates a vendor' }],
    help: CLUB_ACTIVATE_HELP,
    options: CLUB_ACTIVATE_OPTIONS,
    run: clubActivate,
  }),
  command({
    name: 'club deactivate',
    usage: [{ args: 'CLUB --vendor V [--to YYYY-MM-DD]', summary: 'the club deactivates a vendor' }],
    help: CLUB_DEACTIVATE_HELP,
    options: CLUB_DEACTIVATE_OPTIONS,
    run: clubDeactivate,
  }),
];
