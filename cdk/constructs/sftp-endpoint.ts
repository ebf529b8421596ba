import { CfnOutput, CfnResource, CustomResource, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { CfnServer, CfnWorkflow } from 'aws-cdk-lib/aws-transfer';
import { Construct, type IConstruct } from 'constructs';
import { POWERTOOLS_ENV } from '../../functions/commons/environment.js';
import { SFTP_DEFAULTS, type SftpSettings } from '../config.js';
import { folderPrefix, inboxPrefix, outboxPrefix } from '../../shared/core/storage/bucket-layout.js';
import { everyObjectIn } from './step-access.js';

/** The newest SSH security policy of Transfer Family (set explicitly: CloudFormation's default is from 2018). */
export const SECURITY_POLICY = 'TransferSecurityPolicy-2025-03';
/** The tag the upload workflow puts on a completed upload (the sweep imports only tagged objects). */
export const COMPLETED_TAG = { Key: 'lok-upload', Value: 'completed' } as const;
/** Transfer Family's per-user variable; it must reach the session policy as written, never substituted. */
export const USER = '${transfer:UserName}';

/**
 * The host key types the server keeps, as Transfer Family names them, and the name of each one's fingerprint in
 * the custom resource's data and the stack's outputs (`SftpHostKey<Name>`). Newest first; RSA and ECDSA for clients
 * that know no ed25519 (JSch 0.1.5x, still common).
 */
export const HOST_KEY_OUTPUTS = [
  ['ssh-ed25519', 'Ed25519'],
  ['ecdsa-sha2-nistp256', 'Ecdsa'],
  ['ssh-rsa', 'Rsa'],
] as const;

/**
 * The host keys' custom resource handler (inline: CommonJS, the runtime's AWS SDK). On create and update it lists
 * the server's host keys, imports a fresh one of each type in HOST_KEY_OUTPUTS the server lacks (keys it has,
 * including the RSA key Transfer Family makes with a new server, are kept: the oldest of a type is the one offered),
 * and answers every type's fingerprint. The private keys are made in the function and handed to ImportHostKey
 * only: they live with the server and nowhere else. Delete does nothing (the keys go with the server).
 * Private keys as ssh-keygen writes them: OpenSSH's format for ed25519, PEM for ECDSA and RSA.
 */
export const HOST_KEYS_HANDLER = `
const { TransferClient, ListHostKeysCommand, ImportHostKeyCommand } = require('@aws-sdk/client-transfer');
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const TYPES = ${JSON.stringify(HOST_KEY_OUTPUTS)};
const str = (b) => { const s = Buffer.from(b); const n = Buffer.alloc(4); n.writeUInt32BE(s.length); return Buffer.concat([n, s]); };
function privateKey(type) {
  const pem = (kind, options) => generateKeyPairSync(kind, { ...options, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  if (type === 'ssh-rsa') return pem('rsa', { modulusLength: 3072, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  if (type === 'ecdsa-sha2-nistp256') return pem('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'sec1', format: 'pem' } });
  const keys = generateKeyPairSync('ed25519');
  const pub = keys.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const seed = keys.privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, str(type), str(pub), str(Buffer.concat([seed, pub])), str('')]);
  for (let i = 1; secret.length % 8 !== 0; i++) secret = Buffer.concat([secret, Buffer.from([i])]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\\0', 'binary'), str('none'), str('none'), str(''), Buffer.from([0, 0, 0, 1]), str(Buffer.concat([str(type), str(pub)])), str(secret)]);
  return '-----BEGIN OPENSSH PRIVATE KEY-----\\n' + body.toString('base64').match(/.{1,70}/g).join('\\n') + '\\n-----END OPENSSH PRIVATE KEY-----\\n';
}
async function ensureHostKeys(client, serverId) {
  const list = async () => (await client.send(new ListHostKeysCommand({ ServerId: serverId, MaxResults: 100 }))).HostKeys || [];
  const had = await list();
  for (const [type] of TYPES) {
    if (!had.some((key) => key.Type === type)) await client.send(new ImportHostKeyCommand({ ServerId: serverId, HostKeyBody: privateKey(type), Description: 'lok-importer ' + type }));
  }
  const keys = (await list()).sort((a, b) => new Date(a.DateImported) - new Date(b.DateImported));
  return Object.fromEntries(TYPES.map(([type, name]) => [name, keys.find((key) => key.Type === type).Fingerprint]));
}
exports.privateKey = privateKey;
exports.ensureHostKeys = ensureHostKeys;
exports.handler = async (event) => {
  const answer = { Status: 'SUCCESS', Reason: 'host keys in place', PhysicalResourceId: event.PhysicalResourceId || event.ResourceProperties.ServerId + '-host-keys', StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: {} };
  try {
    if (event.RequestType !== 'Delete') answer.Data = await ensureHostKeys(new TransferClient({}), event.ResourceProperties.ServerId);
  } catch (error) {
    console.error(error);
    Object.assign(answer, { Status: 'FAILED', Reason: String((error && error.name) || error).slice(0, 200) });
  }
  await fetch(event.ResponseURL, { method: 'PUT', body: JSON.stringify(answer), headers: { 'content-type': '' } });
};
`;

export interface SftpEndpointProps {
  /**
   * The files bucket: each vendor's session reaches its own `inbox/` and `outbox/` folders only.
   *
   * @default - none (required)
   */
  readonly bucket: IBucket;
  /**
   * The files bucket's key, which the vendors' sessions encrypt and decrypt with.
   *
   * @default - none (required)
   */
  readonly key: IKey;
  /**
   * Retention of the server's and the host-key function's log groups.
   *
   * @default - none (required)
   */
  readonly logRetention: RetentionDays;
  /**
   * RETAIN in production: the server (its vendors' logins and host keys), and its fixed addresses, outlive the stack.
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Public or a VPC endpoint with fixed addresses and an allow-list; a custom host name.
   *
   * @default SFTP_DEFAULTS: a public endpoint, two zones, no allow-list
   */
  readonly settings?: SftpSettings;
}

/** The tag Transfer Family shows a server's custom host name by (the name itself is RF's DNS record). */
export const CUSTOM_HOSTNAME_TAG = 'aws:transfer:customHostname';

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
  /** The role of the function that imports the server's missing host keys (X-Ray needs `*`: acknowledged). */
  readonly hostKeysRole: Role;
  /** The VPC endpoint's network, its fixed addresses and allow-list (`vpc` endpoints only). */
  readonly network?: {
    readonly vpc: Vpc;
    readonly securityGroup: SecurityGroup;
    readonly addresses: readonly CfnEIP[];
  };

  constructor(scope: Construct, id: string, props: SftpEndpointProps) {
    super(scope, id);
    const { bucket, key } = props;
    const inbox = (user: string) => `${bucket.bucketArn}/${inboxPrefix(user)}*`;
    const outbox = (user: string) => `${bucket.bucketArn}/${outboxPrefix(user)}*`;
    // The user's own folder and everything in it, as `s3:prefix` names them when listing.
    const ownFolder = (folder: 'inbox' | 'outbox') => [
      `${folderPrefix(folder)}${USER}/*`,
      `${folderPrefix(folder)}${USER}`,
    ];
    const kms = new PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [key.keyArn] });

    this.vendorRole = new Role(this, 'VendorRole', {
      assumedBy: new ServicePrincipal('transfer.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: "Every vendor's SFTP session; narrowed to the vendor's own folders by the session policy",
      inlinePolicies: {
        folders: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['s3:ListBucket'],
              resources: [bucket.bucketArn],
              conditions: { StringLike: { 's3:prefix': [everyObjectIn('inbox'), everyObjectIn('outbox')] } },
            }),
            new PolicyStatement({
              actions: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject'],
              resources: [inbox('*')],
            }),
            new PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [outbox('*')] }),
            kms,
          ],
        }),
      },
    });

    const session = new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'ListOwnFolders',
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [...ownFolder('inbox'), ...ownFolder('outbox')] } },
        }),
        new PolicyStatement({
          sid: 'OwnInbox',
          actions: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject'],
          resources: [inbox(USER)],
        }),
        new PolicyStatement({
          sid: 'OwnOutboxReadOnly',
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [outbox(USER)],
        }),
        new PolicyStatement({
          sid: 'FilesKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [key.keyArn],
        }),
      ],
    });
    this.sessionPolicy = Stack.of(this).toJsonString(session.toJSON());

    const workflowRole = new Role(this, 'WorkflowRole', {
      assumedBy: new ServicePrincipal('transfer.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Transfer Family managed workflows: tag completed uploads, delete partial ones',
      inlinePolicies: {
        inbox: new PolicyDocument({
          statements: [
            new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
            new PolicyStatement({
              actions: [
                's3:GetObject',
                's3:GetObjectVersion',
                's3:GetObjectTagging',
                's3:GetObjectVersionTagging',
                's3:PutObjectTagging',
                's3:PutObjectVersionTagging',
                's3:DeleteObject',
                's3:DeleteObjectVersion',
              ],
              resources: [inbox('*')],
            }),
            new PolicyStatement({
              effect: Effect.ALLOW,
              actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
              resources: [key.keyArn],
            }),
          ],
        }),
      },
    });
    const tagCompleted = new CfnWorkflow(this, 'UploadCompleted', {
      description: 'Tag completed uploads - the nightly sweep imports only tagged files',
      // Step details are passed to CloudFormation as written: PascalCase.
      steps: [
        {
          type: 'TAG',
          tagStepDetails: { Name: 'tag-completed', SourceFileLocation: '${original.file}', Tags: [COMPLETED_TAG] },
        },
      ],
    });
    const deletePartial = new CfnWorkflow(this, 'UploadPartial', {
      description: 'Delete partial uploads left by dropped sessions',
      steps: [
        { type: 'DELETE', deleteStepDetails: { Name: 'delete-partial', SourceFileLocation: '${original.file}' } },
      ],
    });

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const loggingRole = new Role(this, 'LoggingRole', {
      assumedBy: new ServicePrincipal('transfer.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      inlinePolicies: {
        logs: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:log-stream:*`],
            }),
          ],
        }),
      },
    });

    const settings = props.settings ?? SFTP_DEFAULTS;
    if (settings.endpoint === 'vpc') this.network = this.vpcNetwork(settings, props);
    const network = this.network;
    this.server = new CfnServer(this, 'Server', {
      protocols: ['SFTP'],
      identityProviderType: 'SERVICE_MANAGED',
      domain: 'S3',
      ...(network === undefined
        ? { endpointType: 'PUBLIC' }
        : {
            endpointType: 'VPC',
            endpointDetails: {
              vpcId: network.vpc.vpcId,
              subnetIds: network.vpc.publicSubnets.map((subnet) => subnet.subnetId),
              addressAllocationIds: network.addresses.map((address) => address.attrAllocationId),
              securityGroupIds: [network.securityGroup.securityGroupId],
            },
          }),
      securityPolicyName: SECURITY_POLICY,
      // S3 keeps no attributes to set: SETSTAT (a client setting the modification time after an upload: rclone,
      // paramiko's utime, WinSCP) answers OK instead of failing the vendor's upload.
      protocolDetails: { setStatOption: 'ENABLE_NO_OP' },
      loggingRole: loggingRole.roleArn,
      structuredLogDestinations: [this.logGroup.logGroupArn],
      workflowDetails: {
        onUpload: [{ workflowId: tagCompleted.attrWorkflowId, executionRole: workflowRole.roleArn }],
        onPartialUpload: [{ workflowId: deletePartial.attrWorkflowId, executionRole: workflowRole.roleArn }],
      },
    });
    // Production keeps the server whatever happens to the stack: its vendors' users and the host keys vendors have
    // pinned go with it (and, with a VPC endpoint, the addresses vendors' firewalls let through).
    this.server.applyRemovalPolicy(props.removalPolicy);
    if (settings.hostName !== undefined) {
      Tags.of(this.server).add(CUSTOM_HOSTNAME_TAG, settings.hostName);
      new CfnOutput(this, 'HostName', {
        value: settings.hostName,
        description: "The host name vendors are given (RF's DNS record for the server)",
      }).overrideLogicalId('SftpHostName');
    }
    this.hostKeysRole = this.manageHostKeys(props);
  }

  /**
   * A VPC of public subnets only (no NAT: the endpoint answers, it never calls out), one Elastic IP per zone for
   * the endpoint, and a security group that lets in port 22 from the vendors' networks alone. Its flow log records
   * rejected connections too. Kept like the server (RETAIN in production).
   */
  private vpcNetwork(settings: SftpSettings, props: SftpEndpointProps): NonNullable<SftpEndpoint['network']> {
    const vpc = new Vpc(this, 'Network', {
      maxAzs: settings.zones,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [{ name: 'sftp', subnetType: SubnetType.PUBLIC, cidrMask: 26 }],
    });
    const flowLogs = new LogGroup(this, 'NetworkFlowLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.ALL,
    });
    const securityGroup = new SecurityGroup(this, 'AllowList', {
      vpc,
      allowAllOutbound: false,
      description: "SFTP (22) from the vendors' networks only (cdk.json sftp.allowedCidrs)",
    });
    for (const cidr of settings.allowedCidrs)
      securityGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(22), `vendors' network ${cidr}`);
    const addresses = vpc.publicSubnets.map((_, zone) => new CfnEIP(this, `Address${zone + 1}`, { domain: 'vpc' }));
    addresses.forEach((address, zone) => {
      new CfnOutput(this, `AddressOutput${zone + 1}`, {
        value: address.attrPublicIp,
        description: `SFTP endpoint's fixed address ${zone + 1} (vendors' firewalls let it through)`,
      }).overrideLogicalId(`SftpAddress${zone + 1}`);
    });
    for (const resource of [vpc, ...addresses]) retainAll(resource, props.removalPolicy);
    return { vpc, securityGroup, addresses };
  }

  /** Host keys of the three types kept with the server (HOST_KEYS_HANDLER), their fingerprints in the outputs. */
  private manageHostKeys(props: SftpEndpointProps): Role {
    const logGroup = new LogGroup(this, 'HostKeysLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = new Role(this, 'HostKeysRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: "Imports the SFTP server's missing host keys",
    });
    logGroup.grantWrite(role);
    role.addToPolicy(
      new PolicyStatement({
        actions: ['transfer:ListHostKeys', 'transfer:ImportHostKey'],
        resources: [this.server.attrArn],
      }),
    );
    const handler = new LambdaFunction(this, 'HostKeysFunction', {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      handler: 'index.handler',
      code: Code.fromInline(HOST_KEYS_HANDLER),
      timeout: Duration.minutes(2),
      memorySize: 512,
      logGroup,
      role,
      environment: { [POWERTOOLS_ENV.serviceName]: 'lok-importer' },
    });
    const hostKeys = new CustomResource(this, 'HostKeys', {
      serviceToken: handler.functionArn,
      resourceType: 'Custom::SftpHostKeys',
      properties: { ServerId: this.server.attrServerId },
    });
    for (const [type, name] of HOST_KEY_OUTPUTS) {
      const output = new CfnOutput(this, `HostKey${name}`, {
        value: hostKeys.getAttString(name),
        description: `SFTP host key ${type}: its fingerprint (what sftp shows on the first connection)`,
      });
      output.overrideLogicalId(`SftpHostKey${name}`);
    }
    return role;
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

/** Applies the removal policy to every CloudFormation resource in a construct's tree. */
function retainAll(scope: IConstruct, policy: RemovalPolicy): void {
  for (const child of scope.node.findAll()) if (child instanceof CfnResource) child.applyRemovalPolicy(policy);
}
