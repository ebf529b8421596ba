import { parseArgs } from 'node:util';
import { stockholmDate } from '../adapters/clock/stockholm-date.js';
import { activateVendor, addClub, addVendor, deactivateVendor, type AdminResult } from '../core/admin/admin-use-cases.js';
import { IDENTITY_KEYS, LICENCES } from '../core/admin/register-admin.js';
import { dateFlag, onePositional, oneOf, refused, required } from './output.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS, storeSettings, withRegister } from './register-config.js';
import { UsageError } from './usage-error.js';
import { vendorKey } from './vendor-key.js';
import { CLOUD_FLAG, CLOUD_OPTION, cloudTarget, inCloud, publicKeyText } from './cloud-admin.js';

const ADMIN_EXIT = 'Exit codes: 0 done (or already so), 1 refused (CODE: message on standard error), 2 usage error, 3 internal error.';

export const VENDOR_ADD_HELP = `Usage: lok-importer vendor add ID --name N --purpose P [--licence up-to-100-clubs|unlimited] [--key FILE]

Adds a vendor RF has signed an agreement with (RF operations).

  --name N            the vendor's name
  --purpose P         the purpose of processing personal data, as the agreement states it
  --licence L         up-to-100-clubs (default) or unlimited
  --key FILE          the vendor's SFTP public key (OpenSSH .pub): its SFTP user (local mode, or --cloud)
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

export const CLUB_ADD_HELP = `Usage: lok-importer club add ID --name N --sport S [--sport S2 ...] --federation F
                             [--identity-key personnummer|email|member-number] [--parasport]

Adds a club (förening) to the register (RF operations).

  --name N            the club's name
  --sport S           a sport of the club; repeat for several
  --federation F      the club's specialförbund
  --identity-key K    how the club's persons are matched on first sight: personnummer (default), email, member-number
  --parasport         a parasport or deaf-sport club: every participant counts as marked with a disability
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

export const CLUB_ACTIVATE_HELP = `Usage: lok-importer club activate CLUB --vendor V [--from YYYY-MM-DD]

The club activates a vendor: the vendor's files may carry the club's data from --from on. Refused with
LICENCE_CLUB_LIMIT when the vendor's up-to-100-clubs licence is full.

  --vendor V          the vendor
  --from YYYY-MM-DD   first day (default: today in Europe/Stockholm)
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

export const CLUB_DEACTIVATE_HELP = `Usage: lok-importer club deactivate CLUB --vendor V [--to YYYY-MM-DD]

The club deactivates a vendor: from the day after --to, the vendor's data for the club is refused
(CLUB_NOT_ACTIVATED).

  --vendor V          the vendor
  --to YYYY-MM-DD     last day (default: today in Europe/Stockholm)
${STORE_FLAGS}
${CLOUD_FLAG}

${ADMIN_EXIT}

