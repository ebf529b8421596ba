/**
 * An S3-compatible server (s3rver 3.7) on a free loopback port for the cloud part of the bench, its objects in a
 * temporary folder. The minimum of test/support/s3-server.ts (the test helpers are not compiled into dist/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The part of s3rver 3.7 used here (it is CommonJS and ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: { port: number; address: string; silent: boolean; directory: string }) => S3rverInstance;

const require = createRequire(import.meta.url);

/** The key pair every client here signs with (the same as DynamoDB Local is given); s3rver checks signatures. */
export const S3_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface BenchS3 {
  /** `http://127.0.0.1:<port>`: for `s3Client({ endpoint })` (path-style, checksums only when required). */
  readonly endpoint: string;
  /** The folder s3rver keeps its objects in (on disk). */
  readonly directory: string;
  /** Stops the server and removes its folder; a second call does nothing. */
  stop(): Promise<void>;
}

export async function startS3rver(): Promise<BenchS3> {
  const S3rver = require('s3rver') as S3rverClass;
  // s3rver knows one key pair of its own (S3RVER); ours is added to its account.
  (require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } })
    .DUMMY_ACCOUNT.createKeyPair(S3_CREDENTIALS.accessKeyId, S3_CREDENTIALS.secretAccessKey);
  const directory = mkdtempSync(join(tmpdir(), 'lok-bench-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
