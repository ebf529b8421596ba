import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { SFTP_ENDPOINT_OUTPUT, type StageConfig } from './config.js';
import { FileStore } from './constructs/file-store.js';
import { importStateMachineNameOf, ImportWorkflow } from './constructs/import-workflow.js';
import type { AccessTargets } from './constructs/step-access.js';
import { acknowledgeFindings } from './nag-acknowledgements.js';
import { Observability } from './constructs/observability.js';
import { Reconciliation } from './constructs/reconciliation.js';
import { RegisterTables } from './constructs/register-tables.js';
import { SftpEndpoint } from './constructs/sftp-endpoint.js';
import { VendorAdmin } from './constructs/vendor-admin.js';
import { ClubSite } from './constructs/club-site.js';

export interface ImporterStackProps extends StackProps {
  /**
   * The stage (cdk.json's `stages`, cdk/config.ts): its kind, account, region, alarms and SFTP settings.
   *
   * @default - none (required)
   */
  readonly stage: StageConfig;
  /**
   * Acknowledge the cdk-nag findings of nag-acknowledgements.ts; off only in the test that proves every
   * acknowledgement still matches a finding.
   *
   * @default true
   */
  readonly acknowledgeNagFindings?: boolean;
}

/** Days as CloudWatch Logs accepts them (the nearest allowed retention not below the stage's). */
function retentionOf(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return (allowed.find((d) => d >= days) ?? RetentionDays.TEN_YEARS) as RetentionDays;
}

/** One stage of the Importer: the stack only wires the constructs, each owning one concern. */
export class ImporterStack extends Stack {
  readonly files: FileStore;
  readonly register: RegisterTables;
  readonly sftp: SftpEndpoint;
  readonly imports: ImportWorkflow;
  readonly reconciliation: Reconciliation;
  readonly admin: VendorAdmin;
  readonly observability: Observability;
  readonly clubSite: ClubSite;

  constructor(scope: Construct, id: string, props: ImporterStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const removalPolicy = stage.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = retentionOf(stage.logRetentionDays);

    // A test stack deletes whole: its buckets are emptied first. Production keeps them (RETAIN).
    this.files = new FileStore(this, 'FileStore', { removalPolicy, autoDeleteObjects: !stage.production });
    this.register = new RegisterTables(this, 'Register', { production: stage.production, removalPolicy });
    this.sftp = new SftpEndpoint(this, 'Sftp', {
      bucket: this.files.bucket,
      key: this.files.key,
      logRetention,
      removalPolicy,
      settings: stage.sftp,
    });
    // What every function's grants are made on; each reaches only what its step needs (step-access.ts).
    const access: AccessTargets = {
      bucket: this.files.bucket,
      filesKey: this.files.key,
      table: this.register.table,
      registerKey: this.register.key,
      identityKey: this.register.identityKey,
      importStateMachineName: importStateMachineNameOf(this),
    };
    this.imports = new ImportWorkflow(this, 'Import', {
      access,
      sftpServerId: this.sftp.server.attrServerId,
      logRetention,
      removalPolicy,
    });
    this.reconciliation = new Reconciliation(this, 'Reconciliation', {
      access,
      importStateMachine: this.imports.stateMachine,
      hour: stage.reconciliationHour,
      logRetention,
      removalPolicy,
    });
    this.admin = new VendorAdmin(this, 'VendorAdmin', {
      access,
      serverId: this.sftp.server.attrServerId,
      userArns: this.sftp.userArns(),
      serverArn: this.sftp.serverArn(),
      vendorRole: this.sftp.vendorRole,
      sessionPolicy: this.sftp.sessionPolicy,
      importStateMachine: this.imports.stateMachine,
      logRetention,
      removalPolicy,
    });
    this.observability = new Observability(this, 'Observability', {
      stage: stage.name,
      production: stage.production,
      failedImportsAlarmThreshold: stage.failedImportsAlarmThreshold,
      ...(stage.alarmEmail ? { alarmEmail: stage.alarmEmail } : {}),
      ...(stage.alarmTopicArn ? { alarmTopicArn: stage.alarmTopicArn } : {}),
      importStateMachine: this.imports.stateMachine,
      reconciliationStateMachine: this.reconciliation.stateMachine,
      functions: [...this.imports.functions, ...this.reconciliation.functions, this.admin.function],
      table: this.register.table,
      starterDeadLetters: this.imports.trigger.deadLetters,
      removalPolicy,
    });
    // The club's web page: static site, HTTP API and user pool (issue 16; cdk/constructs/club-site.ts).
    this.clubSite = new ClubSite(this, 'ClubSite', {
      access,
      accessLogs: this.files.accessLogs,
      production: stage.production,
      logRetention,
      removalPolicy,
    });
    if (props.acknowledgeNagFindings !== false) acknowledgeFindings(this);

    // What operations need after a deploy (docs/operations.md): names, not secrets.
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output(
      SFTP_ENDPOINT_OUTPUT,
      `${this.sftp.server.attrServerId}.server.transfer.${this.region}.amazonaws.com`,
      'Host name vendors connect to (sftp -i KEY VENDOR@HOST)',
    );
    output('SftpServerId', this.sftp.server.attrServerId, 'Transfer Family server id');
    output(
      'AdminFunctionName',
      this.admin.function.functionName,
      'LOK_ADMIN_FUNCTION for `lok-importer vendor|club … --cloud`',
    );
    output('BucketName', this.files.bucket.bucketName, 'Uploads, archive, receipts, reports');
    output('RegisterTableName', this.register.table.tableName, 'The register (DynamoDB)');
    output(
      'ImportStateMachineArn',
      this.imports.stateMachine.stateMachineArn,
      'One execution per upload, named by its upload id',
    );
    output(
      'ReconciliationStateMachineArn',
      this.reconciliation.stateMachine.stateMachineArn,
      'The nightly reconciliation',
    );
    output('DashboardName', this.observability.dashboard.dashboardName, 'CloudWatch dashboard');
    output('AlarmTopicArn', this.observability.topic.topicArn, 'SNS topic of every alarm');
    output('ClubSiteUrl', `https://${this.clubSite.distribution.distributionDomainName}/`, "The club's web page");
    output(
      'ClubUserPoolId',
      this.clubSite.userPool.userPoolId,
      'Club officials (custom:clubs) and RF support (group rf-support) sign in here',
    );
  }
}
