import { readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ssh2, { type Connection } from 'ssh2';
import { isAuthorisedKey } from './authorised-keys.js';
import { isVendorId } from './file-name.js';
import { generateKeyPair } from './ssh-keys.js';
import { SftpSession, type CompletedSftpUpload, type UploadsBeingImported } from './sftp-session.js';
import { UPLOADING_FOLDER, vendorFolders, type VendorFolders } from './vendor-folders.js';

// ssh2 is CommonJS: Node's ESM loader offers only its default export (named imports work in vitest, not in dist/).
const { Server } = ssh2;

export interface SftpServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
  /** The private host key (OpenSSH or PEM), or several of different types (ed25519, ECDSA, RSA): each is offered. */
  readonly hostKey: string | Buffer | readonly (string | Buffer)[];
  /** The object store folder, laid out like the bucket: `inbox/<vendor>/`, `outbox/<vendor>/`. */
  readonly root: string;
  /**
   * The vendor's authorised public keys (OpenSSH one-line format), or undefined for an unknown user. Called on
   * every login so keys can be added/rotated while running.
   */
  readonly publicKeysOf: (vendor: string) => Promise<readonly string[] | undefined> | readonly string[] | undefined;
  /** Called once per completed upload, after the file is in place. */
  readonly onUpload: (upload: CompletedSftpUpload) => void;
  /** Completed uploads taken out of the inbox but not yet imported: still shown in the inbox (none when absent). */
  readonly beingImported?: UploadsBeingImported;
  /** Structured events: ids and codes only, never file contents. */
  readonly log?: (event: Record<string, unknown>) => void;
}

export interface RunningSftpServer {
  readonly port: number;
  /** Closes the listener and every connection (unfinished uploads are discarded); resolves within about 2 s. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 1_000;

/**
 * The SFTP endpoint of local mode, behaving like AWS Transfer Family with a logical home directory: one SSH user
 * per vendor, public-key login only, each vendor jailed in `/inbox` (its `<root>/inbox/<vendor>/`) and `/outbox`
 * (its `<root>/outbox/<vendor>/`, read-only); uploads appear in the inbox, and are reported, only when complete.
 */
export async function startSftpServer(options: SftpServerOptions): Promise<RunningSftpServer> {
  const log = options.log ?? (() => undefined);
  await discardUnfinishedUploads(options.root);
  // Checked in place of an unknown user's keys, so that refusing one costs what refusing a known vendor does.
  const decoyKeys = [generateKeyPair('decoy').publicKey];
  const connections = new Set<Connection>();
  const sessions = new Set<SftpSession>();
  let nextConnection = 0;

  const hostKeys = Array.isArray(options.hostKey) ? [...options.hostKey] : [options.hostKey as string | Buffer];
  const server = new Server({ hostKeys }, (client) => {
    const connection = ++nextConnection;
    connections.add(client);
    let vendor: string | undefined;
    let folders: VendorFolders | undefined;
    client.on('error', (error: NodeJS.ErrnoException) => {
      log({ event: 'sftp.connection-error', connection, vendor, reason: error.code ?? error.name });
    });
    client.on('close', () => {
      connections.delete(client);
      log({ event: 'sftp.disconnected', connection, vendor });
    });

    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') {
        if (ctx.method !== 'none') log({ event: 'sftp.login-refused', connection, method: ctx.method, code: 'METHOD_NOT_ALLOWED' });
        ctx.reject(['publickey']);
        return;
      }
      const user = ctx.username;
      void (async () => {
        const keys = isVendorId(user) ? await options.publicKeysOf(user) : undefined;
        const matched = isAuthorisedKey(
          { data: ctx.key.data, signature: ctx.signature, blob: ctx.blob, hashAlgo: ctx.hashAlgo },
          keys ?? decoyKeys,
        );
        const authorised = keys !== undefined && matched;
        if (!authorised) {
          log({ event: 'sftp.login-refused', connection, method: 'publickey', code: keys === undefined ? 'UNKNOWN_USER' : 'KEY_NOT_AUTHORISED' });
          ctx.reject(['publickey']);
          return;
        }
        if (ctx.signature === undefined) {
          ctx.accept(); // the key would do: the client signs next
          return;
        }
        try {
          folders = await vendorFolders(options.root, user);
        } catch (error) {
          log({ event: 'sftp.login-refused', connection, vendor: user, code: 'FOLDERS_UNAVAILABLE', reason: (error as Error).message });
          ctx.reject([]);
          return;
        }
        vendor = user;
        log({ event: 'sftp.login', connection, vendor });
        ctx.accept();
      })().catch((error: unknown) => {
        log({ event: 'sftp.login-refused', connection, method: 'publickey', code: 'KEY_LOOKUP_FAILED', reason: (error as Error).name });
        ctx.reject(['publickey']);
      });
    });

    client.on('ready', () => {
      const owner = vendor;
      const own = folders;
      if (owner === undefined || own === undefined) return client.end();
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        // Accept at once: OpenSSH sends SFTP's INIT without waiting for the reply, and data before it would be lost.
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const served = new SftpSession(sftp, {
            vendor: owner, folders: own, onUpload: options.onUpload, log, ...(options.beingImported ? { beingImported: options.beingImported } : {}),
          });
          sessions.add(served);
          const end = (): void => {
            sessions.delete(served);
            void served.dispose();
          };
          sftp.on('close', end);
          client.on('close', end);
        });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    // EADDRINUSE reaches the caller as it is (its `code`): the caller knows which setting chose the port.
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: NodeJS.ErrnoException) => log({ event: 'sftp.server-error', reason: error.code ?? error.name }));
  const port = (server.address() as AddressInfo).port;
  log({ event: 'sftp.listening', host: options.host ?? '127.0.0.1', port });

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const open = [...connections];
    const ended = Promise.all(open.map((client) => new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
    })));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_GRACE_MS).unref());
    if ((await Promise.race([ended, timer])) === 'timeout') {
      for (const client of connections) destroySocket(client);
    }
    await Promise.all([...sessions].map((session) => session.dispose()));
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    log({ event: 'sftp.stopped', port });
  };
  return { port, stop: () => (stopping ??= stop()) };
}

/** Forcibly closes a connection whose client does not answer the disconnect. */
function destroySocket(client: Connection): void {
  const socket = (client as unknown as { _sock?: { destroy(): void } })._sock;
  socket?.destroy();
}

/** Temporary files of uploads cut off by an earlier stop or crash: never complete, so never imported. */
async function discardUnfinishedUploads(root: string): Promise<void> {
  const vendors = await readdir(join(root, 'inbox')).catch(() => [] as string[]);
  await Promise.all(vendors.filter(isVendorId).map((vendor) =>
    rm(join(root, 'inbox', vendor, UPLOADING_FOLDER), { recursive: true, force: true })));
}
