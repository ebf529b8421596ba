import { S3_LOCAL_CREDENTIALS, startS3rver } from '../../shared/adapters/s3-local/start-s3rver.js';

/** The credentials the tests sign with: s3rver checks every request's signature against them. */
export const S3_CREDENTIALS = S3_LOCAL_CREDENTIALS;

export interface S3ForTests {
  /** `http://127.0.0.1:<port>`: give it to `s3Client({ endpoint })` (path-style, checksums only when required). */
  readonly endpoint: string;
  readonly bucket: string;
  /** Stops the server and removes its folder; a second call does nothing. */
  stop(): Promise<void>;
}

/** s3rver on loopback with one bucket (shared/adapters/s3-local: no versioning, tags per key). */
export async function s3ForTests(bucket = 'lok-files-test'): Promise<S3ForTests> {
  const server = await startS3rver({ buckets: [bucket] });
  return { endpoint: server.endpoint, bucket, stop: () => server.stop() };
}
