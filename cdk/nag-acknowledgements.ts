import { Token, Validations, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { importStateMachineNameOf } from './constructs/import-workflow.js';
import type { ImporterFunction } from './constructs/importer-function.js';
import {
  everyObjectIn,
  PERSON_ERASURE,
  STEP_ACCESS,
  type StepAccess,
  type StepHandlerFile,
} from './constructs/step-access.js';
import { BUCKET_FOLDERS, type BucketFolder } from '../shared/core/storage/bucket-layout.js';
import type { ImporterStack } from './importer-stack.js';
import { clubSiteAcknowledgements } from './constructs/club-site.js';

/** Why each function reaches `<bucket>/<prefix>/*`: keys below a prefix are per vendor, upload or run, unknown at deploy time. */
const PREFIX_REASONS: Record<BucketFolder, string> = {
  inbox:
    'Uploads are inbox/<vendor>/<file>, named by vendors at run time: the steps that order, copy or remove an upload (and status --cloud, which reads only the completed tag) reach the inbox prefix, nothing else of the bucket',
  archive:
    "Received files are archive/<vendor>/<upload>/<file>, named at run time: the register step copies into it, the apply step reads it, the nightly job looks for a stuck upload's copy; deleting any archived version is denied to everyone by the bucket policy",
  outbox:
    'Receipts and change reports are outbox/<vendor>/<file>.*, named at run time: only the steps that write them reach the outbox prefix',
  work: 'Staged step results are work/<vendor>/<upload>/… and work/nightly/…, named per upload at run time: only the steps that stage or read them reach the work prefix',
  reports:
    "The nightly job's manifests, parts and report are reports/reconciliation/<run>/…, named per run: only the nightly functions reach the reports prefix",
  privacy:
    "An erasure's note and report are privacy/erasures/<person id>.*, named per person at run time: only the functions that erase persons (the admin function, the nightly purge) reach the privacy prefix",
};

/** One acknowledged cdk-nag finding: the rule (with its finding), why it stays, and where (never stack-wide). */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
  /** The constructs it is acknowledged on (and their children): a finding elsewhere still fails. */
  readonly scopes: readonly IConstruct[];
}

function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/**
 * Every cdk-nag (AwsSolutions) finding the stack keeps, each with its reason and the constructs it belongs to;
 * docs/operations.md lists them too. A new finding, or a known one on another construct, fails `npm test`
 * (test/cdk-nag.test.ts) until it is fixed or acknowledged here.
 *
 * Nothing is acknowledged for CDK's own provider behind the test stage's `autoDeleteObjects` (its role with
 * AWSLambdaBasicExecutionRole, its handler): CDK writes them as plain CfnResources, which the AwsSolutions rules
 * (`instanceof CfnRole`, `CfnFunction`) do not inspect, so they raise no finding. Should a CDK release make them
 * L1 constructs, their findings belong here, on that provider only (`Custom::S3AutoDeleteObjectsCustomResourceProvider`).
 */
