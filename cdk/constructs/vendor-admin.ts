import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../../functions/commons/environment.js';
import { ImporterFunction } from './importer-function.js';
import { bindToRegister, everyObjectIn, PERSON_ERASURE, type AccessTargets } from './step-access.js';

export interface VendorAdminProps {
  /**
   * The register (read and write, its key only through DynamoDB), the bucket (listings, inbox tags, what an erasure
   * writes), the identity key.
   *
   * @default - none (required)
   */
  readonly access: AccessTargets;
  /**
   * The SFTP server whose users (the vendors' logins) the function creates and updates (keys imported, removed).
   *
   * @default - none (required)
   */
  readonly serverId: string;
  /**
   * The ARN pattern of the server's users (`SftpEndpoint.userArns()`): where the login actions are authorised.
   *
   * @default - none (required)
   */
  readonly userArns: string;
  /**
   * The server's ARN (`CreateUser` is authorised on it).
   *
   * @default - none (required)
   */
  readonly serverArn: string;
  /**
   * The role every vendor's session assumes (passed to Transfer Family when a user is created).
   *
   * @default - none (required)
   */
  readonly vendorRole: IRole;
  /**
   * The session policy (JSON) that keeps each vendor's session in its own folders.
   *
   * @default - none (required)
   */
  readonly sessionPolicy: string;
  /**
   * The import workflow, whose executions `status --cloud` describes.
   *
   * @default - none (required)
   */
  readonly importStateMachine: IStateMachine;
  /**
   * Retention of the function's log group.
   *
   * @default - none (required)
   */
  readonly logRetention: RetentionDays;
  /**
   * What becomes of the function's log group when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * RF operations' admin use-cases as a function (the CLI invokes it with `--cloud`): vendors onboarded with
 * their SFTP user, keys imported, rotated and removed, clubs added and activated. Templates are never edited
 * by hand for a vendor. `lok-importer status --cloud` asks it why a vendor's file is stuck: it reads the register,
 * lists the inbox and the archive (keys, versions and the completed tag; never an object's contents) and
 * describes the import executions. `lok-importer person erase --cloud` erases a person (PERSON_ERASURE: the register
 * scanned for their links, the identity key, the activities that named them judged again, the erasure's note and
 * report under privacy/), which is why it may run up to Lambda's 15 minutes: one scan of the register, then a
 * re-judge of every activity that named the person. The other requests take seconds.
 */
export class VendorAdmin extends Construct {
  readonly function: ImporterFunction;

  constructor(scope: Construct, id: string, props: VendorAdminProps) {
    super(scope, id);
    const { bucket } = props.access;
    this.function = bindToRegister(
      new ImporterFunction(this, 'Function', {
        handlerFile: 'vendor-admin.ts',
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        timeout: Duration.minutes(15),
        memorySize: 1024,
        environment: {
          [ENV.sftpServerId]: props.serverId,
          [ENV.vendorRoleArn]: props.vendorRole.roleArn,
          [ENV.vendorSessionPolicy]: props.sessionPolicy,
          [ENV.importStateMachineArn]: props.importStateMachine.stateMachineArn,
        },
      }),
      PERSON_ERASURE,
      props.access,
    );
    // CreateUser is authorised on the server; the others on the user.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['transfer:CreateUser', 'transfer:TagResource'],
        resources: [props.serverArn, props.userArns],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'transfer:DescribeUser',
          'transfer:UpdateUser',
          'transfer:ImportSshPublicKey',
          'transfer:DeleteSshPublicKey',
        ],
        resources: [props.userArns],
      }),
    );
    // status --cloud: what waits in the inboxes and what is archived (listings: s3:ListBucket is the erasure's, on
    // every key), the inbox's completed tag, and the import executions by name. No GetObject there: the admin
    // function never reads a vendor's file.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucketVersions'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [everyObjectIn('inbox'), everyObjectIn('archive')] } },
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObjectTagging', 's3:GetObjectVersionTagging'],
        resources: [bucket.arnForObjects(everyObjectIn('inbox'))],
      }),
    );
    props.importStateMachine.grantExecution(this.function, 'states:DescribeExecution');
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [props.vendorRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'transfer.amazonaws.com' } },
      }),
    );
  }
}
