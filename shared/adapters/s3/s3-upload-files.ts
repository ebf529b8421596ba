import { archiveKey, archivePrefix } from '../../core/storage/bucket-layout.js';
import { type Upload } from '../../core/pipeline/upload.js';
import type { InboxFile, UploadFiles } from '../../core/queries/upload-status.js';
import type { InboxUpload, S3Uploads } from './s3-uploads.js';

/**
 * The bucket's uploads for `lok-importer status --cloud`: the versions in a vendor's inbox (each an upload with its
 * id), whether Transfer Family tagged one completed, and whether an upload's archive copy is there. Listing and
 * tags only: no object's contents are read.
 */
export class S3UploadFiles implements UploadFiles {
  constructor(private readonly uploads: S3Uploads) {}

  async inInbox(vendor: string): Promise<InboxFile[]> {
    return this.uploads.inInbox(vendor);
  }

  isCompleted(file: InboxFile): Promise<boolean> {
    const { source } = file as InboxUpload;
    return source ? this.uploads.isCompleted(source) : Promise.resolve(false);
  }

  async isArchived(upload: Upload): Promise<boolean> {
    const key = archiveKey(upload);
    return (await this.uploads.keys(archivePrefix(upload))).includes(key);
  }
}
