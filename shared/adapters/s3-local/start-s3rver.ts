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
type S3rverClass = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const require = createRequire(import.meta.url);

/** The key pair clients of the local S3 sign with (the one DynamoDB Local is given too): s3rver checks signatures. */
export const S3_LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: give it to `s3Client({ endpoint })` (path-style, checksums only when required). */
  readonly endpoint: string;
  /** The folder s3rver keeps its objects in. */
  readonly directory: string;
  /** Stops the server and removes its folder; a second call does nothing. */
  stop(): Promise<void>;
}

/**
 * An S3-compatible server (s3rver, a devDependency: tests and the bench) on a free loopback port, its objects in a
 * temporary folder, with the given buckets. It keeps no versions (objects have no version id) and keeps tags per
 * key: what the S3 adapters rely on beyond that is not proven against it.
 */
export async function startS3rver(options: { readonly buckets?: readonly string[] } = {}): Promise<LocalS3> {
  const S3rver = require('s3rver') as S3rverClass;
  // s3rver knows one key pair of its own (S3RVER); ours is added to its account.
  (
    require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }
  ).DUMMY_ACCOUNT.createKeyPair(S3_LOCAL_CREDENTIALS.accessKeyId, S3_LOCAL_CREDENTIALS.secretAccessKey);
  const directory = mkdtempSync(join(tmpdir(), 'lok-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
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
