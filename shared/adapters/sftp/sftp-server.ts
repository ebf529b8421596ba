import { readdir, rm } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import ssh2, { type Connection } from 'ssh2';
import { isAuthorisedKey } from './authorised-keys.js';
import { IMPORT_MAX_BYTES } from '../../core/pipeline/import-steps.js';
import { isVendorId } from '../../core/admin/register-id.js';
import { folderPrefix } from '../../core/storage/bucket-layout.js';
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
  /** What one client may hold (SFTP_LIMITS when absent; tests lower them). */
  readonly limits?: Partial<SftpLimits>;
}

/** What the endpoint allows, so that no client, vendor or not, can take it from the others. */
export interface SftpLimits {
  /** From the TCP connection to a completed login: a connection not logged in by then is closed. */
  readonly loginTimeoutMs: number;
  /** Connections at once, logged in or not: more are closed at once, before the SSH handshake. */
  readonly connections: number;
  /** Logged-in connections of one vendor at once: another login of the vendor is refused. */
  readonly vendorConnections: number;
  /** SSH sessions (each an SFTP session) at once, all vendors: more are refused. */
  readonly sessions: number;
  /** SSH sessions of one vendor at once, over all its connections: more are refused. */
  readonly vendorSessions: number;
  /** The most bytes one upload may write: the largest file the pipeline imports (UPLOAD_TOO_LARGE above it). */
  readonly uploadBytes: number;
}

/**
 * The endpoint's limits: OpenSSH's own login grace is 120 s, a client with a key needs well under a second, so 30 s;
 * a vendor's client runs one or a few transfers at once (rclone's default is 4), so 10 per vendor.
 */
export const SFTP_LIMITS: SftpLimits = {
  loginTimeoutMs: 30_000,
  connections: 100,
  vendorConnections: 10,
  sessions: 100,
  vendorSessions: 10,
  uploadBytes: IMPORT_MAX_BYTES,
};

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

  const limits: SftpLimits = { ...SFTP_LIMITS, ...options.limits };
  const sockets = new Set<Socket>();
  const loggedIn = new WeakSet<Socket>();
  const vendorConnections = new Counts();
  const vendorSessions = new Counts();
  let openSessions = 0;

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
      if (vendor !== undefined) vendorConnections.remove(vendor);
      log({ event: 'sftp.disconnected', connection, vendor });
    });

    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') {
        if (ctx.method !== 'none')
          log({ event: 'sftp.login-refused', connection, method: ctx.method, code: 'METHOD_NOT_ALLOWED' });
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
          log({
            event: 'sftp.login-refused',
            connection,
            method: 'publickey',
            code: keys === undefined ? 'UNKNOWN_USER' : 'KEY_NOT_AUTHORISED',
          });
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
          log({
            event: 'sftp.login-refused',
            connection,
            vendor: user,
            code: 'FOLDERS_UNAVAILABLE',
            reason: (error as Error).message,
          });
          ctx.reject([]);
          return;
        }
        if (vendorConnections.of(user) >= limits.vendorConnections) {
          log({ event: 'sftp.login-refused', connection, vendor: user, code: 'TOO_MANY_CONNECTIONS' });
          ctx.reject([]);
          client.end();
          return;
        }
        vendor = user;
        vendorConnections.add(user);
        loggedIn.add(socketOf(client));
        log({ event: 'sftp.login', connection, vendor });
        ctx.accept();
      })().catch((error: unknown) => {
        log({
          event: 'sftp.login-refused',
          connection,
          method: 'publickey',
          code: 'KEY_LOOKUP_FAILED',
          reason: (error as Error).name,
        });
        ctx.reject(['publickey']);
      });
    });

    client.on('ready', () => {
      const owner = vendor;
      const own = folders;
      if (owner === undefined || own === undefined) return client.end();
      client.on('session', (acceptSession, rejectSession) => {
        if (openSessions >= limits.sessions || vendorSessions.of(owner) >= limits.vendorSessions) {
          log({ event: 'sftp.session-refused', connection, vendor: owner, code: 'TOO_MANY_SESSIONS' });
          rejectSession();
          return;
        }
        openSessions++;
        vendorSessions.add(owner);
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          openSessions--;
          vendorSessions.remove(owner);
        };
        const session = acceptSession();
        session.on('close', release);
        client.on('close', release);
        // Accept at once: OpenSSH sends SFTP's INIT without waiting for the reply, and data before it would be lost.
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const served = new SftpSession(sftp, {
            vendor: owner,
            folders: own,
            onUpload: options.onUpload,
            log,
            maxUploadBytes: limits.uploadBytes,
            ...(options.beingImported ? { beingImported: options.beingImported } : {}),
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

  // Connections are taken here, before ssh2 sees them: ssh2 reports a client only once it has sent its version
  // line, so one that connects and sends nothing would otherwise be held for ever.
  const listener = createNetServer((socket) => {
    if (sockets.size >= limits.connections) {
      log({ event: 'sftp.connection-refused', code: 'TOO_MANY_CONNECTIONS' });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const timer = setTimeout(() => {
      if (loggedIn.has(socket)) return;
      log({ event: 'sftp.login-timeout', code: 'LOGIN_TIMEOUT' });
      socket.destroy();
    }, limits.loginTimeoutMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      sockets.delete(socket);
    });
    server.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    // EADDRINUSE reaches the caller as it is (its `code`): the caller knows which setting chose the port.
    listener.once('error', reject);
    listener.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', (error: NodeJS.ErrnoException) =>
    log({ event: 'sftp.server-error', reason: error.code ?? error.name }),
  );
  const port = (listener.address() as AddressInfo).port;
  log({ event: 'sftp.listening', host: options.host ?? '127.0.0.1', port });

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    const open = [...connections];
    const ended = Promise.all(
      open.map(
        (client) =>
          new Promise<void>((resolve) => {
            client.once('close', () => resolve());
            client.end();
          }),
      ),
    );
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_GRACE_MS).unref());
    if ((await Promise.race([ended, timer])) === 'timeout') {
      for (const client of connections) socketOf(client).destroy();
    }
    for (const socket of sockets) socket.destroy();
    await Promise.all([...sessions].map((session) => session.dispose()));
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    log({ event: 'sftp.stopped', port });
  };
  return { port, stop: () => (stopping ??= stop()) };
}

/** A client's TCP socket (ssh2 keeps it as `_sock`; the socket it was given by injectSocket). */
function socketOf(client: Connection): Socket {
  return (client as unknown as { _sock: Socket })._sock;
}

/** How many each vendor holds at once. */
class Counts {
  private readonly counts = new Map<string, number>();

  of(vendor: string): number {
    return this.counts.get(vendor) ?? 0;
  }

  add(vendor: string): void {
    this.counts.set(vendor, this.of(vendor) + 1);
  }

  remove(vendor: string): void {
    const left = this.of(vendor) - 1;
    if (left > 0) this.counts.set(vendor, left);
    else this.counts.delete(vendor);
  }
}

/** Temporary files of uploads cut off by an earlier stop or crash: never complete, so never imported. */
async function discardUnfinishedUploads(root: string): Promise<void> {
  const vendors = await readdir(join(root, folderPrefix('inbox'))).catch(() => [] as string[]);
  await Promise.all(
    vendors
      .filter(isVendorId)
      .map((vendor) =>
        rm(join(root, folderPrefix('inbox'), vendor, UPLOADING_FOLDER), { recursive: true, force: true }),
      ),
  );
}
