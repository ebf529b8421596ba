import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImporterFunction } from '../cdk/constructs/importer-function.js';
import { ImporterStack } from '../cdk/importer-stack.js';
import { stagesFrom } from '../cdk/config.js';
import {
  AUTO_DELETE_PROVIDER,
  BUCKET_DEPLOYMENT_PROVIDER,
  fileBucketLifecycleRules,
  flatten,
  STAGES,
  synthApp,
} from './support/cdk-app.js';
import { ROOT } from './support/run-cli.js';

/**
 * Least privilege, on the synthesized template: every function's role, every action on every resource its
 * policies allow (with their conditions), against the table below of what its step needs. A role that grows
 * beyond its step (a new action, a wider resource, a lost condition) fails here, as does a function the table does
 * not know. The table is the specification, written out; cdk/constructs/step-access.ts is the implementation.
 */

/** What every function has: its own log group and X-Ray (no resource-level permissions there). */
const BASE = [
  'logs:CreateLogStream ownLogs',
  'logs:PutLogEvents ownLogs',
  'xray:PutTelemetryRecords *',
  'xray:PutTraceSegments *',
];

const objects = (prefix: string, ...actions: string[]) => actions.map((a) => `s3:${a} bucket/${prefix}/*`);
/** Any key's listing: a missing object is then a 404, not a 403 (a staged result not written yet, a receipt). */
const LIST = ['s3:ListBucket bucket'];
const INBOX_VERSIONS = ['s3:ListBucketVersions bucket [s3:prefix=inbox/*]'];
const INBOX_TAGS = objects('inbox', 'GetObjectTagging', 'GetObjectVersionTagging');
/** The files key, only through S3: to read objects, and to write them. */
const FILES_READ = ['kms:Decrypt filesKey [kms:ViaService=s3]'];
const FILES_WRITE = [...FILES_READ, 'kms:GenerateDataKey filesKey [kms:ViaService=s3]'];

const onRegister = (...actions: string[]) =>
  actions.flatMap((a) => [`dynamodb:${a} register`, `dynamodb:${a} register/index/*`]);
