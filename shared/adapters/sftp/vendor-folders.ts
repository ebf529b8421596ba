import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { folderPrefix } from '../../core/storage/bucket-layout.js';
import type { JailFolder } from './jail-path.js';

/** A vendor's folders in the object store folder, as real paths (no symlink in them). */
export interface VendorFolders {
  readonly inbox: string;
  readonly outbox: string;
  /** Where files being uploaded are written until they are complete: `<inbox>/.uploading/`, never listed. */
  readonly uploading: string;
}

export const UPLOADING_FOLDER = '.uploading';

export function folderOf(folders: VendorFolders, folder: JailFolder): string {
  return folder === 'inbox' ? folders.inbox : folders.outbox;
}

/**
 * Creates `<root>/inbox/<vendor>/`, its `.uploading/` and `<root>/outbox/<vendor>/` when missing and checks that
 * each resolves to itself under the real root: a folder that is (or runs through) a symlink would lead the vendor
 * out of its jail, so the login is refused instead (the promise rejects). `vendor` must be a checked vendor id.
 */
export async function vendorFolders(root: string, vendor: string): Promise<VendorFolders> {
  const realRoot = await realpath(root);
  const expected = {
    inbox: join(realRoot, folderPrefix('inbox'), vendor),
    outbox: join(realRoot, folderPrefix('outbox'), vendor),
    uploading: join(realRoot, folderPrefix('inbox'), vendor, UPLOADING_FOLDER),
  };
  for (const folder of Object.values(expected)) {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const real = await realpath(folder);
    if (real !== folder) throw new Error(`SFTP_FOLDER_NOT_REAL: ${folder}`);
  }
  return expected;
}
