import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ENV } from '../../functions/commons/environment.js';
import { BUCKET_FOLDERS, folderPrefix, type BucketFolder } from '../../shared/core/storage/bucket-layout.js';

/** A folder's objects as IAM resources and S3 prefix conditions match them: `inbox/*`. */
export function everyObjectIn(folder: BucketFolder): string {
  return `${folderPrefix(folder)}*`;
}

/** What a step may do to an object under a prefix. */
export type ObjectAction =
  | 's3:GetObject'
  | 's3:GetObjectVersion'
  | 's3:PutObject'
  | 's3:PutObjectTagging'
  | 's3:DeleteObject'
  | 's3:DeleteObjectVersion'
  | 's3:GetObjectTagging'
  | 's3:GetObjectVersionTagging';

/** The import workflow's calls a step makes on it. */
export type WorkflowAction = 'states:StartExecution' | 'states:SendTaskSuccess' | 'states:DescribeExecution';

/**
 * What one function reaches, and nothing more: the objects under each prefix, the register, the identity key,
 * the import workflow. Each function's role is built from its entry in STEP_ACCESS by `grantStepAccess`;
 * test/least-privilege.test.ts compares every role of the synthesized template with its own table of the same.
 */
export interface StepAccess {
  readonly objects?: Partial<Record<BucketFolder, readonly ObjectAction[]>>;
  /**
   * `s3:ListBucket` on the whole bucket: `everywhere` for a step that reads objects that may not be there (a
   * staged result not written yet, a receipt): without it S3 answers a missing key with 403, not 404. Prefixes for
   * a step that only lists under them.
   */
  readonly list?: 'everywhere' | readonly BucketFolder[];
  /** `s3:ListBucketVersions` under these prefixes (the inbox's versions: an upload is one version of a key). */
  readonly listVersions?: readonly BucketFolder[];
  /** The register table and its index: read, or read and write. */
  readonly register?: 'read' | 'write';
  /**
   * `dynamodb:Scan` on the register table (not its index): only the privacy use-cases walk it (a person's links
   * have no index from the person; the nightly purge reads every person and the ledger): shared/adapters/dynamodb/privacy-store-dynamodb.ts.
   */
  readonly scan?: true;
  /** The identity key (HMAC secret): only where identities are hashed, which is matching persons in apply. */
  readonly identities?: true;
  readonly workflow?: readonly WorkflowAction[];
}

const GET: ObjectAction[] = ['s3:GetObject'];
const STAGED: ObjectAction[] = ['s3:GetObject', 's3:PutObject'];
const STAGED_AND_REMOVED: ObjectAction[] = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];
/** An upload's inbox version read for its completed tag (the ordering check, the sweep). */
const INBOX_TAGS: ObjectAction[] = ['s3:GetObjectTagging', 's3:GetObjectVersionTagging'];
/** A done or failed upload's inbox version leaves the inbox, by its version id. */
const INBOX_DONE: ObjectAction[] = ['s3:DeleteObjectVersion'];
/**
 * Verdict change reports (shared/core/pipeline/verdict-changes.ts): a re-judge that changes another upload's
 * verdict after its receipt writes the report to that vendor's outbox (written only: a report of changes since
 * undone is written again, empty); it keeps the pending changes under `work/`.
 */
const CHANGE_REPORTS: ObjectAction[] = ['s3:PutObject'];

/**
 * A person's erasure (shared/core/privacy/erase-person.ts), on request or by the nightly purge: the register read,
 * written and scanned (the person's links), the identity key (a personnummer's key, the erasure's keyed name), the
 * activities that named them judged again (pending changes under `work/nightly/`, change reports to vendors'
 * outboxes), its note and report under `privacy/erasures/` (the note deleted when done). Never the archive.
 */
export const PERSON_ERASURE = {
  objects: { work: STAGED, outbox: CHANGE_REPORTS, privacy: STAGED_AND_REMOVED },
  list: 'everywhere',
  register: 'write',
  scan: true,
  identities: true,
} as const satisfies StepAccess;