const READ = ['BatchGetItem', 'GetItem', 'Query'];
/** The register, its key only through DynamoDB: never Scan, never its streams. */
const REGISTER_READ = [
  ...onRegister(...READ),
  'kms:Decrypt registerKey [kms:ViaService=dynamodb]',
  'kms:DescribeKey registerKey [kms:ViaService=dynamodb]',
];
const REGISTER_WRITE = [
  ...onRegister(...READ, 'ConditionCheckItem', 'BatchWriteItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
  ...['Decrypt', 'DescribeKey', 'Encrypt', 'ReEncrypt*', 'GenerateDataKey*'].map(
    (a) => `kms:${a} registerKey [kms:ViaService=dynamodb]`,
  ),
];
/** The identity key's secret (its KMS grant, through Secrets Manager only, is in the register key's policy: below). */
const IDENTITIES = ['secretsmanager:DescribeSecret identityKey', 'secretsmanager:GetSecretValue identityKey'];
/**
 * A person's erasure (step-access.ts PERSON_ERASURE), on request or by the nightly purge: the register scanned (a
 * person's links have no index; the purge walks every person), the identity key (a personnummer's key, the erasure's
 * keyed name), the activities that named them judged again (work/nightly/ changes, change reports), its note and
 * report under privacy/ (the note deleted when done). Never the archive, never the index scanned.
 */
const ERASURE = [
  ...REGISTER_WRITE,
  'dynamodb:Scan register',
  ...objects('work', 'GetObject', 'PutObject'),
  ...objects('outbox', 'PutObject'),
  ...objects('privacy', 'GetObject', 'PutObject', 'DeleteObject'),
  ...LIST,
  ...FILES_WRITE,
  ...IDENTITIES,
];

const START = ['states:StartExecution importMachine'];
const WAKE = ['states:SendTaskSuccess importMachine'];

/**
 * An apply (a small file's, and a large file's read; apply-step.ts also hashes identities): the waiting rule's look
 * at the inbox, the archived file read, staged work, the register written, the upload before it started or the
 * next one woken.
 */
const APPLY = [
  ...INBOX_TAGS,
  ...objects('archive', 'GetObject'),
  ...objects('work', 'GetObject', 'PutObject', 'DeleteObject'),
  ...LIST,
  ...INBOX_VERSIONS,
  ...FILES_WRITE,
  ...REGISTER_WRITE,
  ...START,
  ...WAKE,
];
/** A judge that writes verdicts (a small file's, and each chunk of a large one's): staged work, change reports to outboxes. */
const JUDGE = [
  ...objects('work', 'GetObject', 'PutObject', 'DeleteObject'),
  ...objects('outbox', 'PutObject'),
  ...LIST,
  ...FILES_WRITE,
  ...REGISTER_WRITE,
];
/** An upload's end (its receipt, or MarkFailed's): its inbox version deleted, the receipt written, the next one woken. */
const UPLOAD_END = [
  ...objects('inbox', 'DeleteObjectVersion'),
  ...objects('outbox', 'GetObject', 'PutObject'),
  ...LIST,
  ...FILES_WRITE,
  ...REGISTER_WRITE,
  ...WAKE,
];

/** Each function's grants beyond BASE, by handler file (functions/) or, for a function of another kind, by its construct id. */
const EXPECTED: Record<string, readonly string[]> = {
  'start-upload.ts': [
    ...objects('inbox', 'GetObject'),
    ...LIST,
    ...INBOX_VERSIONS,
    ...FILES_READ,
    ...START,
    'sqs:GetQueueAttributes starterDeadLetters',
    'sqs:GetQueueUrl starterDeadLetters',
    'sqs:SendMessage starterDeadLetters',
  ],
  'register-step.ts': [
    ...objects('inbox', 'GetObject', 'GetObjectVersion'),
    ...objects('archive', 'GetObject', 'PutObject', 'PutObjectTagging'),
    ...LIST,
    ...FILES_WRITE,
    ...REGISTER_WRITE,
  ],
  'apply-step.ts': [...APPLY, ...IDENTITIES],
  'apply-read-step.ts': APPLY,
  'apply-unit-step.ts': [
    ...objects('work', 'GetObject', 'PutObject'),
    ...LIST,
    ...FILES_WRITE,
    ...REGISTER_WRITE,
    ...IDENTITIES,
  ],
  'apply-join-step.ts': [...objects('work', 'GetObject', 'PutObject'), ...LIST, ...FILES_WRITE, ...REGISTER_WRITE],
  'wait-turn-step.ts': [...INBOX_TAGS, ...INBOX_VERSIONS, ...REGISTER_WRITE, ...START, ...WAKE],
  // Change reports to other vendors' outboxes (verdict-changes.ts): written, never read or deleted.
  'judge-step.ts': JUDGE,
  'judge-split-step.ts': [...objects('work', 'GetObject', 'PutObject'), ...LIST, ...FILES_WRITE, ...REGISTER_READ],
  'judge-chunk-step.ts': JUDGE,
  'judge-join-step.ts': [...objects('work', 'GetObject', 'PutObject'), ...LIST, ...FILES_WRITE, ...REGISTER_WRITE],
  'totals-step.ts': [...objects('work', 'GetObject'), ...LIST, ...FILES_READ, ...REGISTER_WRITE],
  'receipt-step.ts': [...UPLOAD_END, ...objects('work', 'GetObject')],
  'fail-step.ts': UPLOAD_END,
  'sweep-inbox.ts': [...INBOX_TAGS, ...INBOX_VERSIONS, ...REGISTER_READ, ...START],
  'reconcile-plan-uploads.ts': [...objects('reports', 'PutObject'), ...FILES_WRITE, ...REGISTER_READ],
  'reconcile-upload.ts': [
    ...objects('archive', 'GetObject'),
    ...objects('outbox', 'GetObject', 'PutObject'),
    ...objects('work', 'GetObject', 'PutObject'),
    ...objects('reports', 'PutObject'),
    ...LIST,
    ...INBOX_VERSIONS,
    ...FILES_WRITE,
    ...REGISTER_WRITE,
    ...START,
    'states:DescribeExecution importMachine/executions',
  ],
  'reconcile-upload-failed.ts': [...objects('reports', 'PutObject'), ...FILES_WRITE],
  'reconcile-plan-clubs.ts': [...objects('reports', 'PutObject'), ...FILES_WRITE, ...REGISTER_READ],
  'reconcile-clubs.ts': [
    ...objects('outbox', 'PutObject'),
    ...objects('work', 'GetObject', 'PutObject'),
    ...objects('reports', 'PutObject'),
    ...LIST,
    ...FILES_WRITE,
    ...REGISTER_WRITE,
  ],
  'reconcile-report.ts': [
    ...objects('reports', 'GetObject', 'PutObject'),
    's3:ListBucket bucket [s3:prefix=reports/*]',
    ...FILES_WRITE,
  ],
  // The retention purge: old periods removed, persons left with nothing erased, its part of the night's report.
  'reconcile-purge.ts': [...ERASURE, ...objects('reports', 'PutObject')],
  // RF operations' admin function: the register, vendors' SFTP users, listings and inbox tags (never an inbox or
  // archived object), a person's erasure on request.
  'vendor-admin.ts': [
    ...ERASURE,
    's3:ListBucketVersions bucket [s3:prefix=inbox/*|archive/*]',
    ...INBOX_TAGS,
    'states:DescribeExecution importMachine/executions',
    'iam:PassRole sftpVendorRole [iam:PassedToService=transfer.amazonaws.com]',
    'transfer:CreateUser sftpServer',
    'transfer:CreateUser sftpUsers',
    'transfer:TagResource sftpServer',
    'transfer:TagResource sftpUsers',
    'transfer:DeleteSshPublicKey sftpUsers',
    'transfer:DescribeUser sftpUsers',
    'transfer:ImportSshPublicKey sftpUsers',
    'transfer:UpdateUser sftpUsers',
  ],
  // The club site's API (cdk/constructs/club-site.ts): the register, read and write (an application is recorded there).
  'club-api.ts': [...REGISTER_WRITE],
  // The SFTP endpoint's host keys (a custom resource): the server's keys only.
  SftpHostKeysFunction: ['transfer:ImportHostKey sftpServer', 'transfer:ListHostKeys sftpServer'],
};

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The template's ids named as the table names them. */
function namer(stack: ImporterStack): (text: string) => string {
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  const names: [string, string][] = [
    [id(stack.files.bucket), 'bucket'],
    [id(stack.files.key), 'filesKey'],
    [id(stack.register.table), 'register'],
    [id(stack.register.key), 'registerKey'],
    [id(stack.register.identityKey), 'identityKey'],
    [id(stack.imports.trigger.deadLetters), 'starterDeadLetters'],
    [id(stack.sftp.vendorRole), 'sftpVendorRole'],
    [id(stack.sftp.server), 'sftpServer'],
  ];
  const machine = (stack.imports.stateMachine.node.defaultChild as { stateMachineName?: string }).stateMachineName!;
  return (text) => {
    let named = text
      .replace(/^arn:<AWS::Partition>:states:[^:]+:\d+:stateMachine:(.+)$/, (_, name: string) =>
        name === machine ? 'importMachine' : `stateMachine:${name}`,
      )
      .replace(
        /^arn:<AWS::Partition>:states:[^:]+:\d+:execution:\{"Fn::Select":\[6,\{"Fn::Split":\[":",\{"Ref":"(\w+)"\}\]\}\]\}:\*$/,
        (_, ref: string) => (ref === id(stack.imports.stateMachine) ? 'importMachine/executions' : `executions:${ref}`),
      )
      .replace(/^arn:<AWS::Partition>:states:[^:]+:\d+:execution:(.+):\*$/, (_, name: string) =>
        name === machine ? 'importMachine/executions' : `executions:${name}`,
      )
      .replace(/^arn:<AWS::Partition>:transfer:[^:]+:\d+:user\/<\w+\.ServerId>\/\*$/, 'sftpUsers');
    for (const [logicalId, name] of names)
      named = named.replace(new RegExp(`^<${logicalId}(\\.Arn)?>`), name).replace(`<${logicalId}>`, name);
    return named;
  };
}

function conditionText(condition: Statement['Condition']): string {
  if (!condition) return '';
  const parts = Object.values(condition).flatMap((byKey) =>
    Object.entries(byKey).map(
      ([key, value]) =>
        `${key}=${[value]
          .flat()
          .map((v) => flatten(v).replace(/\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$/, ''))
          .join('|')}`,
    ),
  );
  return ` [${parts.join(' ')}]`;
}

/** Every action on every resource the role's policies allow, sorted, named: `s3:GetObject bucket/work/* [condition]`. */
export function grantsOf(
  template: Template,
  roleId: string,
  name: (text: string) => string,
  ownLogs: string,
): string[] {
  const resources = template.toJSON().Resources as Resources;
  const role = resources[roleId]!;
  const statements: Statement[] = [
    ...((role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []).flatMap(
      (p) => p.PolicyDocument.Statement,
    ),
    ...Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"Ref":"${roleId}"`))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
  ];
  expect(role.Properties.ManagedPolicyArns ?? [], `${roleId}: no managed policy`).toEqual([]);
  const grants = statements.flatMap((s) => {
    expect(s.Effect, roleId).toBe('Allow');
    return [s.Action].flat().flatMap((action) =>
      [s.Resource].flat().map((resource) => {
        const text = flatten(resource);
        return `${action} ${text === `<${ownLogs}.Arn>` ? 'ownLogs' : name(text)}${conditionText(s.Condition)}`;
      }),
    );
  });
  return [...new Set(grants)].sort();
}

/** Every function of a stack: its table entry's key, its role's grants. */
function rolesOf(stack: ImporterStack): { readonly key: string; readonly grants: string[] }[] {
  const template = Template.fromStack(stack);
  const name = namer(stack);
  const resources = template.toJSON().Resources as Resources;
  const importer = new Map(
    stack.node
      .findAll()
      .filter((c): c is ImporterFunction => c instanceof ImporterFunction)
      .map((f) => [stack.getLogicalId(f.node.defaultChild as CfnElement), f.handlerFile]),
  );
  return Object.entries(resources)
    .filter(
      ([id, r]) =>
        r.Type === 'AWS::Lambda::Function' && !AUTO_DELETE_PROVIDER.test(id) && !BUCKET_DEPLOYMENT_PROVIDER.test(id),
    )
    .map(([id, fn]) => {
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
      const ownLogs = (fn.Properties.LoggingConfig as { LogGroup?: { Ref: string } } | undefined)?.LogGroup?.Ref ?? '';
      const key = importer.get(id) ?? Object.keys(EXPECTED).find((k) => id.startsWith(k)) ?? id;
      return { key, grants: grantsOf(template, roleId, name, ownLogs) };
    });
}

/** The grants a function has beyond its step's, and those its step needs that it lacks. */
function against(key: string, grants: readonly string[]): { readonly extra: string[]; readonly missing: string[] } {
  const expected = new Set([...BASE, ...(EXPECTED[key] ?? [])]);
  return { extra: grants.filter((g) => !expected.has(g)), missing: [...expected].filter((g) => !grants.includes(g)) };
}

let stacks: Record<'test' | 'prod', ImporterStack>;
beforeAll(() => {
  ({ stacks } = synthApp());
});

describe("least privilege: each function's role reaches what its step needs, and nothing more", () => {
  it.each(['test', 'prod'] as const)("%s: every function's grants are its step's, exactly", (stage) => {
    const roles = rolesOf(stacks[stage]);
    for (const { key } of roles)
      expect(
        Object.keys(EXPECTED),
        `a function the table does not know: ${key} (add what its step needs to EXPECTED)`,
      ).toContain(key);
    for (const { key, grants } of roles) expect(against(key, grants), key).toEqual({ extra: [], missing: [] });
    // Every function of functions/ is deployed, each once.
    const handlers = roles
      .map((r) => r.key)
      .filter((k) => k.endsWith('.ts'))
      .sort();
    expect(handlers).toEqual(
      Object.keys(EXPECTED)
        .filter((k) => k.endsWith('.ts'))
        .sort(),
    );
  });

  it('fails a role that grows beyond its step: the starter given the archive, a step given the whole bucket', () => {
    // A stack of its own, without the app's cdk-nag plugin (which would refuse the wildcards before this test could).
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ImporterStack(app, 'Widened', {
      stage: stagesFrom({ test: STAGES.test })[0]!,
      env: { account: STAGES.test.account, region: STAGES.test.region },
    });
    stack.files.bucket.grantRead(stack.imports.trigger.starter);
    const totals = stack.imports.functions.find((f) => f.handlerFile === 'totals-step.ts')!;
    stack.files.bucket.grantDelete(totals);
    const roles = Object.fromEntries(rolesOf(stack).map((r) => [r.key, r.grants]));
    expect(against('start-upload.ts', roles['start-upload.ts']!).extra).toEqual(
      expect.arrayContaining(['s3:GetObject* bucket/*', 's3:List* bucket']),
    );
    expect(against('totals-step.ts', roles['totals-step.ts']!).extra).toEqual(['s3:DeleteObject* bucket/*']);
    expect(against('judge-step.ts', roles['judge-step.ts']!)).toEqual({ extra: [], missing: [] });
  });

  it('lets no function but the register, apply and nightly per-upload steps reach the archive, and none delete there', () => {
    const roles = rolesOf(stacks.prod);
    const reaching = roles
      .filter((r) => r.grants.some((g) => / bucket\/archive\//.test(g)))
      .map((r) => r.key)
      .sort();
    expect(reaching).toEqual(['apply-read-step.ts', 'apply-step.ts', 'reconcile-upload.ts', 'register-step.ts']);
    expect(roles.flatMap((r) => r.grants).filter((g) => /^s3:Delete\S* bucket\/(archive\/|\*)/.test(g))).toEqual([]);
    // The starter looks at the inbox only: no archive, no register, no identity key.
    expect(
      roles.find((r) => r.key === 'start-upload.ts')!.grants.filter((g) => /archive|register|identityKey/.test(g)),
    ).toEqual([]);
  });
});

describe('the state machines read their manifests, nothing else of the bucket', () => {
  it.each([
    ['import', 'work'],
    ['reconciliation', 'reports'],
  ] as const)("the %s state machine: its Distributed Maps' manifests under %s/ only", (which, prefix) => {
    const stack = stacks.prod;
    const template = Template.fromStack(stack);
    const machine = which === 'import' ? stack.imports.stateMachine : stack.reconciliation.stateMachine;
    const roleId = stack.getLogicalId(machine.role.node.defaultChild as CfnElement);
    const statements = Object.values(template.toJSON().Resources as Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"Ref":"${roleId}"`))
      .flatMap(
        (p) =>
          (p.Properties.PolicyDocument as { Statement: (Statement & { NotResource?: unknown; Sid?: string })[] })
            .Statement,
      )
      .filter((st) => JSON.stringify(st.Action).match(/"(s3|kms):/));
    const name = namer(stack);
    const text = statements
      .map(
        (st) =>
          `${st.Effect} ${[st.Action].flat().join(',')} ${st.NotResource ? `not ${name(flatten(st.NotResource))}` : name(flatten(st.Resource))}${conditionText(st.Condition)}`,
      )
      .sort();
    // aws-cdk-lib's item reader grants the whole bucket (the manifest's key is known at run time); the deny narrows it.
    expect(text).toEqual([
      'Allow kms:Decrypt filesKey [kms:ViaService=s3]',
      'Allow s3:GetObject arn:<AWS::Partition>:s3:::bucket/*',
      `Deny s3:GetObject not bucket/${prefix}/*`,
    ]);
  });
});

