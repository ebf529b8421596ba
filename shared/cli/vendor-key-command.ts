import { parseArgs } from 'node:util';
import { messageFor } from '../core/errors/codes.js';
import { onePositional, required } from './output.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS, storeSettings, withRegister } from './register-config.js';
import { UsageError } from './usage-error.js';
import { vendorKey } from './vendor-key.js';
import { CLOUD_FLAG, CLOUD_OPTION, cloudTarget, inCloud, publicKeyText } from './cloud-admin.js';

export const VENDOR_KEY_HELP = `Usage: lok-importer vendor key rotate ID --key FILE [--keep-old]

Gives a vendor's SFTP user a new public key (OpenSSH .pub file). The old key stops working at once, unless
--keep-old keeps it too, so that the vendor can switch its systems over before the old one is removed with a
second rotate. Works against a running local mode (or LOK_SFTP_KEYS_DIR), or with --cloud on the vendor's
Transfer Family user.

  --key FILE          the new public key
  --keep-old          keep the old key(s) as well
${STORE_FLAGS}
${CLOUD_FLAG}

Exit codes: 0 done, 1 no such vendor, 2 usage error, 3 internal error.

${STORE_HELP}`;

export async function vendorKeyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { key: { type: 'string' }, 'keep-old': { type: 'boolean' }, ...STORE_OPTIONS, ...CLOUD_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(VENDOR_KEY_HELP);
    return 0;
  }
  const [action, ...rest] = positionals;
  if (action !== 'rotate') throw new UsageError('vendor key takes the action rotate');
  const vendor = onePositional('vendor key rotate', 'vendor ID', rest);
  const cloud = cloudTarget(values);
  if (cloud) {
    const result = await inCloud(cloud, { action: 'vendor-key-rotate', vendor, publicKey: publicKeyText(required('key', values.key)), keepOld: values['keep-old'] === true });
    if (!result.ok) {
      process.stderr.write(`${result.error.code}: ${result.error.message}\n`);
      return 1;
    }
    const { removed } = result.value as { removed: string[] };
    process.stdout.write(`vendor ${vendor}: key added${removed.length > 0 ? `, ${removed.length} old key(s) removed` : ''}\n`);
    return 0;
  }
  const settings = storeSettings(values);
  const { keys, line } = vendorKey(settings, required('key', values.key));
  return withRegister(settings, async ({ admin }) => {
    // The vendor must exist in the register: a key for nobody would be a login for nobody.
    if (!(await admin.vendor(vendor))) {
      process.stderr.write(`UNKNOWN_VENDOR: ${messageFor('UNKNOWN_VENDOR', vendor)}\n`);
      return 1;
    }
    if (values['keep-old']) keys.add(vendor, line);
    else keys.replace(vendor, line);
    process.stdout.write(`vendor ${vendor}: key ${values['keep-old'] ? 'added' : 'replaced'} (${keys.keys(vendor).length} key(s) now)\n`);
    return 0;
  });
}
