import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { CfnServer, CfnWorkflow } from 'aws-cdk-lib/aws-transfer';
import { Construct } from 'constructs';

/** The newest SSH security policy of Transfer Family (set explicitly: CloudFormation's default is from 2018). */
export const SECURITY_POLICY = 'TransferSecurityPolicy-2025-03';
/** The tag the upload workflow puts on a completed upload (the sweep imports only tagged objects). */
export const COMPLETED_TAG = { Key: 'lok-upload', Value: 'completed' } as const;
/** Transfer Family's per-user variable; it must reach the session policy as written, never substituted. */
export const USER = '${transfer:UserName}';

export interface SftpEndpointProps {
  readonly bucket: IBucket;
  readonly key: IKey;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The vendors' SFTP endpoint: an AWS Transfer Family server (SFTP only, service-managed users, public keys),
 * its users created by the vendor-admin function, each with a logical home: `/inbox` and `/outbox`, the
 * vendor's prefixes in the bucket. One role for every vendor's session, narrowed per vendor by the session
 * policy. A completed upload is tagged by a managed workflow; a dropped session's partial object is deleted.
 */
export class SftpEndpoint extends Construct {
  readonly server: CfnServer;
  readonly vendorRole: Role;
  /** The scope-down policy every vendor's user gets (JSON, `${transfer:UserName}` inside). */
  readonly sessionPolicy: string;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SftpEndpointProps) {
    super(scope, id);
    const { bucket, key } = props;
    const inbox = (user: string) => `${bucket.bucketArn}/inbox/${user}/*`;
    const outbox = (user: string) => `${bucket.bucketArn}/outbox/${user}/*`;
    const kms = new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] });

    this.vendorRole = new Role(this, 'VendorRole', {
      assumedBy: new ServicePrincipal('transfer.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Every vendor\'s SFTP session; narrowed to the vendor\'s own folders by the session policy',
      inlinePolicies: {
        folders: new PolicyDocument({
          statements: [
            new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['inbox/*', 'outbox/*'] } } }),
            new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject'], resources: [inbox('*')] }),
            new PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [outbox('*')] }),
            kms,
          ],
        }),
      },
    });

    const session = new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'ListOwnFolders', actions: ['s3:ListBucket'], resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`inbox/${USER}/*`, `inbox/${USER}`, `outbox/${USER}/*`, `outbox/${USER}`] } },
        }),
        new PolicyStatement({ sid: 'OwnInbox', actions: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject'], resources: [inbox(USER)] }),
        new PolicyStatement({ sid: 'OwnOutboxReadOnly', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [outbox(USER)] }),
        new PolicyStatement({ sid: 'FilesKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
      ],
    });
    this.sessionPolicy = Stack.of(this).toJsonString(session.toJSON());

    const workflowRole = new Role(this, 'WorkflowRole', {
      assumedBy: new ServicePrincipal('transfer.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Transfer Family managed workflows: tag completed uploads, delete partial ones',
      inlinePolicies: {
        inbox: new PolicyDocument({
          statements: [
            new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
            new PolicyStatement({
              actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging', 's3:PutObjectTagging', 's3:PutObjectVersionTagging', 's3:DeleteObject', 's3:DeleteObjectVersion'],
              resources: [inbox('*')],
            }),
            new PolicyStatement({ effect: Effect.ALLOW, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] }),
          ],
        }),
      },
    });
    const tagCompleted = new CfnWorkflow(this, 'UploadCompleted', {
      description: 'Tag completed uploads - the nightly sweep imports only tagged files',
      // Step details are passed to CloudFormation as written: PascalCase.
      steps: [{ type: 'TAG', tagStepDetails: { Name: 'tag-completed', SourceFileLocation: '${original.file}', Tags: [COMPLETED_TAG] } }],
    });
    const deletePartial = new CfnWorkflow(this, 'UploadPartial', {
      description: 'Delete partial uploads left by dropped sessions',
      steps: [{ type: 'DELETE', deleteStepDetails: { Name: 'delete-partial', SourceFileLocation: '${original.file}' } }],
    });

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const loggingRole = new Role(this, 'LoggingRole', {
      assumedBy: new ServicePrincipal('transfer.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      inlinePolicies: {
        logs: new PolicyDocument({
          statements: [new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:log-stream:*`] })],
        }),
      },
    });

    this.server = new CfnServer(this, 'Server', {
      protocols: ['SFTP'],
      identityProviderType: 'SERVICE_MANAGED',
      domain: 'S3',
      endpointType: 'PUBLIC',
      securityPolicyName: SECURITY_POLICY,
      loggingRole: loggingRole.roleArn,
      structuredLogDestinations: [this.logGroup.logGroupArn],
      workflowDetails: {
        onUpload: [{ workflowId: tagCompleted.attrWorkflowId, executionRole: workflowRole.roleArn }],
        onPartialUpload: [{ workflowId: deletePartial.attrWorkflowId, executionRole: workflowRole.roleArn }],
      },
    });
  }

  /** The server's ARN (CreateUser is authorised on it). */
  serverArn(): string {
    return this.server.attrArn;
  }

  /** The ARN of the server's users (the admin function manages them). */
  userArns(): string {
    const stack = Stack.of(this);
    return stack.formatArn({ service: 'transfer', resource: 'user', resourceName: `${this.server.attrServerId}/*` });
  }
}
