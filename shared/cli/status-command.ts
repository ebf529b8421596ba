import type { UploadStatus, VendorStatus } from '../core/queries/upload-status.js';
import { adminTarget, answerAt, CLOUD_FLAG, CLOUD_OPTION } from './admin-target.js';
import { command, type CommandInput } from './command.js';
import { noPositionals, printed, required } from './output.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS } from './register-config.js';
import { UsageError } from './usage-error.js';

const HELP = `"Why is vendor V's file stuck?" Per upload of the vendor, newest first (files still in its inbox included): the
ledger entry (stage, status, received and finished times, the sha256's first 12 digits, clubs, errors), whether
the file still waits in the inbox or is archived, the earlier unfinished upload it waits for (the apply step's
rule), and with --cloud the state of its import execution (named by the upload id; a nightly restart
<id>-r<YYYYMMDD>). One line per upload says what is going on and what to do. Ids, file names and codes only.

  --vendor V          the vendor
  --upload U          only this upload (its id, as \`imports\` and the receipts' logs show it)
  --limit N           the latest N uploads (default 20)
  --json              print the status as JSON
${STORE_FLAGS}
${CLOUD_FLAG}

Without --cloud it reads the register and the object folder (LOK_OBJECTS_DIR, or the running local mode's).

Exit codes: 0 found, 1 the vendor or the upload is unknown (CODE: message on standard error), 2 usage error or
store unreachable, 3 internal error.

${STORE_HELP}`;

const OPTIONS = {
  vendor: { type: 'string' },
  upload: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_OPTIONS,
  ...CLOUD_OPTION,
} as const;

async function status({ values, positionals, name }: CommandInput<typeof OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  const vendor = required('vendor', values.vendor);
  const upload = values.upload === undefined ? undefined : required('upload', values.upload);
  if (
    values.limit !== undefined &&
    (!/^\d+$/.test(values.limit) || Number(values.limit) < 1 || Number(values.limit) > 1000)
  ) {
    throw new UsageError(`--limit must be a whole number from 1 to 1000, got ${values.limit}`);
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (upload !== undefined && values.limit !== undefined)
    throw new UsageError('give --upload U or --limit N, not both');
  const result = await answerAt(adminTarget(values), {
    action: 'upload-status',
    vendor,
    ...(upload !== undefined ? { upload } : {}),
    limit,
  });
  return printed(result, values.json, (s) => statusText(s as VendorStatus));
}

export const STATUS_COMMANDS = [
  command({
    name: 'status',
    usage: [
      {
        args: '--vendor V [--upload U] [--limit N] [--json] [--cloud]',
        summary: "why a vendor's file is stuck: ledger, inbox, what it waits for, its execution",
      },
    ],
    help: HELP,
    options: OPTIONS,
    run: status,
  }),
];

function statusText(status: VendorStatus): string {
  const where = status.mode === 'cloud' ? 'in the cloud' : 'in local mode';
  const open =
    status.open === 0
      ? 'no open uploads'
      : `${status.open} open upload(s), the oldest completed ${status.oldestCompletedAt} (${duration(status.oldestAgeSeconds ?? 0)} ago)`;
  const lines = [`vendor ${status.vendor} ${where}, ${status.asOf}: ${open}`];
  if (status.uploads.length === 0) lines.push('no uploads');
  for (const upload of status.uploads)
    lines.push(
      `${upload.uploadId ?? '(not taken in)'}  ${upload.file}  completed ${upload.completedAt}: ${upload.summary}`,
      `    ${facts(upload, status.mode === 'cloud')}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The joined facts behind the sentence, on one indented line. */
function facts(upload: UploadStatus, cloud: boolean): string {
  const parts: string[] = [];
  const l = upload.ledger;
  if (l) {
    parts.push(
      `ledger: ${l.stage}${l.status ? `/${l.status}` : ''}${l.stale ? ' (stale)' : ''}, received ${l.receivedAt}${l.finishedAt ? `, finished ${l.finishedAt}` : ''}` +
        `${l.sha256 ? `, sha256 ${l.sha256}` : ''}${l.clubs?.length ? `, clubs ${l.clubs.join(' ')}` : ''}${l.errors !== undefined ? `, ${l.errors} error(s)` : ''}`,
    );
  } else parts.push('ledger: none');
  parts.push(
    `file: ${upload.inInbox ? 'in the inbox' : 'not in the inbox'}${upload.archived ? ', archived' : ''}${upload.completed === false ? ', partial' : ''}`,
  );
  for (const e of [upload.execution, upload.restart]) {
    if (e)
      parts.push(
        `execution ${e.name}: ${e.status}${e.error ? ` (${e.error})` : ''}${e.startedAt ? ` since ${e.startedAt}` : ''}${e.stoppedAt ? ` until ${e.stoppedAt}` : ''}`,
      );
  }
  if (cloud && upload.uploadId !== undefined && !upload.execution)
    parts.push(`execution ${upload.uploadId}: NOT_FOUND`);
  return parts.join('; ');
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  return `${Math.round(seconds / 86_400)} days`;
}
