/**
 * The layout of the importer's bucket, one home for every folder and key shape in it. Local mode's object folder is
 * laid out the same (the disk adapters join these names under `.local/objects/`), and the CDK grants, lifecycle
 * rules and SFTP scope-down policies name the same folders:
 *
 * - `inbox/<vendor>/<file>`: uploads, through SFTP, until the pipeline takes them in;
 * - `archive/<vendor>/<upload>/<file>`: every received file (7 years): the steps read it from there;
 * - `outbox/<vendor>/`: receipts and change reports, which the vendor reads through SFTP;
 * - `work/<vendor>/<upload>/…` and `work/nightly/<date>/…`: the steps' staged results (30 days);
 * - `reports/reconciliation/<run>.json`: the nightly job's reports;
 * - `privacy/erasures/<pid>.json`: an erasure's note while it runs.
 */
export const BUCKET_FOLDERS = ['inbox', 'archive', 'outbox', 'work', 'reports', 'privacy'] as const;
export type BucketFolder = (typeof BUCKET_FOLDERS)[number];

/** A folder's key prefix (`inbox/`), as S3 prefixes, lifecycle rules and IAM conditions name it. */
export function folderPrefix(folder: BucketFolder): string {
  return `${folder}/`;
}

/** An upload as the layout needs it: its vendor, its id (once taken in) and its file's name. */
interface UploadPlace {
  readonly vendor: string;
  readonly uploadId: string;
  readonly file: string;
}

/** The vendor's inbox (`inbox/<vendor>/`), or every inbox without a vendor. */
export function inboxPrefix(vendor?: string): string {
  return vendor === undefined ? folderPrefix('inbox') : `${folderPrefix('inbox')}${vendor}/`;
}

/** Where a completed upload waits until it is taken in: the vendor's inbox, under the file's name. */
export function inboxKey(upload: Pick<UploadPlace, 'vendor' | 'file'>): string {
  return `${inboxPrefix(upload.vendor)}${upload.file}`;
}

/** The folder of one upload's archived file: `archive/<vendor>/<upload>/`. */
export function archivePrefix(upload: Pick<UploadPlace, 'vendor' | 'uploadId'>): string {
  return `${folderPrefix('archive')}${upload.vendor}/${upload.uploadId}/`;
}

/** Where a received file is kept (7 years in the cloud): reconciliation resumes a stuck upload from it. */
export function archiveKey(upload: UploadPlace): string {
  return `${archivePrefix(upload)}${upload.file}`;
}

/** The vendor's outbox (`outbox/<vendor>/`): receipts and change reports. */
export function outboxPrefix(vendor: string): string {
  return `${folderPrefix('outbox')}${vendor}/`;
}

/** The folder of one upload's staged step results: `work/<vendor>/<upload>/`. */
export function uploadWorkPrefix(upload: Pick<UploadPlace, 'vendor' | 'uploadId'>): string {
  return `${folderPrefix('work')}${upload.vendor}/${upload.uploadId}/`;
}

/** The folder of one night's staged results: `work/nightly/<date>/`. */
export function nightlyWorkPrefix(date: string): string {
  return `${folderPrefix('work')}nightly/${date}/`;
}

/** The folder of the nightly reconciliation's reports: `reports/reconciliation/`. */
export const RECONCILIATION_REPORTS = `${folderPrefix('reports')}reconciliation/`;

/** The folder of the erasures' notes: `privacy/erasures/`. */
export const ERASURE_NOTES = `${folderPrefix('privacy')}erasures/`;