export function acknowledgements(stack: ImporterStack): Acknowledgement[] {
  const id = (construct: IConstruct) => logicalId(stack, construct);
  // cdk-nag writes an unresolved region or account (a stack without them, as in the tests) as the pseudo parameter.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const files = id(stack.files.bucket);
  const table = id(stack.register.table);
  const kmsGrant =
    "The register key's use through DynamoDB (kms:ViaService dynamodb only): DynamoDB's encryption with a customer managed key needs GenerateDataKey*/ReEncrypt* on it, as aws-cdk-lib's table grants give";
  // The pipeline's functions (steps, starter, nightly job) and the roles they run as.
  const pipeline = [...stack.imports.functions, ...stack.reconciliation.functions];
  const roleOf = (f: ImporterFunction) => f.role as unknown as IConstruct;
  const pipelineRoles = pipeline.map(roleOf);
  const adminRole = stack.admin.function.role as unknown as IConstruct;
  // The club site's API function (the register's grants, X-Ray) and CDK's BucketDeployment function (CloudFront invalidation: no resource-level permission).
  const siteApiRole = stack.clubSite.function.role as unknown as IConstruct;
  const uploadsRole = roleOf(stack.reconciliation.functions.find((f) => f.handlerFile === 'reconcile-upload.ts')!);
  // Per prefix of the bucket, the roles of the steps that reach it (STEP_ACCESS): `<bucket>/<prefix>/*`.
  const reaching = (prefix: BucketFolder) =>
    pipeline.filter((f) => (STEP_ACCESS[f.handlerFile as StepHandlerFile] as StepAccess).objects?.[prefix]).map(roleOf);
  const writesRegister = pipeline
    .filter((f) => (STEP_ACCESS[f.handlerFile as StepHandlerFile] as StepAccess).register === 'write')
    .map(roleOf);
  const readsRegister = pipeline
    .filter((f) => (STEP_ACCESS[f.handlerFile as StepHandlerFile] as StepAccess).register)
    .map(roleOf);
  // The functions the state machines invoke (the starter is invoked by EventBridge).
  const invoked = pipeline.filter((f) => f !== stack.imports.trigger.starter);
  const machines = [stack.imports.stateMachine, stack.reconciliation.stateMachine];
  const executions = (machine: IConstruct, label?: string) =>
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${id(machine)}"}]}]}${label ? `/${label}` : ''}:*]`;
  return [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (PutTraceSegments, PutTelemetryRecords) and Step Functions\' log delivery (logs:*LogDelivery*) have no resource-level permissions: AWS requires "*"',
      scopes: [
        ...pipelineRoles,
        adminRole,
        siteApiRole,
        stack.clubSite.deploymentHandler,
        stack.sftp.hostKeysRole,
        ...machines,
      ],
    },
    ...BUCKET_FOLDERS.map((prefix) => ({
      id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/${everyObjectIn(prefix)}]`,
      reason: PREFIX_REASONS[prefix],
      scopes: [
        ...reaching(prefix),
        ...(prefix === 'inbox' || (PERSON_ERASURE.objects as StepAccess['objects'])?.[prefix] ? [adminRole] : []),
      ],
    })).filter((a) => a.scopes.length > 0),
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${files}>/*]`,
      reason:
        'The Distributed Maps read their JSON Lines manifest from the bucket: its key is per execution (work/<vendor>/<upload>/, reports/reconciliation/<run>/)',
      scopes: machines,
    },
    {
      id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      reason: kmsGrant,
      scopes: [...writesRegister, adminRole, siteApiRole],
    },
    {
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: kmsGrant,
      scopes: [...writesRegister, adminRole, siteApiRole],
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*]`,
      reason: "The register grants include the table's own index (gsi1: ledger by vendor and club, open uploads)",
      scopes: [...readsRegister, adminRole, siteApiRole],
    },
    ...invoked.map((f) => ({
      id: `AwsSolutions-IAM5[Resource::<${id(f)}.Arn>:*]`,
      reason: "Step Functions may invoke the function's versions (qualified ARNs); the grant names this function only",
      scopes: machines,
    })),
    ...machines.map((m) => ({
      id: executions(m),
      reason:
        'The state machine manages its own executions (Distributed Map child executions are named at run time); the admin function (status --cloud) describes the import executions, named by upload id at run time',
      scopes: m === stack.imports.stateMachine ? [m, adminRole] : [m],
    })),
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:${importStateMachineNameOf(stack)}:*]`,
      reason:
        "The nightly per-upload step restarts a stuck upload only when its execution no longer runs: it describes the import executions (by the state machine's name), named by upload id at run time",
      scopes: [uploadsRole],
    },
    {
      id: executions(stack.imports.stateMachine, 'JudgeChunks'),
      reason: 'The Distributed Map JudgeChunks describes and stops its own child executions, named at run time',
      scopes: [stack.imports.stateMachine],
    },
    {
      id: executions(stack.imports.stateMachine, 'ApplyUnits'),
      reason: 'The Distributed Map ApplyUnits describes and stops its own child executions, named at run time',
      scopes: [stack.imports.stateMachine],
    },
    ...['ReconcileUploads', 'ReconcileClubs'].map((map) => ({
      id: executions(stack.reconciliation.stateMachine, map),
      reason: `The Distributed Map ${map} describes and stops its own child executions, named at run time`,
      scopes: [stack.reconciliation.stateMachine],
    })),
    {
      id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/inbox/*/*]`,
      reason:
        "One role for every vendor's SFTP session (and Transfer Family's upload workflows), over the inbox folders; each session is narrowed to the vendor's own folder by the session policy with ${transfer:UserName}",
      scopes: [stack.sftp],
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/outbox/*/*]`,
      reason:
        "One role for every vendor's SFTP session, read-only over the outbox folders; each session is narrowed to the vendor's own folder by the session policy with ${transfer:UserName}",
      scopes: [stack.sftp],
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${id(stack.sftp.logGroup)}.Arn>:log-stream:*]`,
      reason: "Transfer Family writes one log stream per session into the endpoint's own log group",
      scopes: [stack.sftp],
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:transfer:${region}:${account}:user/<${logicalId(stack, stack.sftp.server)}.ServerId>/*]`,
      reason:
        "Vendors' SFTP users are created at run time by the admin function (one per vendor); the grant is limited to this server's users",
      scopes: [adminRole],
    },
    {
      id: 'AwsSolutions-SQS3',
      reason:
        'These queues are dead-letter queues themselves (upload events that could not start an import; schedule deliveries that failed)',
      scopes: [stack.imports.trigger.deadLetters, stack.reconciliation.deadLetters],
    },
    ...clubSiteAcknowledgements(stack.clubSite, id, { region, account }),
    {
      id: 'AwsSolutions-SMG4',
      reason:
        'The identity key is the HMAC key of every stored identity lookup: rotating it would orphan them all. It is generated once, KMS-encrypted, readable only by the functions that hash identities: the apply steps, and the admin function and the nightly purge, which erase persons',
      scopes: [stack.register.identityKey],
    },
  ];
}

export function acknowledgeFindings(stack: ImporterStack): void {
  for (const { id, reason, scopes } of acknowledgements(stack)) {
    for (const scope of scopes) Validations.of(scope).acknowledge({ id, reason });
  }
}
