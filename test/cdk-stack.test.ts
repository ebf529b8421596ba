import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importerApp } from '../cdk/app.js';
import { stagesFrom } from '../cdk/config.js';
import type { ImporterStack } from '../cdk/importer-stack.js';
import { ENV, LOCAL_ENV, POWERTOOLS_ENV } from '../functions/commons/environment.js';
import { registerTableDefinition } from '../shared/adapters/dynamodb/register-table.js';
import {
  APPLY_UNITS_IN_PARALLEL,
  IMPORT_STEPS,
  JUDGE_CHUNKS_IN_PARALLEL,
  LARGE_FILE_BYTES,
  RETRY_POLICY,
  WAIT_FOR_TURN_SECONDS,
} from '../shared/core/pipeline/import-steps.js';
import {
  AUTO_DELETE_PROVIDER,
  definitionOf,
  flatten,
  ownResources,
  synthStages,
  type Asl,
  type AslState,
} from './support/cdk-app.js';
import { ROOT } from './support/run-cli.js';

let stacks: Record<'test' | 'prod', ImporterStack>;
let test: Template;
let prod: Template;

beforeAll(() => {
  ({ stacks, test, prod } = synthStages());
});

// Not Sandbox.Timedout: a step that timed out on a file would time out on it again.
const TRANSIENT = [
  'TransientError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

describe('file store', () => {
  it('is one bucket of received files: KMS, versioned, never public, TLS only, access-logged', () => {
    test.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            BucketKeyEnabled: true,
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'files/' },
    });
    // Every bucket (the access logs' too) refuses plain HTTP.
    const policies = Object.values(test.findResources('AWS::S3::BucketPolicy')) as {
      Properties: { PolicyDocument: { Statement: { Effect: string; Condition?: unknown }[] } };
    }[];
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    expect(Object.keys(test.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } })).length).toBe(
      Object.keys(test.findResources('AWS::KMS::Key')).length,
    );
  });

  it("empties the test stage's buckets, every object version, when its stack is deleted; production keeps its own", () => {
    const buckets = (t: Template) => Object.keys(t.findResources('AWS::S3::Bucket'));
    const emptied = (t: Template) =>
      Object.values(t.findResources('Custom::S3AutoDeleteObjects')).map((r) =>
        flatten((r.Properties as { BucketName: unknown }).BucketName),
      );
    expect(buckets(test)).toHaveLength(3);
    expect(emptied(test).sort()).toEqual(
      buckets(test)
        .map((id) => `<${id}>`)
        .sort(),
    );
    for (const bucket of Object.values(test.findResources('AWS::S3::Bucket')))
      expect(bucket.DeletionPolicy).toBe('Delete');
    // CDK's handler lists every version and delete marker and deletes them; the bucket policy lets its role do so.
    test.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^FileStoreFiles') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: Match.arrayWith(['s3:List*', 's3:DeleteObject*']),
            Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp(AUTO_DELETE_PROVIDER.source), 'Arn'] } },
          }),
        ]),
      },
    });
    expect(emptied(prod)).toEqual([]);
    expect(
      Object.keys(prod.findResources('AWS::Lambda::Function')).filter((id) => AUTO_DELETE_PROVIDER.test(id)),
    ).toEqual([]);
    for (const bucket of Object.values(prod.findResources('AWS::S3::Bucket')))
      expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('keeps the archive of received files seven years, then removes it', () => {
    test.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'archive-seven-years',
            Prefix: 'archive/',
            Status: 'Enabled',
            ExpirationInDays: 7 * 365 + 2,
          }),
          Match.objectLike({ Id: 'incomplete-multipart', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
  });
});

describe('register tables', () => {
  it('is the table the pipeline uses: same keys and index as DynamoDB Local gets, on demand, KMS, point-in-time recovery', () => {
    const local = registerTableDefinition('register');
    test.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: local.KeySchema,
      AttributeDefinitions: Match.arrayEquals(local.AttributeDefinitions!),
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: local.GlobalSecondaryIndexes![0]!.KeySchema,
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
          SSESpecification: { KMSMasterKeyId: Match.anyValue() },
          DeletionProtectionEnabled: false,
        }),
      ],
    });
  });

  it('protects production: deletion protection, and table, bucket and keys retained when the stack goes', () => {
    prod.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
    for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(prod.findResources(type))) expect(resource.DeletionPolicy).toBe('Retain');
      for (const resource of Object.values(test.findResources(type))) expect(resource.DeletionPolicy).toBe('Delete');
    }
    // The identity key goes with the table and its KMS key: kept in production (losing it orphans every identity).
    prod.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KmsKeyId: Match.anyValue(),
        GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
      }),
    });
    test.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });
});

