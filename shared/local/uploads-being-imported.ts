import type { UploadsBeingImported } from '../adapters/sftp/sftp-session.js';

interface Taken {
  readonly vendor: string;
  readonly file: string;
  /** Where its file lies now (in the archive). */
  readonly path: string;
}

/**
 * Local mode's uploads between leaving the inbox (moved into the archive when they enter the ledger) and the end of
 * their import, by upload id: what the SFTP endpoint keeps showing in the vendor's inbox meanwhile. Of two uploads
 * of one name, the later one is shown.
 */
export class TakenUploads implements UploadsBeingImported {
  private readonly taken = new Map<string, Taken>();

  add(uploadId: string, upload: Taken): void {
    this.taken.set(uploadId, upload);
  }

  remove(uploadId: string): void {
    this.taken.delete(uploadId);
  }

  pathOf(vendor: string, file: string): string | undefined {
    let path: string | undefined;
    for (const upload of this.taken.values()) if (upload.vendor === vendor && upload.file === file) path = upload.path;
    return path;
  }

  files(vendor: string): readonly string[] {
    return [...this.taken.values()].filter((upload) => upload.vendor === vendor).map((upload) => upload.file);
  }
}
