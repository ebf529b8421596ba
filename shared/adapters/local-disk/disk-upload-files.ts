import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveKey, folderPrefix } from '../../core/storage/bucket-layout.js';
import { type Upload } from '../../core/pipeline/upload.js';
import type { InboxFile, UploadFiles } from '../../core/queries/upload-status.js';

/**
 * Local mode's uploads on disk, in the object folder laid out like the bucket: `inbox/<vendor>/<file>` (only
 * completed uploads: the SFTP endpoint writes under `.uploading/` and renames on close) and
 * `archive/<vendor>/<upload>/<file>`. A file in the inbox has no upload id yet: the queue names it when it takes it in.
 */
export class DiskUploadFiles implements UploadFiles {
  constructor(private readonly root: string) {}

  async inInbox(vendor: string): Promise<InboxFile[]> {
    const folder = join(this.root, folderPrefix('inbox'), vendor);
    if (!existsSync(folder)) return [];
    const files: InboxFile[] = [];
    for (const file of await readdir(folder)) {
      if (file.startsWith('.')) continue;
      const info = await stat(join(folder, file));
      if (info.isFile()) files.push({ vendor, file, completedAt: info.mtime.toISOString() });
    }
    return files.sort((a, b) => (a.completedAt < b.completedAt ? -1 : 1));
  }

  isCompleted(): Promise<boolean> {
    return Promise.resolve(true);
  }

  isArchived(upload: Upload): Promise<boolean> {
    return Promise.resolve(existsSync(join(this.root, archiveKey(upload))));
  }
}