describe('SFTP endpoint', () => {
  it('is an SFTP-only Transfer Family server with service-managed users and the newest security policy, set explicitly', () => {
    test.hasResourceProperties('AWS::Transfer::Server', {
      Protocols: ['SFTP'],
      IdentityProviderType: 'SERVICE_MANAGED',
      Domain: 'S3',
      SecurityPolicyName: 'TransferSecurityPolicy-2025-03',
      LoggingRole: Match.anyValue(),
      StructuredLogDestinations: [Match.anyValue()],
    });
  });

  it('tags completed uploads and deletes partial ones (only completed uploads are imported)', () => {
    const server = Object.values(test.findResources('AWS::Transfer::Server'))[0] as {
      Properties: {
        WorkflowDetails: {
          OnUpload: { WorkflowId: { 'Fn::GetAtt': string[] } }[];
          OnPartialUpload: { WorkflowId: { 'Fn::GetAtt': string[] } }[];
        };
      };
    };
    const workflows = test.findResources('AWS::Transfer::Workflow');
    const onUpload = workflows[server.Properties.WorkflowDetails.OnUpload[0]!.WorkflowId['Fn::GetAtt'][0]!]!;
    const onPartial = workflows[server.Properties.WorkflowDetails.OnPartialUpload[0]!.WorkflowId['Fn::GetAtt'][0]!]!;
    expect(onUpload.Properties.Steps).toEqual([
      {
        Type: 'TAG',
        TagStepDetails: {
          Name: 'tag-completed',
          SourceFileLocation: '${original.file}',
          Tags: [{ Key: 'lok-upload', Value: 'completed' }],
        },
      },
    ]);
    expect(onPartial.Properties.Steps).toEqual([
      { Type: 'DELETE', DeleteStepDetails: { Name: 'delete-partial', SourceFileLocation: '${original.file}' } },
    ]);
  });

  it('gives each vendor a scope-down policy with ${transfer:UserName} kept literally (never a CloudFormation substitution)', () => {
    const admin = Object.values(
      test.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { VENDOR_SESSION_POLICY: Match.anyValue() } } },
      }),
    );
    expect(admin).toHaveLength(1);
    const policy = JSON.parse(
      flatten(
        (admin[0]!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables
          .VENDOR_SESSION_POLICY,
      ),
    ) as { Statement: { Sid: string; Action: string | string[]; Resource: string; Condition?: unknown }[] };
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(bySid.OwnInbox!.Resource).toMatch(/\/inbox\/\$\{transfer:UserName\}\/\*$/);
    expect(bySid.OwnOutboxReadOnly!.Resource).toMatch(/\/outbox\/\$\{transfer:UserName\}\/\*$/);
    expect(bySid.OwnOutboxReadOnly!.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(bySid.ListOwnFolders!.Condition).toEqual({
      StringLike: {
        's3:prefix': [
          'inbox/${transfer:UserName}/*',
          'inbox/${transfer:UserName}',
          'outbox/${transfer:UserName}/*',
          'outbox/${transfer:UserName}',
        ],
      },
    });
    // No Fn::Sub holds it: a substitution would take ${transfer:UserName} for a parameter.
    const subs: string[] = [];
    JSON.stringify(test.toJSON(), (key, value: unknown) => {
      if (key === 'Fn::Sub') subs.push(JSON.stringify(value));
      return value;
    });
    expect(subs.filter((s) => s.includes('transfer:'))).toEqual([]);
    expect(
      flatten(
        (admin[0]!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables
          .VENDOR_SESSION_POLICY,
      ).length,
    ).toBeLessThan(2048);
  });

  it("lets the admin function list the inbox and the archive, read only the inbox's tags, and describe import executions (status --cloud), and read no vendor's file", () => {
    const admin = Object.entries(
      test.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { VENDOR_SESSION_POLICY: Match.anyValue() } } },
      }),
    )[0]!;
    expect(
      flatten(
        (admin[1].Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables
          .IMPORT_STATE_MACHINE_ARN,
      ),
    ).toMatch(/ImportStateMachine/);
    const statements = Object.values(test.findResources('AWS::IAM::Policy'))
      .filter((p) =>
        /"Ref":"VendorAdminFunctionRole[0-9A-F]+"/.test(JSON.stringify((p.Properties as { Roles: unknown }).Roles)),
      )
      .flatMap(
        (p) =>
          (
            p.Properties as {
              PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] };
            }
          ).PolicyDocument.Statement,
      );
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining([
        's3:ListBucket',
        's3:ListBucketVersions',
        's3:GetObjectTagging',
        's3:GetObjectVersionTagging',
        'states:DescribeExecution',
      ]),
    );
    // Never a vendor's file: GetObject only of what a person's erasure keeps (privacy/) and stages (work/), no
    // bucket-wide grant. Listing keys anywhere is the erasure's (a missing note is then a 404, not a 403); versions
    // only in the inbox and the archive.
    const reads = statements.filter((s) => [s.Action].flat().some((a) => /^s3:GetObject($|\*|Version$)/.test(a)));
    expect(reads.flatMap((s) => [s.Resource].flat().map((r) => flatten(r).replace(/^.*\.Arn>/, ''))).sort()).toEqual([
      '/privacy/*',
      '/work/*',
    ]);
    const list = statements.find((s) => [s.Action].flat().includes('s3:ListBucketVersions'))!;
    expect(list.Action).toBe('s3:ListBucketVersions');
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['inbox/*', 'archive/*'] } });
    const tags = statements.find((s) => [s.Action].flat().includes('s3:GetObjectTagging'))!;
    expect(flatten(tags.Resource)).toMatch(/\/inbox\/\*$/);
    const describe = statements.find((s) => [s.Action].flat().includes('states:DescribeExecution'))!;
    expect(flatten(describe.Resource)).toMatch(/:execution:.*:\*$/);
  });

  it("lets the admin function manage only this server's users and pass only the vendors' role", () => {
    test.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          // CreateUser is authorised on the server (and the user), the rest on the server's users only.
          Match.objectLike({
            Action: ['transfer:CreateUser', 'transfer:TagResource'],
            Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SftpServer'), 'Arn'] }, Match.anyValue()],
          }),
          Match.objectLike({
            Action: [
              'transfer:DescribeUser',
              'transfer:UpdateUser',
              'transfer:ImportSshPublicKey',
              'transfer:DeleteSshPublicKey',
            ],
            Resource: Match.anyValue(),
          }),
          Match.objectLike({
            Action: 'iam:PassRole',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SftpVendorRole'), 'Arn'] },
            Condition: { StringEquals: { 'iam:PassedToService': 'transfer.amazonaws.com' } },
          }),
        ]),
      },
    });
  });
});