/**
 * Every function of the Importer by its handler file, with what its step reaches (docs/operations.md, "Least
 * privilege"). The bucket's layout: `inbox/<vendor>/` (uploads), `archive/<vendor>/<upload>/` (received files, 7
 * years), `outbox/<vendor>/` (receipts, change reports), `work/<vendor>/<upload>/` and `work/nightly/` (staged
 * results), `reports/reconciliation/` (the nightly job).
 */
export const STEP_ACCESS = {
  // Import workflow.
  'start-upload.ts': {
    objects: { inbox: GET },
    list: 'everywhere',
    listVersions: ['inbox'],
    workflow: ['states:StartExecution'],
  },
  'register-step.ts': {
    // CopyObject of the upload's inbox version into the archive (its tags replaced by none: PutObjectTagging).
    objects: {
      inbox: ['s3:GetObject', 's3:GetObjectVersion'],
      archive: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
    },
    list: 'everywhere',
    register: 'write',
  },
  'apply-step.ts': {
    objects: { inbox: INBOX_TAGS, archive: GET, work: STAGED_AND_REMOVED },
    list: 'everywhere',
    listVersions: ['inbox'],
    register: 'write',
    identities: true,
    workflow: ['states:StartExecution', 'states:SendTaskSuccess'],
  },
  'apply-read-step.ts': {
    objects: { inbox: INBOX_TAGS, archive: GET, work: STAGED_AND_REMOVED },
    list: 'everywhere',
    listVersions: ['inbox'],
    register: 'write',
    workflow: ['states:StartExecution', 'states:SendTaskSuccess'],
  },
  'apply-unit-step.ts': { objects: { work: STAGED }, list: 'everywhere', register: 'write', identities: true },
  'apply-join-step.ts': { objects: { work: STAGED }, list: 'everywhere', register: 'write' },
  'wait-turn-step.ts': {
    objects: { inbox: INBOX_TAGS },
    listVersions: ['inbox'],
    register: 'write',
    workflow: ['states:StartExecution', 'states:SendTaskSuccess'],
  },
  'judge-step.ts': {
    objects: { work: STAGED_AND_REMOVED, outbox: CHANGE_REPORTS },
    list: 'everywhere',
    register: 'write',
  },
  'judge-split-step.ts': { objects: { work: STAGED }, list: 'everywhere', register: 'read' },
  'judge-chunk-step.ts': {
    objects: { work: STAGED_AND_REMOVED, outbox: CHANGE_REPORTS },
    list: 'everywhere',
    register: 'write',
  },
  'judge-join-step.ts': { objects: { work: STAGED }, list: 'everywhere', register: 'write' },
  'totals-step.ts': { objects: { work: GET }, list: 'everywhere', register: 'write' },
  'receipt-step.ts': {
    objects: { work: GET, outbox: STAGED, inbox: INBOX_DONE },
    list: 'everywhere',
    register: 'write',
    workflow: ['states:SendTaskSuccess'],
  },
  'fail-step.ts': {
    objects: { outbox: STAGED, inbox: INBOX_DONE },
    list: 'everywhere',
    register: 'write',
    workflow: ['states:SendTaskSuccess'],
  },
  // Nightly reconciliation.
  'sweep-inbox.ts': {
    objects: { inbox: INBOX_TAGS },
    listVersions: ['inbox'],
    register: 'read',
    workflow: ['states:StartExecution'],
  },
  'reconcile-plan-uploads.ts': { objects: { reports: ['s3:PutObject'] }, register: 'read' },
  'reconcile-upload.ts': {
    // A stale upload re-judged (its staged seeds, change reports); a stuck one restarted from its inbox version or
    // its archived copy (head only), or failed with a receipt when that copy is gone.
    objects: { archive: GET, work: STAGED, outbox: STAGED, reports: ['s3:PutObject'] },
    list: 'everywhere',
    listVersions: ['inbox'],
    register: 'write',
    workflow: ['states:StartExecution', 'states:DescribeExecution'],
  },
  'reconcile-upload-failed.ts': { objects: { reports: ['s3:PutObject'] } },
  'reconcile-plan-clubs.ts': { objects: { reports: ['s3:PutObject'] }, register: 'read' },
  'reconcile-clubs.ts': {
    objects: { work: STAGED, outbox: CHANGE_REPORTS, reports: ['s3:PutObject'] },
    list: 'everywhere',
    register: 'write',
  },
  'reconcile-report.ts': { objects: { reports: STAGED }, list: ['reports'] },
  // The retention purge (shared/core/privacy/retention.ts): old club periods removed, persons left with nothing erased
  // (PERSON_ERASURE), its part of the night's report. The archive is left to the bucket's lifecycle rule.
  'reconcile-purge.ts': { ...PERSON_ERASURE, objects: { ...PERSON_ERASURE.objects, reports: ['s3:PutObject'] } },
} as const satisfies Record<string, StepAccess>;

