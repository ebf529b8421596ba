import type { Vendor } from '../../core/admin/register-admin.js';
import type { LoginKey, VendorLogins } from '../../core/admin/vendor-login.js';
import type { VendorKeyFiles } from './vendor-key-files.js';

/** A key as the port names it: its type and body (the comment, often an e-mail address, is no part of it). */
function keyOf(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * Vendors' SFTP logins in local mode: each vendor of the register has its folder, and its authorised keys are the
 * lines of `<dir>/<vendor>.pub` (VendorKeyFiles), which the endpoint reads at every login. A key's id is the key.
 * The same port as Transfer Family's users in the cloud (TransferVendorLogins), so that onboarding, rotation and
 * disabling run the same use-cases (shared/core/admin/vendor-login.ts) here and there.
 */
export class FileVendorLogins implements VendorLogins {
  constructor(
    private readonly files: VendorKeyFiles,
    private readonly register: { vendor(id: string): Promise<Vendor | undefined> },
  ) {}

  async create(vendor: string, publicKey: string): Promise<'created' | 'exists'> {
    if (this.files.exists(vendor)) return 'exists';
    this.files.add(vendor, publicKey);
    return 'created';
  }

  /** The vendor's keys; undefined when the register does not know the vendor (a key for nobody logs nobody in). */
  async keys(vendor: string): Promise<readonly LoginKey[] | undefined> {
    if (!(await this.register.vendor(vendor))) return undefined;
    return this.files.keys(vendor).map((line) => ({ id: keyOf(line), key: keyOf(line) }));
  }

  async addKey(vendor: string, publicKey: string): Promise<LoginKey> {
    this.files.add(vendor, keyOf(publicKey));
    return { id: keyOf(publicKey), key: keyOf(publicKey) };
  }

  async removeKey(vendor: string, keyId: string): Promise<void> {
    this.files.remove(vendor, (line) => keyOf(line) === keyId);
  }
}
