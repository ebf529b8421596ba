import { existsSync, readFileSync } from 'node:fs';
import { publicKeyLine, VendorKeyFiles } from '../adapters/sftp/vendor-key-files.js';
import type { StoreSettings } from './register-config.js';
import { UsageError } from './usage-error.js';

/** The vendor's public key from FILE, and where the SFTP endpoint's keys are; usage errors otherwise. */
export function vendorKey(settings: StoreSettings, file: string): { keys: VendorKeyFiles; line: string } {
  if (settings.vendorKeysDir === undefined) {
    throw new UsageError('no SFTP endpoint to give the key to: start local mode (npm start) or set LOK_SFTP_KEYS_DIR');
  }
  if (!existsSync(file)) throw new UsageError(`no such key file: ${file}`);
  const key = publicKeyLine(readFileSync(file, 'utf8'));
  if (!key.ok) throw new UsageError(`${file}: ${key.reason}`);
  return { keys: new VendorKeyFiles(settings.vendorKeysDir), line: key.line };
}