export type StepHandlerFile = keyof typeof STEP_ACCESS;

/** The register's data actions (no streams; Scan only where `scan` says), read, and read and write (transactions' condition checks too). */
export const REGISTER_READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
export const REGISTER_WRITE = [
  ...REGISTER_READ,
  'dynamodb:ConditionCheckItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
/** The register key's use through DynamoDB (aws-cdk-lib's table grants' key actions, here only via DynamoDB). */
const REGISTER_KEY_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const REGISTER_KEY_WRITE = [...REGISTER_KEY_READ, 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** What a step's grants are made on. */
export interface AccessTargets {
  readonly bucket: IBucket;
  readonly filesKey: IKey;
  readonly table: ITableV2;
  readonly registerKey: IKey;
  readonly identityKey: ISecret;
  /** The import workflow's name (its own steps cannot refer to its state machine: that would be a cycle). */
  readonly importStateMachineName: string;
}

/** A key used only through one service (`kms:ViaService`): the role cannot use it for anything else. */
function viaService(service: 's3' | 'dynamodb', key: IKey, actions: readonly string[]): PolicyStatement {
  const region = Stack.of(key).region;
  return new PolicyStatement({
    actions: [...actions],
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
  });
}

function listUnder(action: string, bucket: IBucket, prefixes: readonly BucketFolder[]): PolicyStatement {
  return new PolicyStatement({
    actions: [action],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': prefixes.map(everyObjectIn) } },
  });
}

/** The role's statements for the objects under each prefix, its listings, and the files key as they need it. */
function objectStatements(access: StepAccess, { bucket, filesKey }: AccessTargets): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const actions = new Set<ObjectAction>();
  for (const prefix of BUCKET_FOLDERS) {
    const granted = access.objects?.[prefix];
    if (!granted?.length) continue;
    granted.forEach((a) => actions.add(a));
    statements.push(
      new PolicyStatement({ actions: [...granted], resources: [bucket.arnForObjects(everyObjectIn(prefix))] }),
    );
  }
  if (access.list === 'everywhere')
    statements.push(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  else if (access.list?.length) statements.push(listUnder('s3:ListBucket', bucket, access.list));
  if (access.listVersions?.length) statements.push(listUnder('s3:ListBucketVersions', bucket, access.listVersions));
  // SSE-KMS: reading an object decrypts with the files key; writing one (a copy too) generates a data key.
  const reads = actions.has('s3:GetObject') || actions.has('s3:GetObjectVersion');
  const writes = actions.has('s3:PutObject');
  if (reads || writes)
    statements.push(viaService('s3', filesKey, writes ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt']));
  return statements;
}

/** The register table's data actions, and its key only through DynamoDB (the same key encrypts the identity key). */
function registerStatements(level: 'read' | 'write', { table, registerKey }: AccessTargets): PolicyStatement[] {
  const resources = [table.tableArn, `${table.tableArn}/index/*`];
  return [
    new PolicyStatement({ actions: level === 'read' ? REGISTER_READ : REGISTER_WRITE, resources }),
    viaService('dynamodb', registerKey, level === 'read' ? REGISTER_KEY_READ : REGISTER_KEY_WRITE),
  ];
}

/** The register table, read or read and write, its key only through DynamoDB (the admin function's too). */
export function grantRegister(fn: IGrantable, level: 'read' | 'write', targets: AccessTargets): void {
  for (const statement of registerStatements(level, targets)) fn.grantPrincipal.addToPrincipalPolicy(statement);
}

/** StartExecution and SendTaskSuccess are authorised on the state machine, DescribeExecution on its executions. */
function workflowStatements(actions: readonly WorkflowAction[], name: string, scope: IKey): PolicyStatement[] {
  const stack = Stack.of(scope);
  const machine = stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const executions = stack.formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${name}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const onMachine = actions.filter((a) => a !== 'states:DescribeExecution');
  return [
    ...(onMachine.length ? [new PolicyStatement({ actions: onMachine, resources: [machine] })] : []),
    ...(actions.includes('states:DescribeExecution')
      ? [new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] })]
      : []),
  ];
}

/**
 * Grants a function exactly what its step's entry says; its role has nothing else but its own log group and X-Ray
 * (`ImporterFunction`). The identity key goes with its variable: a function without it never reads the secret
 * (functions/commons/cloud-ports.ts).
 */
export function grantStepAccess(
  fn: IGrantable & { addEnvironment(key: string, value: string): unknown },
  access: StepAccess,
  targets: AccessTargets,
): void {
  const statements = [
    ...objectStatements(access, targets),
    ...(access.register ? registerStatements(access.register, targets) : []),
    ...(access.scan ? [new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [targets.table.tableArn] })] : []),
    ...(access.workflow?.length
      ? workflowStatements(access.workflow, targets.importStateMachineName, targets.filesKey)
      : []),
  ];
  for (const statement of statements) fn.grantPrincipal.addToPrincipalPolicy(statement);
  if (access.identities) {
    targets.identityKey.grantRead(fn);
    fn.addEnvironment(ENV.identityKeySecretArn, targets.identityKey.secretArn);
  }
}