describe('import workflow', () => {
  /** The import execution's own Lambda task states (the Distributed Maps' items are child executions'). */
  const LAMBDA_TASKS = [
    'Register',
    'Apply',
    'ApplyRead',
    'ApplyJoin',
    'Judge',
    'JudgeSplit',
    'JudgeJoin',
    'Totals',
    'Receipt',
    'MarkFailed',
  ];
  let asl: Asl;
  beforeAll(() => {
    asl = definitionOf(test, /one execution per upload/);
  });

  it("has the pipeline's steps as its states, in the order of the one definition", () => {
    const names: Record<string, string> = {
      register: 'Register',
      apply: 'LargeFileApply',
      judge: 'LargeFile',
      totals: 'Totals',
      receipt: 'Receipt',
    };
    expect(asl.StartAt).toBe(names[IMPORT_STEPS[0].name]);
    const order = IMPORT_STEPS.map((s) => names[s.name]!);
    expect(asl.States.Register!.Next).toBe(order[1]);
    expect(asl.States.Apply!.Next).toBe(order[2]);
    expect(asl.States.ApplyJoin!.Next).toBe(order[2]);
    expect(asl.States.Judge!.Next).toBe(order[3]);
    expect(asl.States.JudgeJoin!.Next).toBe(order[3]);
    expect(asl.States.Totals!.Next).toBe(order[4]);
    expect(asl.States.Receipt!.Next).toBe('Imported');
    expect(asl.States.Imported!.Type).toBe('Succeed');
  });

  // A size that is missing or not a number cannot fail a Choice (which has no catch): that upload takes the single step.
  it.each([
    {
      what: 'applies a large file in units of clubs, after reading it whole',
      choice: 'LargeFileApply',
      single: 'Apply',
      first: 'ApplyRead',
      map: 'ApplyUnits',
      item: 'ApplyUnit',
      join: 'ApplyJoin',
      inParallel: APPLY_UNITS_IN_PARALLEL,
    },
    {
      what: 'judges a large file in JSON Lines chunks',
      choice: 'LargeFile',
      single: 'Judge',
      first: 'JudgeSplit',
      map: 'JudgeChunks',
      item: 'JudgeChunk',
      join: 'JudgeJoin',
      inParallel: JUDGE_CHUNKS_IN_PARALLEL,
    },
  ])('$what, with a Distributed Map', ({ choice, single, first, map: mapName, item, join, inParallel }) => {
    expect(asl.States[choice]).toMatchObject({
      Type: 'Choice',
      Default: single,
      Choices: [
        {
          And: [
            { Variable: '$.upload.bytes', IsPresent: true },
            { Variable: '$.upload.bytes', IsNumeric: true },
            { Variable: '$.upload.bytes', NumericGreaterThan: LARGE_FILE_BYTES },
          ],
          Next: first,
        },
      ],
    });
    expect(asl.States[first]!.Next).toBe(mapName);
    const map = asl.States[mapName]!;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor!.ProcessorConfig!.Mode).toBe('DISTRIBUTED');
    expect(map.ItemReader).toMatchObject({
      Resource: 'arn:<AWS::Partition>:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
    });
    expect(map.ItemProcessor!.States[item]!.Type).toBe('Task');
    expect(map.MaxConcurrency).toBe(inParallel);
    expect(map.Next).toBe(join);
  });

  it("retries transient errors only, with the shared policy's backoff and full jitter", () => {
    for (const name of LAMBDA_TASKS) {
      const retries = asl.States[name]!.Retry!;
      const transient = retries.find((r) => r.ErrorEquals.includes('TransientError'))!;
      expect(transient, name).toEqual({
        ErrorEquals: TRANSIENT,
        MaxAttempts: RETRY_POLICY.maxAttempts - 1,
        IntervalSeconds: RETRY_POLICY.intervalSeconds,
        BackoffRate: RETRY_POLICY.backoffRate,
        MaxDelaySeconds: RETRY_POLICY.maxDelaySeconds,
        JitterStrategy: 'FULL',
      });
      for (const retry of retries) expect(retry.ErrorEquals, name).not.toContain('States.ALL');
    }
    // A blocked apply is not retried: it waits for its turn (WaitForTurn), woken by the upload before it.
    for (const name of ['Apply', 'ApplyRead'])
      expect(asl.States[name]!.Retry!.flatMap((r) => r.ErrorEquals)).not.toContain('UploadBlocked');
  });

  it('a blocked Apply waits in WaitForTurn for the token its predecessor sends, and looks again after an hour without word', () => {
    for (const name of ['Apply', 'ApplyRead'])
      expect(asl.States[name]!.Catch![0]).toEqual({
        ErrorEquals: ['UploadBlocked'],
        ResultPath: null,
        Next: 'WaitForTurn',
      });
    const wait = asl.States.WaitForTurn!;
    expect(flatten(wait.Resource)).toMatch(/:states:::lambda:invoke\.waitForTaskToken$/);
    expect(wait.TimeoutSeconds).toBe(WAIT_FOR_TURN_SECONDS);
    expect((wait.Parameters as { Payload: Record<string, unknown> }).Payload).toMatchObject({
      'token.$': '$$.Task.Token',
      'upload.$': '$.upload',
    });
    expect(wait.Next).toBe('LargeFileApply');
    expect(wait.Catch![0]).toEqual({ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'LargeFileApply' });
    expect(wait.Catch!.at(-1)).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' });
    expect(asl.States.LeftForReconciliation).toBeUndefined();
  });

  it('sends every step that fails for good to MarkFailed (ledger failed, IMPORT_FAILED receipt), then fails the execution', () => {
    // Every Lambda task but MarkFailed itself, and the two Distributed Maps.
    for (const name of [...LAMBDA_TASKS.filter((name) => name !== 'MarkFailed'), 'ApplyUnits', 'JudgeChunks']) {
      expect(asl.States[name]!.Catch!.at(-1), name).toEqual({
        ErrorEquals: ['States.ALL'],
        ResultPath: '$.error',
        Next: 'MarkFailed',
      });
    }
    expect(asl.States.MarkFailed!.Next).toBe('ImportFailed');
    expect(asl.States.ImportFailed!.Type).toBe('Fail');
  });

  it('logs states without execution data, traces, and passes ids between steps, never file contents', () => {
    test.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [Match.anyValue()] },
      TracingConfiguration: { Enabled: true },
    });
    const register = asl.States.Register as unknown as { Parameters: unknown };
    expect(register.Parameters).toEqual({ 'upload.$': '$.upload', 'execution.$': '$$.Execution.Name' });
    // Every step gets the execution's name for its log lines; a chunk (a child execution) the import's own, by its item.
    for (const name of LAMBDA_TASKS) {
      expect(
        (asl.States[name] as unknown as { Parameters: Record<string, unknown> }).Parameters['execution.$'],
        name,
      ).toBe('$$.Execution.Name');
    }
    const chunks = asl.States.JudgeChunks as unknown as {
      ItemSelector: Record<string, unknown>;
      ItemProcessor: { States: { JudgeChunk: { Parameters: Record<string, unknown> } } };
    };
    expect(chunks.ItemSelector['execution.$']).toBe('$$.Execution.Name');
    expect(chunks.ItemProcessor.States.JudgeChunk.Parameters['execution.$']).toBe('$.execution');
    const units = asl.States.ApplyUnits as unknown as {
      ItemSelector: Record<string, unknown>;
      ItemProcessor: { States: { ApplyUnit: { Parameters: Record<string, unknown> } } };
    };
    expect(units.ItemSelector['execution.$']).toBe('$$.Execution.Name');
    expect(units.ItemProcessor.States.ApplyUnit.Parameters['execution.$']).toBe('$.execution');
  });

  it("is started by Transfer Family's upload-completed event of this server, through the starter, with a dead-letter queue", () => {
    test.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.transfer'],
        'detail-type': ['SFTP Server File Upload Completed'],
        detail: { 'server-id': [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SftpServer'), 'ServerId'] }] },
      },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    // SQS-managed encryption: EventBridge and Scheduler cannot use the AWS-managed SQS KMS key for dead letters.
    for (const queue of Object.values(test.findResources('AWS::SQS::Queue')))
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    // Apply may start an earlier upload whose event is late: the state machine by its name (no reference cycle).
    test.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'LokImporter-test-import' });
    test.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          IMPORT_STATE_MACHINE_ARN: {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':stateMachine:LokImporter-test-import$')])],
          },
        }),
      },
    });
  });
});

