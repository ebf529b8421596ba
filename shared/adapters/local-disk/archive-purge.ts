import { rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { ArchivePurge } from '../../core/privacy/retention.js';

/** Removes archived files from an object store folder (local mode's, the CLI's register): S3 has its lifecycle rule. */
export class DiskArchivePurge implements ArchivePurge {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async remove(key: string): Promise<boolean> {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new Error(`object key outside the store: ${key}`);
    try {
      await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await rm(path, { force: true });
    return true;
  }
}