/** The functions that hash identities: the apply steps that match persons, and those that erase them (admin, purge). */
const HASHING = ['apply-step.ts', 'apply-unit-step.ts', 'reconcile-purge.ts', 'vendor-admin.ts'];

describe('the identity key: read only where identities are hashed', () => {
  it('is granted, with its variable, to the apply steps that match persons and the functions that erase them, and to no other function', () => {
    const roles = rolesOf(stacks.prod);
    const reading = roles
      .filter((r) => r.grants.some((g) => g.includes('identityKey') || g.includes('[kms:ViaService=secretsmanager]')))
      .map((r) => r.key)
      .sort();
    expect(reading).toEqual(HASHING);
    // Its KMS key is the register's: every role's use of that key is through DynamoDB only, and the key's policy lets
    // only those roles decrypt through Secrets Manager (besides the account itself, which grants nothing more).
    for (const { key, grants } of roles) {
      for (const g of grants.filter((g) => / registerKey/.test(g)))
        expect(g, key).toMatch(/\[kms:ViaService=dynamodb\]$/);
    }
    const stack = stacks.prod;
    const template = Template.fromStack(stack);
    const keyPolicy = (template.toJSON().Resources as Resources)[
      stack.getLogicalId(stack.register.key.node.defaultChild as CfnElement)
    ]!.Properties.KeyPolicy as { Statement: { Principal: { AWS?: unknown }; Action: string | string[] }[] };
    const roleIds = new Map(
      stack.node
        .findAll()
        .filter((c): c is ImporterFunction => c instanceof ImporterFunction)
        .map((f) => [stack.getLogicalId(f.role!.node.defaultChild as CfnElement), f.handlerFile]),
    );
    const decrypting = keyPolicy.Statement.map((s) => flatten(s.Principal.AWS))
      .filter((p) => !p.endsWith(':root'))
      .map((p) => roleIds.get(/^<(\w+)\.Arn>$/.exec(p)![1]!))
      .sort();
    expect(decrypting).toEqual(HASHING);
    const withVariable = stacks.prod.node
      .findAll()
      .filter((c): c is ImporterFunction => c instanceof ImporterFunction)
      .filter((f) =>
        JSON.stringify(stacks.prod.resolve((f.node.defaultChild as { environment?: unknown }).environment)).includes(
          'IDENTITY_KEY_SECRET_ARN',
        ),
      )
      .map((f) => f.handlerFile)
      .sort();
    expect(withVariable).toEqual(reading);
  });

  it('is never read by a function not given it: its hasher refuses to hash, and its ports need no secret (they did: every step read it)', async () => {
    const saved = { ...process.env };
    try {
      for (const name of ['IDENTITY_KEY', 'IDENTITY_KEY_SECRET_ARN']) delete process.env[name];
      Object.assign(process.env, { REGISTER_TABLE: 'register', BUCKET: 'lok-files', AWS_REGION: 'eu-north-1' });
      const { cloudPorts } = await import('../functions/commons/cloud-ports.js');
      const ports = await cloudPorts();
      expect(() => ports.hasher.hash('pnr|190001019999')).toThrow(
        /not given the identity key: only the apply steps hash identities/,
      );
    } finally {
      process.env = saved;
    }
  });

  it("goes to the handlers that apply a file's persons (apply-file.ts matchPersons) or erase persons (erase-person.ts), the callers of the hasher, as they import them", () => {
    const handlers = Object.keys(EXPECTED).filter((k) => k.endsWith('.ts'));
    const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
    // The admin function erases through the admin dispatcher (admin-dispatch.ts, answered through admin-requests.ts).
    expect(read('shared/core/admin/admin-dispatch.ts')).toMatch(
      /import \{[^}]*\berasePersonOnRequest\b[^}]*\} from '\.\/person-erasure\.js'/,
    );
    expect(read('shared/cli/admin-requests.ts')).toMatch(
      /import \{[^}]*\bdispatchAdmin\b[^}]*\} from '\.\.\/core\/admin\/admin-dispatch\.js'/,
    );
    const hashing = handlers.filter((h) => {
      const source = read(join('functions', h));
      return (
        /import \{[^}]*\b(applyFile|applyUnit)\b[^}]*\} from '\.\.\/shared\/core\/pipeline\/apply-file\.js'/.test(
          source,
        ) ||
        /import \{[^}]*\berasePersonOnRequest\b[^}]*\} from '\.\.\/shared\/core\/admin\/person-erasure\.js'/.test(
          source,
        ) ||
        /import \{[^}]*\banswerAdminRequest\b[^}]*\} from '\.\.\/shared\/cli\/admin-requests\.js'/.test(source) ||
        /import \{[^}]*\bpurgeExpired\b[^}]*\} from '\.\.\/shared\/core\/privacy\/retention\.js'/.test(source)
      );
    });
    expect(hashing.sort()).toEqual(HASHING);
  });
});