describe('functions', () => {
  it('are Node.js 22 or newer on ARM64, traced, with their own log group and no AWS managed policy', () => {
    const functions = Object.values(ownResources(test, 'AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(16);
    for (const fn of functions) {
      const props = fn.Properties as {
        Runtime: string;
        Architectures: string[];
        TracingConfig: unknown;
        LoggingConfig: unknown;
        Environment: { Variables: Record<string, string> };
      };
      expect(Number(/^nodejs(\d+)\.x$/.exec(props.Runtime)![1])).toBeGreaterThanOrEqual(22);
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: expect.any(String) } });
      expect(props.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('lok-importer');
    }
    expect(JSON.stringify(ownResources(test, 'AWS::IAM::Role'))).not.toContain('AWSLambdaBasicExecutionRole');
    const retention = (t: Template) =>
      new Set(
        Object.values(t.findResources('AWS::Logs::LogGroup')).map(
          (g) => (g.Properties as { RetentionInDays: number }).RetentionInDays,
        ),
      );
    expect([...retention(test)]).toEqual([30]);
    expect([...retention(prod)]).toEqual([365]);
  });

  it("are given only the variables functions/commons/environment.ts names (and Node's), never a local stand-in's", () => {
    const known = new Set<string>([...Object.values(ENV), ...Object.values(POWERTOOLS_ENV), 'NODE_OPTIONS']);
    const given = Object.values(ownResources(test, 'AWS::Lambda::Function')).flatMap((fn) =>
      Object.keys(
        (fn.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {},
      ),
    );
    expect(given.length).toBeGreaterThan(0);
    expect(given.filter((name) => !known.has(name))).toEqual([]);
    for (const local of Object.values(LOCAL_ENV)) expect(given).not.toContain(local);
  });
});

describe('nightly reconciliation', () => {
  it('runs on a schedule in Europe/Stockholm', () => {
    test.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Stockholm',
      Target: Match.objectLike({
        Arn: { Ref: Match.stringLikeRegexp('^ReconciliationStateMachine') },
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 3 }),
        DeadLetterConfig: Match.anyValue(),
      }),
    });
    prod.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 2 * * ? *)' });
  });

  it('sweeps, fans out per unfinished upload and per club in batches, purges what is past its retention, and writes a report', () => {
    const asl = definitionOf(test, /nightly reconciliation/);
    expect(asl.StartAt).toBe('SweepInboxes');
    expect(asl.States.SweepInboxes!.Next).toBe('PlanUploads');
    expect(asl.States.PlanUploads!.Next).toBe('AnyUploads');
    // Most nights no upload is unfinished: an empty manifest goes straight on to the clubs.
    expect(asl.States.AnyUploads).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.PlanUploads.uploads', NumericGreaterThan: 0, Next: 'ReconcileUploads' }],
      Default: 'PlanClubs',
    });
    expect(asl.States.PlanClubs!.Next).toBe('AnyClubs');
    expect(asl.States.AnyClubs).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.PlanClubs.clubs', NumericGreaterThan: 0, Next: 'ReconcileClubs' }],
      Default: 'Purge',
    });
    // The batches carry the run's id, read from the context object (`.$`), as the handlers' reports are named by it.
    expect(asl.States.ReconcileClubs).toMatchObject({
      Type: 'Map',
      ItemReader: { ReaderConfig: { InputType: 'JSONL' } },
      ItemBatcher: { MaxItemsPerBatch: 100, BatchInput: { 'runId.$': '$$.Execution.Name' } },
      Next: 'Purge',
    });
    expect(asl.States.Purge!.Next).toBe('Report');
    for (const name of ['SweepInboxes', 'PlanUploads', 'PlanClubs', 'Purge', 'Report']) {
      expect((asl.States[name] as unknown as { Parameters: unknown }).Parameters, name).toEqual({
        'runId.$': '$$.Execution.Name',
      });
    }
    for (const name of [
      'SweepInboxes',
      'PlanUploads',
      'ReconcileUploads',
      'PlanClubs',
      'ReconcileClubs',
      'Purge',
      'Report',
    ]) {
      if (asl.States[name]!.Type !== 'Map') expect(asl.States[name]!.Retry![0]!.ErrorEquals, name).toEqual(TRANSIENT);
      expect(asl.States[name]!.Catch![0]!.Next, name).toBe('ReconciliationFailed');
    }
  });

  it('reconciles each unfinished upload on its own: a failing one is caught inside its item and recorded, the others go on', () => {
    const asl = definitionOf(test, /nightly reconciliation/);
    const map = asl.States.ReconcileUploads! as AslState & {
      ItemSelector?: unknown;
      ResultPath?: unknown;
      ToleratedFailurePercentage?: number;
    };
    expect(map).toMatchObject({
      Type: 'Map',
      ItemReader: { Resource: 'arn:<AWS::Partition>:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' } },
      MaxConcurrency: 10,
      ResultPath: null,
      Next: 'PlanClubs',
      // One upload per item (no batcher), with the night's run id: its result is kept for the report.
      ItemSelector: { 'runId.$': '$$.Execution.Name', 'upload.$': '$$.Map.Item.Value' },
    });
    expect(map.ItemBatcher).toBeUndefined();
    expect(map.ItemProcessor!.ProcessorConfig!.Mode).toBe('DISTRIBUTED');
    const { StartAt, States } = map.ItemProcessor!;
    expect(StartAt).toBe('ReconcileUpload');
    const item = States.ReconcileUpload!;
    expect(item.Retry![0]!.ErrorEquals).toEqual(TRANSIENT);
    // Anything that is left after the retries (a permanent error, a time-out) becomes the item's recorded result.
    expect(item.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordUploadError' }]);
    expect(item.End).toBe(true);
    const record = States.RecordUploadError! as AslState & { Parameters?: unknown };
    // The run, the upload and the caught `{ Error, Cause }` (the handler keeps the error's name only).
    expect(record.Parameters).toEqual({ 'runId.$': '$.runId', 'upload.$': '$.upload', 'error.$': '$.error' });
    expect(record.Retry![0]!.ErrorEquals).toEqual(TRANSIENT);
    expect(record.End).toBe(true);
    const handlers = stacks.test.reconciliation.functions.map((f) => f.handlerFile).sort();
    expect(handlers).toEqual([
      'reconcile-clubs.ts',
      'reconcile-plan-clubs.ts',
      'reconcile-plan-uploads.ts',
      'reconcile-purge.ts',
      'reconcile-report.ts',
      'reconcile-upload-failed.ts',
      'reconcile-upload.ts',
      'sweep-inbox.ts',
    ]);
  });
});

