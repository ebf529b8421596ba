import { adminTarget, answerAt, CLOUD_FLAG, CLOUD_OPTION, publicKeyOf, sftpKeysDir } from './admin-target.js';
import { command, type CommandInput } from './command.js';
import { onePositional, reported, required } from './output.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS } from './register-config.js';
import { UsageError } from './usage-error.js';

const EXIT = 'Exit codes: 0 done, 1 no such vendor, 2 usage error, 3 internal error.';

const KEY_HELP = `Gives a vendor's SFTP user a new public key (OpenSSH .pub file). The old key stops working at once, unless
--keep-old keeps it too, so that the vendor can switch its systems over before the old one is removed with a
second rotate. Works against a running local mode (or LOK_SFTP_KEYS_DIR), or with --cloud on the vendor's
Transfer Family user: the same use-case on either (shared/core/admin/vendor-login.ts).

  --key FILE          the new public key
  --keep-old          keep the old key(s) as well
${STORE_FLAGS}
${CLOUD_FLAG}

${EXIT}

${STORE_HELP}`;

const DISABLE_HELP = `Shuts a vendor out of the SFTP endpoint: every key of its SFTP user is removed, so no login succeeds. Its data
and its register entry stay; \`vendor key rotate ID --key FILE\` (or \`vendor add\` with --key) opens it again.
${STORE_FLAGS}
${CLOUD_FLAG}

${EXIT}

${STORE_HELP}`;

const KEY_OPTIONS = {
  key: { type: 'string' },
  'keep-old': { type: 'boolean' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

async function rotate({ values, positionals, name }: CommandInput<typeof KEY_OPTIONS>): Promise<number> {
  const [action, ...rest] = positionals;
  if (action !== 'rotate') throw new UsageError(`${name} takes the action rotate`);
  const vendor = onePositional(`${name} rotate`, 'vendor ID', rest);
  const target = adminTarget(values);
  const publicKey = publicKeyOf(target, required('key', values.key));
  const result = await answerAt(target, {
    action: 'vendor-key-rotate',
    vendor,
    publicKey,
    keepOld: values['keep-old'] === true,
  });
  return reported(result, (value) => {
    const { removed } = value as { removed: readonly string[] };
    return `vendor ${vendor}: key added${removed.length > 0 ? `, ${removed.length} old key(s) removed` : ''}\n`;
  });
}

const DISABLE_OPTIONS = { ...STORE_OPTIONS, ...CLOUD_OPTION } as const;

async function disable({ values, positionals, name }: CommandInput<typeof DISABLE_OPTIONS>): Promise<number> {
  const vendor = onePositional(name, 'vendor ID', positionals);
  const target = adminTarget(values);
  if (target.kind === 'register')
    sftpKeysDir(
      target.settings,
      'disable the vendor on: start local mode (npm start), set LOK_SFTP_KEYS_DIR, or use --cloud',
    );
  return reported(
    await answerAt(target, { action: 'vendor-disable', vendor }),
    (value) =>
      `vendor ${vendor}: SFTP login disabled (${(value as { removed: readonly string[] }).removed.length} key(s) removed)\n`,
  );
}

/** A vendor's SFTP login: its key rotated, or the vendor shut out (the login's keys through the VendorLogins port). */
export const VENDOR_LOGIN_COMMANDS = [
  command({
    name: 'vendor key',
    usage: [{ args: 'rotate ID --key FILE [--keep-old]', summary: "a vendor's new SFTP key" }],
    help: KEY_HELP,
    options: KEY_OPTIONS,
    run: rotate,
  }),
  command({
    name: 'vendor disable',
    usage: [{ args: 'ID [--cloud]', summary: 'shut a vendor out of the SFTP endpoint (its keys removed)' }],
    help: DISABLE_HELP,
    options: DISABLE_OPTIONS,
    run: disable,
  }),
];