/**
 * Binds a function to the register: the table's and the bucket's names in its environment, and exactly what
 * `reach` grants on them (`grantStepAccess`). Every function of the pipeline, the nightly job and the admin is bound
 * this way.
 */
export function bindToRegister<F extends IGrantable & { addEnvironment(key: string, value: string): unknown }>(
  fn: F,
  reach: StepAccess,
  targets: AccessTargets,
): F {
  fn.addEnvironment(ENV.registerTable, targets.table.tableName);
  fn.addEnvironment(ENV.bucket, targets.bucket.bucketName);
  grantStepAccess(fn, reach, targets);
  return fn;
}

/**
 * A state machine's own reads of the bucket: its Distributed Maps' JSON Lines manifests, under one prefix (the
 * import's under `work/`, the nightly job's under `reports/`). aws-cdk-lib's item reader grants `s3:GetObject` on the
 * whole bucket (the manifest's key is known only at run time): a deny narrows it to that prefix, and the files key
 * is usable only through S3.
 */
export function manifestsOnly(
  stateMachine: IGrantable,
  prefix: BucketFolder,
  { bucket, filesKey }: AccessTargets,
): void {
  stateMachine.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'ManifestsOnly',
      effect: Effect.DENY,
      actions: ['s3:GetObject'],
      notResources: [bucket.arnForObjects(everyObjectIn(prefix))],
    }),
  );
  stateMachine.grantPrincipal.addToPrincipalPolicy(viaService('s3', filesKey, ['kms:Decrypt']));
}