describe('observability', () => {
  it('has a dashboard with files per vendor, throughput, latency, verdicts by reason, errors, throttles and workflow failures', () => {
    const dashboard = Object.values(test.findResources('AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.parse(flatten((dashboard.Properties as { DashboardBody: unknown }).DashboardBody)) as {
      widgets: { properties: { title?: string; metrics?: unknown[] } }[];
    };
    const titles = body.widgets.map((w) => w.properties.title).filter(Boolean);
    expect(titles).toEqual([
      'Files received per vendor',
      'Files applied per vendor',
      'Files rejected or failed per vendor',
      'Records per second (apply)',
      'Upload to receipt (seconds)',
      'Activities approved vs rejected',
      'Rejected activities by reason',
      'Workflow failures',
      'Lambda errors',
      'Lambda throttles',
      'DynamoDB throttles',
      'Open uploads per vendor',
      'Oldest open upload per vendor (seconds)',
      'Nightly reconciliation: drift, verdicts corrected and stuck files',
    ]);
    const text = JSON.stringify(body);
    // Latency percentiles over every upload (the metric without the vendor dimension), never summed over vendors.
    expect(text).toContain(
      '["LokImporter","UploadToReceiptSeconds","service","lok-importer",{"label":"p95","stat":"p95"}]',
    );
    for (const metric of [
      'FilesReceived',
      'FilesApplied',
      'FilesRejected',
      'RecordsPerSecond',
      'UploadToReceiptSeconds',
      'ActivitiesRejectedByReason',
      'ReadThrottleEvents',
      'WriteThrottleEvents',
      'ExecutionsFailed',
      'OpenUploads',
      'OldestOpenUploadAgeSeconds',
    ]) {
      expect(text).toContain(metric);
    }
  });

  it('alarms on failed executions, stuck files, drift, corrected verdicts, a failed or missing reconciliation and lost upload events, to an encrypted topic; stricter in production', () => {
    test.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const alarms = (t: Template) =>
      Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
        (a) =>
          a.Properties as {
            AlarmDescription: string;
            Threshold: number;
            AlarmActions: unknown[];
            OKActions: unknown[];
            ComparisonOperator: string;
            TreatMissingData: string;
            MetricName?: string;
            Period?: number;
          },
      );
    // These 11, and the functions' and the register's (test/alarms.test.ts): 3 and one per memory-watched function.
    expect(alarms(test)).toHaveLength(11 + 3 + 6);
    expect(alarms(test).find((a) => /could not reconcile some clubs/.test(a.AlarmDescription))).toMatchObject({
      Threshold: 1,
      MetricName: 'ReconciliationClubErrors',
    });
    // Each to the topic, when it fires and when it clears.
    for (const alarm of alarms(test))
      expect([alarm.AlarmActions, alarm.OKActions]).toEqual([
        [{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }],
        [{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }],
      ]);
    const threshold = (t: Template, about: RegExp) => alarms(t).find((a) => about.test(a.AlarmDescription))!.Threshold;
    expect(threshold(test, /^Import executions failed/)).toBe(5);
    expect(threshold(prod, /^Import executions failed/)).toBe(1);
    expect(threshold(test, /^Files were stuck/)).toBe(5);
    const stuck = alarms(test).find((a) => /^Files were stuck/.test(a.AlarmDescription)) as unknown as {
      Metrics: { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
    };
    expect(stuck.Metrics.map((m) => m.Expression ?? m.MetricStat!.Metric.MetricName).sort()).toEqual([
      'PartialUploadsInInbox',
      'StuckUploadsRestarted',
      'SweptUploadsStarted',
      'restarted + swept + partial',
    ]);
    expect(threshold(prod, /^Files were stuck/)).toBe(1);
    expect(threshold(prod, /^Totals differed/)).toBe(1);
    expect(
      alarms(test).find((a) => /^The nightly recheck of recent uploads corrected verdicts/.test(a.AlarmDescription)),
    ).toMatchObject({ Threshold: 1, MetricName: 'VerdictsCorrected', Period: 86_400 });
    // The heartbeat: fewer than one successful night a day, and no data at all, is an alarm.
    expect(alarms(test).find((a) => /^No nightly reconciliation succeeded/.test(a.AlarmDescription))).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      MetricName: 'ExecutionsSucceeded',
      Period: 86_400,
    });
    // The oldest open upload, over every vendor (the metric without the vendor dimension): 2 hours open is stuck.
    for (const t of [test, prod]) {
      expect(
        alarms(t).find((a) => /^An upload has been open \(not done\) for 2 hours/.test(a.AlarmDescription)),
      ).toMatchObject({
        Threshold: 7200,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        MetricName: 'OldestOpenUploadAgeSeconds',
        Namespace: 'LokImporter',
        Statistic: 'Maximum',
        Period: 3600,
        Dimensions: [{ Name: 'service', Value: 'lok-importer' }],
      });
    }
    prod.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'lok-drift@example.org' });
    expect(Object.keys(test.findResources('AWS::SNS::Subscription'))).toHaveLength(0);
  });
});

