import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stockholmDate } from '../adapters/clock/stockholm-date.js';
import { systemClock } from '../adapters/clock/system-clock.js';
import { fileSource } from '../adapters/local-disk/file-source.js';
import { receiptKey } from '../core/pipeline/finish-upload.js';
import { runImport } from '../core/pipeline/run-import.js';
import { archiveKey } from '../core/storage/bucket-layout.js';
import { type LedgerEntry, type Upload } from '../core/pipeline/upload.js';
import { receiptJson } from '../core/receipt/receipt-json.js';
import { receiptText } from '../core/receipt/receipt-text.js';
import type { Receipt } from '../core/receipt/receipt.js';
import { command, type CommandInput } from './command.js';
import { dateFlag, onePositional, required } from './output.js';
import { identityKey, STORE_FLAGS, STORE_HELP, STORE_OPTIONS, storeSettings, withRegister } from './register-config.js';
import { UsageError } from './usage-error.js';
import { writeAll } from './write-all.js';

const HELP = `Imports an Importer XML v1 file into the register, as the pipeline does with an uploaded file: registers the
upload in the file ledger, applies its records (only for clubs that have activated the vendor), re-judges
every activity the changes reach, recomputes the clubs' period totals and writes the receipt to the object
store's outbox (LOK_OBJECTS_DIR/outbox/V/FILE.receipt.json and .txt). Prints the receipt, and nothing else, on
standard output. Sending the same bytes again gives a "duplicate" receipt and changes nothing.

  --vendor V          the vendor sending the file (must equal the file's vendor attribute)
  --json              print the receipt as JSON (the human form otherwise)
  --today YYYY-MM-DD  the evaluation date (default: today in Europe/Stockholm)
${STORE_FLAGS}

Exit codes: 0 applied, partially_applied or duplicate; 1 rejected, failed (the pipeline gave up after its
retries: send the file again) or blocked (an earlier upload of the vendor is unfinished: run reconciliation);
2 usage error (no such file, bad flags, no LOK_IDENTITY_KEY, store unreachable); 3 internal error.

${STORE_HELP}`;

/** An upload id of this machine's clock and 8 random bytes: unique without coordination, in time order. */
function newUploadId(completedAt: string): string {
  return `cli-${completedAt.replace(/[-:.]/g, '')}-${randomBytes(8).toString('hex')}`;
}

function describe(entry: LedgerEntry): string {
  const state = entry.stale
    ? `${entry.status ?? entry.stage}, records applied but not re-judged`
    : `stage ${entry.stage}`;
  return `upload ${entry.uploadId} (file ${entry.file}, received ${entry.receivedAt}, ${state})`;
}

const OPTIONS = {
  vendor: { type: 'string' },
  json: { type: 'boolean' },
  today: { type: 'string' },
  ...STORE_OPTIONS,
} as const;

export const IMPORT_COMMANDS = [
  command({
    name: 'import',
    usage: [
      {
        args: 'FILE --vendor V [--json] [--today YYYY-MM-DD]',
        summary: 'import a file into the register and print its receipt',
      },
    ],
    help: HELP,
    options: OPTIONS,
    run: importFile,
  }),
];

async function importFile({ values, positionals, name }: CommandInput<typeof OPTIONS>): Promise<number> {
  const path = onePositional(name, 'FILE', positionals);
  const vendor = required('vendor', values.vendor);
  const today = dateFlag('today', values.today) ?? stockholmDate();
  const settings = storeSettings(values);
  const key = identityKey(settings);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`no such file: ${path}`);

  const completedAt = new Date().toISOString();
  const upload: Upload = { vendor, uploadId: newUploadId(completedAt), file: basename(path), completedAt };
  const clock = systemClock(today);

  return withRegister(
    settings,
    async (register) => {
      // Files of a vendor are applied in order: an unfinished earlier upload would block this one for a long
      // while (the pipeline waits for it). Said at once instead, before this upload enters the ledger.
      const unfinished = await register.store.unfinishedUploads(vendor);
      if (unfinished.length > 0) {
        process.stderr.write(
          `lok-importer import: ${unfinished.length} earlier upload(s) of vendor ${vendor} unfinished, the first: ${describe(unfinished[0]!)}.\n` +
            'If no import of this vendor is running, run reconciliation: it resumes or fails them. Nothing was imported.\n',
        );
        return 1;
      }
      // Kept in the object store's archive as the cloud keeps it in S3, so that reconciliation can resume it.
      const archived = join(settings.objectsDir, archiveKey(upload));
      await mkdir(dirname(archived), { recursive: true });
      await copyFile(path, archived);
      const result = await runImport(register.ports(key), upload, () => fileSource(archived), clock, {
        sleep: (ms) => sleep(ms),
      });
      if (result.kind === 'blocked') {
        process.stderr.write(
          `lok-importer import: blocked: upload ${result.waitingFor} of vendor ${vendor}, earlier than this one, is unfinished.\n` +
            `This upload (${upload.uploadId}) waits in the ledger; run reconciliation to resume or fail them.\n`,
        );
        return 1;
      }
      await print(result.receipt, values.json === true);
      process.stderr.write(
        `lok-importer import: upload ${upload.uploadId}; receipt also in ${join(settings.objectsDir, receiptKey(upload))}\n`,
      );
      if (result.kind === 'failed') {
        process.stderr.write(
          `lok-importer import: the import failed after every retry (${result.error}); send the file again.\n`,
        );
        return 1;
      }
      return result.receipt.status === 'rejected' ? 1 : 0;
    },
    { createTable: true },
  );
}

async function print(receipt: Receipt, json: boolean): Promise<void> {
  if (json) await writeAll(process.stdout, receiptJson(receipt));
  else process.stdout.write(receiptText(receipt));
}
