import { CustomResourceProviderBase, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  StorageClass,
  type IBucket,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { folderPrefix } from '../../shared/core/storage/bucket-layout.js';
import { everyObjectIn } from './step-access.js';

/** Received files are kept seven years (LOK-stöd's retention of underlying records), then removed. */
export const ARCHIVE_DAYS = 7 * 365 + 2;

export interface FileStoreProps {
  /**
   * What becomes of the buckets and the key when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Empty both buckets, every object version and delete marker, when the stack is deleted (CDK's auto-delete
   * custom resource), so a DESTROY removal policy can delete them: a versioned bucket is never empty otherwise.
   * Test stages only; needs RemovalPolicy.DESTROY.
   *
   * @default false: the objects stay
   */
  readonly autoDeleteObjects?: boolean;
}

/**
 * The bucket: `inbox/<vendor>/` (uploads, through SFTP), `archive/<vendor>/<upload>/` (every received file, 7
 * years), `outbox/<vendor>/` (receipts), `work/` (staged step results), `reports/` (reconciliation). Encrypted
 * with its own KMS key, versioned, TLS only, never public, access-logged.
 */
export class FileStore extends Construct {
  readonly bucket: Bucket;
  readonly key: Key;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: FileStoreProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'lok-importer files: uploads, archive, receipts',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // Server access logs cannot go to a KMS-encrypted bucket: S3-managed encryption here, and no file contents.
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: false,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects ?? false,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(400) }],
    });
    this.bucket = new Bucket(this, 'Files', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'files/',
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects ?? false,
      lifecycleRules: [
        {
          id: 'archive-seven-years',
          prefix: folderPrefix('archive'),
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }],
          expiration: Duration.days(ARCHIVE_DAYS),
          noncurrentVersionExpiration: Duration.days(30),
        },
        {
          id: 'staged-results',
          prefix: folderPrefix('work'),
          expiration: Duration.days(30),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'receipts',
          prefix: folderPrefix('outbox'),
          expiration: Duration.days(730),
          noncurrentVersionExpiration: Duration.days(30),
        },
        {
          id: 'reports',
          prefix: folderPrefix('reports'),
          expiration: Duration.days(400),
          noncurrentVersionExpiration: Duration.days(30),
        },
        // An inbox version is deleted once archived; versions a vendor overwrote or removed go after 30 days.
        {
          id: 'inbox-leftovers',
          prefix: folderPrefix('inbox'),
          noncurrentVersionExpiration: Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
        // An erasure's note (keyed hashes, activity ids) is deleted when the erasure ends: its old versions go too.
        {
          id: 'erasure-notes',
          prefix: folderPrefix('privacy'),
          noncurrentVersionExpiration: Duration.days(30),
          expiredObjectDeleteMarker: true,
        },
        { id: 'incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.bucket.addToResourcePolicy(archiveIsKept(this.bucket, this.emptier()));
  }

  /** CDK's provider that empties the buckets of a test stage when its stack is deleted (none in production). */
  private emptier(): string | undefined {
    const provider = Stack.of(this).node.tryFindChild(AUTO_DELETE_PROVIDER_ID);
    return provider instanceof CustomResourceProviderBase ? provider.roleArn : undefined;
  }
}

/** The construct id aws-cdk-lib gives the provider behind `autoDeleteObjects` (one per stack). */
const AUTO_DELETE_PROVIDER_ID = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';

/**
 * No one deletes a received file before its seven years: an explicit deny, in the bucket policy, of deleting an
 * archived object or any version of it, for every principal (a role granted more by mistake, an administrator, the
 * account's root user): a deny wins over every allow. A plain delete is denied too: in the versioned bucket it
 * makes the version noncurrent, and the archive's lifecycle removes noncurrent versions after 30 days. Files leave
 * the archive only by the lifecycle rule (`archive-seven-years`), which no bucket policy stops. The one exception
 * is the test stage's emptier (CDK's auto-delete provider), which deletes every version when that stack is
 * deleted; production has none. Chosen over S3 Object Lock: its default retention covers the whole bucket (inbox,
 * work and outbox too, whose objects must go within days), governance mode yields to anyone granted
 * `s3:BypassGovernanceRetention`, and a test stack under it could not be deleted for seven years.
 */
export function archiveIsKept(bucket: IBucket, except?: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'ArchiveIsKept',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
    resources: [bucket.arnForObjects(everyObjectIn('archive'))],
    ...(except ? { conditions: { ArnNotEquals: { 'aws:PrincipalArn': except } } } : {}),
  });
}