describe('stages', () => {
  const pin = { account: '123456789012', region: 'eu-north-1' };
  /** Production's settings besides its kind: an account and where its alarms go. */
  const live = { ...pin, alarmEmail: 'lok-drift@rf.se' };

  /** The one stack of an app with these stages (bundling skipped). */
  function stackOf(stages: unknown, name: string): Stack {
    const app = importerApp(new App({ context: { stages, 'aws:cdk:bundling-stacks': [] } }));
    return app.node.findChild(`LokImporter-${name}`) as Stack;
  }

  it('are read from configuration, each declaring its kind, which decides the defaults', () => {
    const [t, p] = stagesFrom({
      test: { kind: 'test', ...pin },
      prod: { kind: 'production', ...pin, account: '210987654321', alarmEmail: 'ops@rf.se' },
    });
    expect(t).toMatchObject({
      name: 'test',
      kind: 'test',
      production: false,
      logRetentionDays: 30,
      failedImportsAlarmThreshold: 5,
      reconciliationHour: 3,
    });
    expect(p).toMatchObject({
      name: 'prod',
      kind: 'production',
      production: true,
      logRetentionDays: 365,
      failedImportsAlarmThreshold: 1,
      reconciliationHour: 2,
      alarmEmail: 'ops@rf.se',
    });
    expect(stagesFrom({ test: { kind: 'test', ...pin, logRetentionDays: 90 } })[0]).toMatchObject({
      logRetentionDays: 90,
    });
    expect(() => stagesFrom({ 'Prod!': { kind: 'test', ...pin } })).toThrow(/stage name/);
    expect(() => stagesFrom({ test: { kind: 'test', ...pin, reconciliationHour: 24 } })).toThrow(/reconciliationHour/);
    expect(() => stagesFrom({ test: { kind: 'test', ...pin, alarmEmial: 'ops@example.org' } })).toThrow(
      'stage test: unknown setting alarmEmial',
    );
    expect(() => stagesFrom({ test: { kind: 'test', ...pin, production: true } })).toThrow(
      'stage test: unknown setting production',
    );
    expect(() => stagesFrom(undefined)).toThrow(/no stages: cdk.json → context.stages/);
  });

  it('refuses a stage without a kind, or with another one: no stage is production or test by its name', () => {
    expect(() => stagesFrom({ staging: pin })).toThrow(
      'stage staging: kind must be "production" or "test" (cdk.json → context.stages.staging.kind), got undefined',
    );
    expect(() => stagesFrom({ prod: pin })).toThrow('stage prod: kind must be "production" or "test"');
    expect(() => stagesFrom({ staging: { kind: 'prod', ...pin } })).toThrow(/stage staging: kind .* got "prod"/);
    expect(() => importerApp(new App({ context: { stages: { staging: pin } } }))).toThrow(/stage staging: kind/);
  });

  it("gives a stage of kind production, whatever its name, production's settings and stack", () => {
    const [staging] = stagesFrom({ staging: { kind: 'production', ...live } });
    expect(staging).toMatchObject({
      name: 'staging',
      kind: 'production',
      production: true,
      logRetentionDays: 365,
      failedImportsAlarmThreshold: 1,
      reconciliationHour: 2,
    });
    const template = Template.fromStack(stackOf({ staging: { kind: 'production', ...live } }, 'staging'));
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket')))
      expect(bucket.DeletionPolicy).toBe('Retain');
    expect(template.findResources('Custom::S3AutoDeleteObjects')).toEqual({});
    expect(
      new Set(
        Object.values(template.findResources('AWS::Logs::LogGroup')).map(
          (g) => (g.Properties as { RetentionInDays: number }).RetentionInDays,
        ),
      ),
    ).toEqual(new Set([365]));
  });

  it("pins each stack to its stage's 12-digit account and region, so the CDK refuses another account's credentials", () => {
    expect(stacks.test.environment).toBe('aws://111111111111/eu-north-1');
    expect(stacks.prod.environment).toBe('aws://222222222222/eu-north-1');
    const refused = (given: Record<string, unknown>) => () => stagesFrom({ prod: { kind: 'production', ...given } });
    expect(refused({ region: 'eu-north-1' })).toThrow(
      'stage prod: account must be the 12-digit id of the AWS account to deploy to, as a string (cdk.json → context.stages.prod.account), got undefined',
    );
    expect(refused({ account: '12345', region: 'eu-north-1' })).toThrow(/stage prod: account .* got "12345"/);
    expect(refused({ account: 123456789012, region: 'eu-north-1' })).toThrow(
      /stage prod: account .* as a string .* got 123456789012/,
    );
    expect(refused({ account: '123456789012' })).toThrow(
      'stage prod: region must be an AWS region such as "eu-north-1" (cdk.json → context.stages.prod.region), got undefined',
    );
    expect(refused({ account: '123456789012', region: 'Stockholm' })).toThrow(/region .* got "Stockholm"/);
    // Production in an account of its own: the test stage's id copied into it is refused.
    expect(() => stagesFrom({ test: { kind: 'test', ...pin }, prod: { kind: 'production', ...live } })).toThrow(
      'stage prod (production) shares its account 123456789012 with stage test (cdk.json → context.stages.prod.account): production needs an account of its own',
    );
  });

  it("warns on synth while a stage's account is still a placeholder (one digit twelve times)", () => {
    Annotations.fromStack(stacks.prod).hasWarning(
      '*',
      Match.stringLikeRegexp('stage prod: account 222222222222 is a placeholder'),
    );
    Annotations.fromStack(stackOf({ prod: { kind: 'production', ...live } }, 'prod')).hasNoWarning(
      '*',
      Match.stringLikeRegexp('placeholder'),
    );
  });

  it('in cdk.json: test is of kind test, prod of kind production, each pinned; the CLI builds before it synthesizes', () => {
    const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
      build?: string;
      app: string;
      context: { stages: unknown };
    };
    expect(stagesFrom(cdkJson.context.stages).map((s) => [s.name, s.kind, s.region])).toEqual([
      ['test', 'test', 'eu-north-1'],
      ['prod', 'production', 'eu-north-1'],
    ]);
    // `npx cdk deploy` runs the build first, so it never deploys a stale dist/cdk.
    expect(cdkJson.build).toBe('npm run build --silent');
    expect(cdkJson.app).toBe('node dist/cdk/app.js');
  });
});
