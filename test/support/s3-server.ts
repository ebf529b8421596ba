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
const S3rver = require('s3rver') as S3rverClass;

/** The credentials the tests sign with: s3rver checks every request's signature against them. */
export const S3_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
// s3rver knows one key pair (S3RVER); the tests' pair, the same DynamoDB Local is given, is added to its account.
(require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } })
  .DUMMY_ACCOUNT.createKeyPair(S3_CREDENTIALS.accessKeyId, S3_CREDENTIALS.secretAccessKey);

export interface S3ForTests {
  /** `http://127.0.0.1:<port>`: give it to `s3Client({ endpoint })` (path-style, checksums only when required). */
  readonly endpoint: string;
  readonly bucket: string;
  /** Stops the server and removes its folder; a second call does nothing. */
  stop(): Promise<void>;
}

/**
 * An S3-compatible server (s3rver) on a free loopback port, its objects in a temporary folder, with one bucket.
 * It has no versioning (objects have no version id) and keeps tags per key: what the adapters rely on from S3
 * beyond that is not proven here.
 */
export async function s3ForTests(bucket = 'lok-files-test'): Promise<S3ForTests> {
  const directory = mkdtempSync(join(tmpdir(), 'lok-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
