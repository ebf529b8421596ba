import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../../functions/commons/environment.js';
import { ImporterFunction } from './importer-function.js';
import { grantStepAccess, STEP_ACCESS, type AccessTargets } from './step-access.js';

export interface UploadTriggerProps {
  /**
   * The bucket the uploads arrive in (the starter reads the inbox version an event names, nothing else of it).
   *
   * @default - none (required)
   */
  readonly access: AccessTargets;
  /**
   * The import workflow: one execution per completed upload.
   *
   * @default - none (required)
   */
  readonly stateMachine: IStateMachine;
  /**
   * The SFTP server whose completed uploads start imports (the rule matches this server's events only).
   *
   * @default - none (required)
   */
  readonly sftpServerId: string;
  /**
   * Retention of the starter's log group.
   *
   * @default - none (required)
   */
  readonly logRetention: RetentionDays;
  /**
   * What becomes of the starter's log group when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A completed upload starts its import: Transfer Family's event → an EventBridge rule (this server's uploads only)
 * → the starter (functions/start-upload.ts), which starts the import workflow's execution for the inbox version the
 * event names. Events the starter could not take, after EventBridge's retries (8, up to 24 hours) or the function's
 * own (2), go to an encrypted dead-letter queue (an alarm watches it: observability.ts); the night's sweep starts
 * what was missed.
 */
export class UploadTrigger extends Construct {
  /** The function that starts an upload's execution. */
  readonly starter: ImporterFunction;
  /** Upload events that could not start an import (kept 14 days). */
  readonly deadLetters: Queue;
  /** The rule on Transfer Family's "SFTP Server File Upload Completed". */
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: UploadTriggerProps) {
    super(scope, id);
    const { access, logRetention, removalPolicy } = props;
    // SQS-managed encryption: EventBridge cannot use the AWS-managed SQS KMS key to deliver dead letters.
    this.deadLetters = new Queue(this, 'StarterDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.starter = new ImporterFunction(this, 'StartUpload', {
      handlerFile: 'start-upload.ts',
      logRetention,
      removalPolicy,
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: {
        [ENV.importStateMachineArn]: props.stateMachine.stateMachineArn,
        [ENV.bucket]: access.bucket.bucketName,
      },
      retryAttempts: 2,
      onFailure: new SqsDestination(this.deadLetters),
    });
    // The starter looks at the inbox version the event names and starts its execution: no archive, no register.
    grantStepAccess(this.starter, STEP_ACCESS['start-upload.ts'], access);
    this.rule = new Rule(this, 'UploadCompleted', {
      description: "A vendor's SFTP upload completed: start its import",
      eventPattern: {
        source: ['aws.transfer'],
        detailType: ['SFTP Server File Upload Completed'],
        detail: { 'server-id': [props.sftpServerId] },
      },
      targets: [
        new LambdaFunction(this.starter, {
          deadLetterQueue: this.deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    // EventBridge may invoke the starter for this rule (its ARN) of this account only.
    for (const permission of this.rule.node.children.filter((c): c is CfnPermission => c instanceof CfnPermission))
      permission.sourceAccount = Stack.of(this).account;
  }
}
