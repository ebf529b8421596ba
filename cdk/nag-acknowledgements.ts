import { Token, Validations, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ImporterStack } from './importer-stack.js';

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
  const bucketGrant = 'aws-cdk-lib bucket grants (grantRead/grantReadWrite/grantDelete) on the Importer\'s own bucket: object keys are per vendor and upload, so unknown at deploy time; the actions are the object and listing actions those grants define';
  const kmsGrant = 'aws-cdk-lib KMS grants on the stack\'s own keys (S3 and DynamoDB server-side encryption need GenerateDataKey*/ReEncrypt* on the key)';
  // The pipeline's functions (steps, starter, nightly job) and the roles they run as.
  const pipeline = [...stack.imports.functions, ...stack.reconciliation.functions];
  const pipelineRoles = pipeline.map((f) => f.role as unknown as IConstruct);
  const adminRole = stack.admin.function.role as unknown as IConstruct;
  const uploadsRole = stack.reconciliation.functions.find((f) => f.handlerFile === 'reconcile-upload.ts')!.role as unknown as IConstruct;
  // The functions the state machines invoke (the starter is invoked by EventBridge).
  const invoked = pipeline.filter((f) => f !== stack.imports.starter);
  const machines = [stack.imports.stateMachine, stack.reconciliation.stateMachine];
  const executions = (machine: IConstruct, label?: string) =>
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${id(machine)}"}]}]}${label ? `/${label}` : ''}:*]`;
  return [
    { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray (PutTraceSegments, PutTelemetryRecords) and Step Functions\' log delivery (logs:*LogDelivery*) have no resource-level permissions: AWS requires "*"', scopes: [...pipelineRoles, adminRole, stack.sftp.hostKeysRole, ...machines] },
    { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: bucketGrant, scopes: pipelineRoles },
    { id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: bucketGrant, scopes: pipelineRoles },
    { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: bucketGrant, scopes: pipelineRoles },
    { id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]', reason: `${bucketGrant}; a done or failed upload's version leaves the inbox, staged results are replaced`, scopes: pipelineRoles },
    { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: bucketGrant, scopes: pipelineRoles },
    { id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/*]`, reason: bucketGrant, scopes: pipelineRoles },
    { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${files}>/*]`, reason: 'The Distributed Maps read their JSON Lines manifest from the bucket: its key is per execution (work/<vendor>/<upload>/, reports/reconciliation/<run>/)', scopes: machines },
    { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: kmsGrant, scopes: [...pipelineRoles, adminRole] },
    { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: kmsGrant, scopes: [...pipelineRoles, adminRole] },
    { id: `AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*]`, reason: 'Table grants include the register table\'s own index (gsi1: ledger by vendor and club, open uploads)', scopes: [...pipelineRoles, adminRole] },
    ...invoked.map((f) => ({ id: `AwsSolutions-IAM5[Resource::<${id(f)}.Arn>:*]`, reason: 'Step Functions may invoke the function\'s versions (qualified ARNs); the grant names this function only', scopes: machines })),
    ...machines.map((m) => ({
      id: executions(m), reason: 'The state machine manages its own executions (Distributed Map child executions are named at run time); the admin function (status --cloud) and the nightly per-upload step (a stuck upload is restarted only when its execution no longer runs) describe the import executions, named by upload id at run time',
      scopes: m === stack.imports.stateMachine ? [m, adminRole, uploadsRole] : [m],
    })),
    { id: executions(stack.imports.stateMachine, 'JudgeChunks'), reason: 'The Distributed Map JudgeChunks describes and stops its own child executions, named at run time', scopes: [stack.imports.stateMachine] },
    { id: executions(stack.imports.stateMachine, 'ApplyUnits'), reason: 'The Distributed Map ApplyUnits describes and stops its own child executions, named at run time', scopes: [stack.imports.stateMachine] },
    ...['ReconcileUploads', 'ReconcileClubs'].map((map) => ({
      id: executions(stack.reconciliation.stateMachine, map), reason: `The Distributed Map ${map} describes and stops its own child executions, named at run time`, scopes: [stack.reconciliation.stateMachine],
    })),
    { id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/inbox/*]`, reason: 'status --cloud reads the completed tag (GetObjectTagging, never the object) of the uploads in every vendor\'s inbox; keys are per vendor and file, unknown at deploy time', scopes: [adminRole] },
    { id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/inbox/*/*]`, reason: 'One role for every vendor\'s SFTP session (and Transfer Family\'s upload workflows), over the inbox folders; each session is narrowed to the vendor\'s own folder by the session policy with ${transfer:UserName}', scopes: [stack.sftp] },
    { id: `AwsSolutions-IAM5[Resource::<${files}.Arn>/outbox/*/*]`, reason: 'One role for every vendor\'s SFTP session, read-only over the outbox folders; each session is narrowed to the vendor\'s own folder by the session policy with ${transfer:UserName}', scopes: [stack.sftp] },
    { id: `AwsSolutions-IAM5[Resource::<${id(stack.sftp.logGroup)}.Arn>:log-stream:*]`, reason: 'Transfer Family writes one log stream per session into the endpoint\'s own log group', scopes: [stack.sftp] },
    { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:transfer:${region}:${account}:user/<${logicalId(stack, stack.sftp.server)}.ServerId>/*]`, reason: 'Vendors\' SFTP users are created at run time by the admin function (one per vendor); the grant is limited to this server\'s users', scopes: [adminRole] },
    { id: 'AwsSolutions-SQS3', reason: 'These queues are dead-letter queues themselves (upload events that could not start an import; schedule deliveries that failed)', scopes: [stack.imports.starterDeadLetters, stack.reconciliation.deadLetters] },
    { id: 'AwsSolutions-SMG4', reason: 'The identity key is the HMAC key of every stored identity lookup: rotating it would orphan them all. It is generated once, KMS-encrypted, readable only by the pipeline functions', scopes: [stack.register.identityKey] },
  ];
}

export function acknowledgeFindings(stack: ImporterStack): void {
  for (const { id, reason, scopes } of acknowledgements(stack)) {
    for (const scope of scopes) Validations.of(scope).acknowledge({ id, reason });
  }
}