describe('nothing deletes an archived file', () => {
  type Policy = {
    Statement: {
      Sid?: string;
      Effect: string;
      Principal?: unknown;
      Action: string[];
      Resource: unknown;
      Condition?: unknown;
    }[];
  };
  const archivePolicy = (stack: ImporterStack) => {
    const template = Template.fromStack(stack);
    const bucketId = stack.getLogicalId(stack.files.bucket.node.defaultChild as CfnElement);
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (p) => JSON.stringify((p.Properties as { Bucket: unknown }).Bucket) === JSON.stringify({ Ref: bucketId }),
    )!;
    return {
      template,
      statement: (policy.Properties as { PolicyDocument: Policy }).PolicyDocument.Statement.find(
        (s) => s.Sid === 'ArchiveIsKept',
      )!,
    };
  };

  it('in production: the bucket policy denies deleting an archived object or any version of it to every principal, with no exception', () => {
    const { statement } = archivePolicy(stacks.prod);
    expect(statement).toEqual({
      Sid: 'ArchiveIsKept',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      Resource: expect.anything(),
    });
    expect(flatten(statement.Resource)).toMatch(/^<FileStoreFiles\w+\.Arn>\/archive\/\*$/);
  });

  it("in a test stage: the same, but for CDK's emptier, which deletes every version when the test stack is deleted", () => {
    const { template, statement } = archivePolicy(stacks.test);
    const emptier = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => AUTO_DELETE_PROVIDER.test(id));
    expect(statement).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
    });
    expect(statement.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [emptier, 'Arn'] } } });
  });

  it("keeps the archive's lifecycle the only way out: seven years", () => {
    const rules = fileBucketLifecycleRules(Template.fromStack(stacks.prod));
    expect(rules.filter((r) => r.Prefix === 'archive/').map((r) => [r.Id, r.ExpirationInDays])).toEqual([
      ['archive-seven-years', 7 * 365 + 2],
    ]);
  });
});