${STORE_HELP}`;

/** Prints the outcome: the message on success, `CODE: message` on standard error when refused (exit 1). */
function report<T>(result: AdminResult<T>, message: (value: T) => string): number {
  if (!result.ok) return refused(result.error);
  process.stdout.write(`${message(result.value)}\n`);
  return 0;
}

export async function vendorAddCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { name: { type: 'string' }, purpose: { type: 'string' }, licence: { type: 'string' }, key: { type: 'string' }, ...STORE_OPTIONS, ...CLOUD_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(VENDOR_ADD_HELP);
    return 0;
  }
  const id = onePositional('vendor add', 'vendor ID', positionals);
  const name = required('name', values.name);
  const purpose = required('purpose', values.purpose);
  const licence = oneOf('licence', values.licence, LICENCES) ?? 'up-to-100-clubs';
  const cloud = cloudTarget(values);
  if (cloud) {
    const publicKey = values.key === undefined ? undefined : publicKeyText(values.key);
    return report(await inCloud(cloud, { action: 'vendor-add', vendor: { id, name, purpose, licence }, ...(publicKey ? { publicKey } : {}) }),
      () => `vendor ${id} added (licence ${licence})${publicKey ? '; its Transfer Family user takes the key' : ''}`);
  }
  const settings = storeSettings(values);
  const key = values.key === undefined ? undefined : vendorKey(settings, values.key);
  return withRegister(settings, async ({ admin }) => {
    const result = await addVendor(admin, { id, name, purpose, licence });
    if (result.ok && key) key.keys.add(id, key.line);
    return report(result, (v) => `vendor ${v.id} added (licence ${v.licence})${key ? '; its SFTP user takes the key' : ''}`);
  }, { createTable: true });
}

export async function clubAddCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: {
      name: { type: 'string' }, sport: { type: 'string', multiple: true }, federation: { type: 'string' },
      'identity-key': { type: 'string' }, parasport: { type: 'boolean' }, ...STORE_OPTIONS, ...CLOUD_OPTION, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(CLUB_ADD_HELP);
    return 0;
  }
  const id = onePositional('club add', 'club ID', positionals);
  const name = required('name', values.name);
  const sports = values.sport ?? [];
  if (sports.length === 0) throw new UsageError('--sport is required (repeat it for several sports)');
  const federation = required('federation', values.federation);
  const identityKey = oneOf('identity-key', values['identity-key'], IDENTITY_KEYS) ?? 'personnummer';
  const club = { id, name, sports, federation, identityKey, countsEveryoneAsDisabled: values.parasport === true };
  const cloud = cloudTarget(values);
  if (cloud) return report(await inCloud(cloud, { action: 'club-add', club }), () => `club ${id} added (${sports.join(', ')}; identity key ${identityKey})`);
  return withRegister(storeSettings(values), async ({ admin }) =>
    report(await addClub(admin, club), (c) => `club ${c.id} added (${c.sports.join(', ')}; identity key ${c.identityKey}${c.countsEveryoneAsDisabled ? '; parasport' : ''})`), { createTable: true });
}

export async function clubActivateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { vendor: { type: 'string' }, from: { type: 'string' }, ...STORE_OPTIONS, ...CLOUD_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(CLUB_ACTIVATE_HELP);
    return 0;
  }
  const club = onePositional('club activate', 'CLUB', positionals);
  const vendor = required('vendor', values.vendor);
  const from = dateFlag('from', values.from) ?? stockholmDate();
  const cloud = cloudTarget(values);
  if (cloud) return report(await inCloud(cloud, { action: 'club-activate', club, vendor, from }), (outcome) => `club ${club} activated vendor ${vendor} from ${from} (${String(outcome)})`);
  return withRegister(storeSettings(values), async ({ admin }) =>
    report(await activateVendor(admin, club, vendor, from), (outcome) => (outcome === 'activated'
      ? `club ${club} activated vendor ${vendor} from ${from}`
      : `vendor ${vendor} is already active for club ${club} (unchanged)`)));
}

export async function clubDeactivateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { vendor: { type: 'string' }, to: { type: 'string' }, ...STORE_OPTIONS, ...CLOUD_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(CLUB_DEACTIVATE_HELP);
    return 0;
  }
  const club = onePositional('club deactivate', 'CLUB', positionals);
  const vendor = required('vendor', values.vendor);
  const to = dateFlag('to', values.to) ?? stockholmDate();
  const cloud = cloudTarget(values);
  if (cloud) return report(await inCloud(cloud, { action: 'club-deactivate', club, vendor, to }), (outcome) => `club ${club} deactivated vendor ${vendor} after ${to} (${String(outcome)})`);
  return withRegister(storeSettings(values), async ({ admin }) =>
    report(await deactivateVendor(admin, club, vendor, to), (outcome) => (outcome === 'deactivated'
      ? `club ${club} deactivated vendor ${vendor} after ${to}`
      : `vendor ${vendor} was not active for club ${club} (unchanged)`)));
}
