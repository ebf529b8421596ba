import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * An S3 client; with `endpoint` (an S3-compatible server on loopback) it addresses buckets by path and sends
 * checksums only when an operation requires them, which s3rver and most S3 look-alikes need.
 */
export function s3Client(
  config: { readonly endpoint?: string; readonly region?: string } & Pick<S3ClientConfig, 'credentials'> = {},
): S3Client {
  const { endpoint, region, credentials } = config;
  return new S3Client({
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
    ...(endpoint
      ? {
          endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
}
