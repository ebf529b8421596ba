import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SftpClient from 'ssh2-sftp-client';
import type { JailFolder } from '../shared/adapters/sftp/jail-path.js';
import { receiptKey } from '../shared/core/pipeline/finish-upload.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import { SmokeFailed } from './smoke-failed.js';

/** Where and as whom the smoke test logs in. */
export interface SftpTarget {
  readonly host: string;
  readonly port: number;
  readonly vendor: string;
  readonly privateKey: string;
}

const POLL_MS = 1000;
const PROGRESS_EVERY_MS = 5000;

/** A path in the vendor's view of the endpoint (`/inbox/<file>`, `/outbox/<file>`: the same in local mode and on Transfer Family). */
function vendorPath(folder: JailFolder, file: string): string {
  return `/${folder}/${file}`;
}

/** Why the login failed, in words an operator can act on (the client's message names host and port, never a key). */
function loginFailure(target: SftpTarget, error: unknown): SmokeFailed {
  const message = error instanceof Error ? error.message : String(error);
  const where = `${target.host}:${target.port}`;
  if (/authentication/i.test(message)) {
    return new SmokeFailed(
      `could not log in to ${where} as ${target.vendor}: the key was refused (is ${target.vendor} onboarded with this key's public half?)`,
    );
  }
  return new SmokeFailed(`could not connect to ${where}: ${message}`);
}

/** SFTP's "no such file" (status 2), as ssh2-sftp-client passes it on. */
function isNoSuchFile(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 2 || code === 'ENOENT';
}

/**
 * The receipt at `path`, or undefined while there is none (or it is not whole yet). Read with a plain get, as
 * vendors are told to fetch receipts: their session policy allows reading the outbox, nothing more.
 */
async function receiptAt(client: SftpClient, path: string): Promise<Receipt | undefined> {
  let bytes: Buffer;
  try {
    bytes = (await client.get(path)) as Buffer;
  } catch (error) {
    if (isNoSuchFile(error)) return undefined;
    throw error;
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as Receipt;
  } catch {
    return undefined;
  }
}

/**
 * Logs in as the vendor, puts `text` into `/inbox/<file>` and waits for `/outbox/<file>.receipt.json`, as a
 * vendor's system does; `say` hears each step (connected, uploaded, waiting N s). Fails (SmokeFailed) when the
 * login is refused, the endpoint cannot be reached, or no receipt comes within `timeoutMs`.
 */
export async function sendAndAwaitReceipt(
  target: SftpTarget,
  file: { readonly name: string; readonly text: string },
  options: { readonly timeoutMs: number; readonly say: (line: string) => void },
): Promise<{ receipt: Receipt; seconds: number }> {
  const { say } = options;
  const client = new SftpClient();
  try {
    await client.connect({
      host: target.host,
      port: target.port,
      username: target.vendor,
      privateKey: target.privateKey,
      readyTimeout: 20_000,
    });
  } catch (error) {
    throw loginFailure(target, error);
  }
  try {
    say(`connected to ${target.host}:${target.port} as ${target.vendor}`);
    const bytes = Buffer.from(file.text, 'utf8');
    await client.put(bytes, vendorPath('inbox', file.name));
    const uploaded = Date.now();
    say(`uploaded inbox/${file.name} (${bytes.length} bytes)`);
    const receiptName = posix.basename(receiptKey({ vendor: target.vendor, file: file.name }));
    const path = vendorPath('outbox', receiptName);
    let reported = uploaded;
    for (;;) {
      const receipt = await receiptAt(client, path);
      const elapsed = Date.now() - uploaded;
      if (receipt) return { receipt, seconds: elapsed / 1000 };
      if (elapsed >= options.timeoutMs) {
        throw new SmokeFailed(
          `no receipt outbox/${receiptName} within ${Math.round(options.timeoutMs / 1000)} s of the upload (is the import workflow running? see its executions and alarms)`,
        );
      }
      if (Date.now() - reported >= PROGRESS_EVERY_MS) {
        reported = Date.now();
        say(`waiting for outbox/${receiptName}: ${Math.round(elapsed / 1000)} s`);
      }
      await sleep(Math.min(POLL_MS, Math.max(0, options.timeoutMs - elapsed)));
    }
  } catch (error) {
    if (error instanceof SmokeFailed) throw error;
    throw new SmokeFailed(
      `the SFTP session with ${target.host}:${target.port} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
