import { parseArgs } from 'node:util';
import { VendorKeyFiles } from '../adapters/sftp/vendor-key-files.js';
import { messageFor } from '../core/errors/codes.js';
import { CLOUD_FLAG, CLOUD_OPTION, cloudTarget, inCloud } from './cloud-admin.js';
import { onePositional } from './output.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS, storeSettings, withRegister } from './register-config.js';
import { UsageError } from './usage-error.js';

export const VENDOR_DISABLE_HELP = `Usage: lok-importer vendor disable ID [--cloud]

Shuts a vendor out of the SFTP endpoint: every key of its SFTP user is removed, so no login succeeds. Its data
and its register entry stay; \`vendor key rotate ID --key FILE\` (or, in the cloud, \`vendor add\` with --key)
opens it again.
${STORE_FLAGS}
${CLOUD_FLAG}

Exit codes: 0 done, 1 no such vendor, 2 usage error, 3 internal error.

${STORE_HELP}`;

export async function vendorDisableCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { ...STORE_OPTIONS, ...CLOUD_OPTION, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(VENDOR_DISABLE_HELP);
    return 0;
  }
  const vendor = onePositional('vendor disable', 'vendor ID', positionals);
  const cloud = cloudTarget(values);
  if (cloud) {
    const result = await inCloud(cloud, { action: 'vendor-disable', vendor });
    if (!result.ok) {
      process.stderr.write(`${result.error.code}: ${result.error.message}\n`);
      return 1;
    }
    process.stdout.write(`vendor ${vendor}: SFTP login disabled (${(result.value as { removed: string[] }).removed.length} key(s) removed)\n`);
    return 0;
  }
  const settings = storeSettings(values);
  if (settings.vendorKeysDir === undefined) throw new UsageError('no SFTP endpoint to disable the vendor on: start local mode (npm start), set LOK_SFTP_KEYS_DIR, or use --cloud');
  const keys = new VendorKeyFiles(settings.vendorKeysDir);
  return withRegister(settings, async ({ admin }) => {
    if (!(await admin.vendor(vendor))) {
      process.stderr.write(`UNKNOWN_VENDOR: ${messageFor('UNKNOWN_VENDOR', vendor)}\n`);
      return 1;
    }
    const removed = keys.keys(vendor).length;
    keys.removeAll(vendor);
    process.stdout.write(`vendor ${vendor}: SFTP login disabled (${removed} key(s) removed)\n`);
    return 0;
  });
}