describe('service principals act only for this account', () => {
  it("every role a service assumes, but Lambda's own execution roles, names the account (and, where the service says which, the source)", () => {
    for (const stack of Object.values(stacks)) {
      const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
      for (const [id, role] of Object.entries(roles)) {
        for (const s of (
          role.Properties as {
            AssumeRolePolicyDocument: {
              Statement: { Principal: { Service?: string }; Condition?: Record<string, Record<string, unknown>> }[];
            };
          }
        ).AssumeRolePolicyDocument.Statement) {
          if (s.Principal.Service === undefined || s.Principal.Service === 'lambda.amazonaws.com') continue;
          expect(s.Condition?.StringEquals?.['aws:SourceAccount'], `${id} (${s.Principal.Service})`).toBe(
            stack.account,
          );
        }
      }
    }
  });

  it("CloudWatch publishes to the alarm topic and uses its key only for this account's alarms", () => {
    const template = Template.fromStack(stacks.prod);
    const alarms = {
      StringEquals: { 'aws:SourceAccount': '222222222222' },
      ArnLike: { 'aws:SourceArn': expect.anything() },
    };
    const topicPolicy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0]!.Properties as {
      PolicyDocument: { Statement: { Principal?: { Service?: string }; Action: string; Condition?: typeof alarms }[] };
    };
    const publish = topicPolicy.PolicyDocument.Statement.find(
      (s) => s.Principal?.Service === 'cloudwatch.amazonaws.com',
    )!;
    expect(publish).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish', Condition: alarms });
    expect(
      flatten((publish.Condition as unknown as { ArnLike: Record<string, unknown> }).ArnLike['aws:SourceArn']),
    ).toBe('arn:<AWS::Partition>:cloudwatch:eu-north-1:222222222222:alarm:*');
    const keys = Object.values(template.findResources('AWS::KMS::Key')).flatMap(
      (k) =>
        (k.Properties as { KeyPolicy: { Statement: { Principal: { Service?: string }; Condition?: unknown }[] } })
          .KeyPolicy.Statement,
    );
    const services = keys.filter((s) => s.Principal.Service !== undefined);
    expect(services.map((s) => s.Principal.Service)).toEqual(['cloudwatch.amazonaws.com']);
    expect(services[0]).toMatchObject({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: alarms });
  });

  it("EventBridge invokes the starter only for this account's upload rule", () => {
    const permissions = Object.values(Template.fromStack(stacks.prod).findResources('AWS::Lambda::Permission')).map(
      (p) => p.Properties as Record<string, unknown>,
    );
    const events = permissions.filter((p) => p.Principal === 'events.amazonaws.com');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      SourceAccount: '222222222222',
      SourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^ImportUploadCompleted/), 'Arn'] },
    });
  });
});
