import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSftpServer, type SftpLimits } from '../../shared/adapters/sftp/sftp-server.js';
import type { CompletedSftpUpload } from '../../shared/adapters/sftp/sftp-session.js';
import { generateKeyPair } from '../../shared/adapters/sftp/ssh-keys.js';
import { forFile } from './for-file.js';

/** The two vendors a test SFTP server lets in, each with a key of its own. */
export const A = 'vendor-a';
export const B = 'vendor-b';
export const keyA = generateKeyPair(A);
export const keyB = generateKeyPair(B);

/** A running SFTP server on a fresh temp folder, with what it reported so far. */
export interface TestSftp {
  readonly root: string;
  readonly port: number;
  /** Every completed upload, in order. */
  readonly uploads: CompletedSftpUpload[];
  /** Every event it logged, in order. */
  readonly events: Record<string, unknown>[];
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Starts an SFTP server on a free loopback port that lets in vendors A and B with their keys. */
export async function startTestSftp(limits?: Partial<SftpLimits>): Promise<TestSftp> {
  const root = await mkdtemp(join(tmpdir(), 'test-sftp-'));
  const keys = new Map([
    [A, [keyA.publicKey]],
    [B, [keyB.publicKey]],
  ]);
  const uploads: CompletedSftpUpload[] = [];
  const events: Record<string, unknown>[] = [];
  const server = await startSftpServer({
    hostKey: generateKeyPair('host').privateKey,
    root,
    ...(limits ? { limits } : {}),
    publicKeysOf: (vendor) => keys.get(vendor),
    onUpload: (upload) => uploads.push(upload),
    log: (event) => events.push(event),
  });
  return {
    root,
    port: server.port,
    uploads,
    events,
    stop: async () => {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The test SFTP server for the tests of one file (see forFile); its fields read inside a hook or a test. */
export function sftpForFile(limits?: Partial<SftpLimits>): Omit<TestSftp, 'stop'> {
  const running = forFile(
    'The SFTP server',
    () => startTestSftp(limits),
    (server) => server.stop(),
  );
  return {
    get root() {
      return running().root;
    },
    get port() {
      return running().port;
    },
    get uploads() {
      return running().uploads;
    },
    get events() {
      return running().events;
    },
  };
}
