import { ImportHostKeyCommand, ListHostKeysCommand, type ListedHostKey } from '@aws-sdk/client-transfer';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_KEY_OUTPUTS, HOST_KEYS_HANDLER } from '../cdk/constructs/sftp-endpoint.js';
import { fingerprint, publicKeyOf } from '../shared/adapters/sftp/ssh-keys.js';
import { stagesFrom } from '../cdk/config.js';
import { ImporterStack } from '../cdk/importer-stack.js';
import { STAGES, synthApp, synthStages } from './support/cdk-app.js';

interface HandlerModule {
  privateKey(type: string): string;
  ensureHostKeys(
    client: { send(command: unknown): Promise<unknown> },
    serverId: string,
  ): Promise<Record<string, string>>;
  handler(event: Record<string, unknown>): Promise<void>;
}

/** The inline handler as Lambda runs it (CommonJS, `require` resolving the SDK this repository has). */
function handlerModule(): HandlerModule {
  const exports = {} as HandlerModule;
  new Function('require', 'exports', HOST_KEYS_HANDLER)(createRequire(import.meta.url), exports);
  return exports;
}

/** Transfer Family's host keys of one server, as ListHostKeys and ImportHostKey see them (this test's stand-in). */
class FakeTransfer {
  readonly keys: ListedHostKey[] = [];
  readonly imported: string[] = [];
  constructor(private readonly serverId: string) {}

  add(privateKey: string, when: Date): void {
    const publicKey = publicKeyOf(privateKey);
    this.keys.push({
      Arn: `arn:host-key/${this.keys.length}`,
      HostKeyId: `hostkey-${this.keys.length}`,
      Type: publicKey.split(' ')[0],
      Fingerprint: fingerprint(publicKey),
      DateImported: when,
    });
  }

  send(command: unknown): Promise<unknown> {
    if (command instanceof ListHostKeysCommand) {
      expect(command.input.ServerId).toBe(this.serverId);
      return Promise.resolve({ HostKeys: [...this.keys].reverse() });
    }
    if (command instanceof ImportHostKeyCommand) {
      expect(command.input.ServerId).toBe(this.serverId);
      this.imported.push(command.input.HostKeyBody!);
      this.add(command.input.HostKeyBody!, new Date(Date.UTC(2026, 11, this.keys.length + 1)));
      return Promise.resolve({ HostKeyId: `hostkey-${this.keys.length}` });
    }
    return Promise.reject(new Error('not a host key command'));
  }
}

describe('the cloud SFTP endpoint (synthesized template)', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(synthApp().stacks.test);
  });

  it('answers SETSTAT with OK (S3 keeps no attributes): clients that set the modification time after an upload succeed', () => {
    template.hasResourceProperties('AWS::Transfer::Server', { ProtocolDetails: { SetStatOption: 'ENABLE_NO_OP' } });
  });

  it('keeps host keys of the three types with the server through its custom resource, and outputs their fingerprints', () => {
    const [serverId] = Object.keys(template.findResources('AWS::Transfer::Server'));
    const hostKeys = Object.entries(template.findResources('Custom::SftpHostKeys'));
    expect(hostKeys).toHaveLength(1);
    const [hostKeysId, resource] = hostKeys[0]!;
    const properties = resource.Properties as { ServiceToken: { 'Fn::GetAtt': [string, string] }; ServerId: unknown };
    expect(properties.ServerId).toEqual({ 'Fn::GetAtt': [serverId, 'ServerId'] });
    const functionId = properties.ServiceToken['Fn::GetAtt'][0];
    const fn = template.findResources('AWS::Lambda::Function')[functionId]!.Properties as {
      Code: { ZipFile: string };
      Role: { 'Fn::GetAtt': [string, string] };
      Runtime: string;
    };
    expect(fn.Code.ZipFile).toBe(HOST_KEYS_HANDLER);
    expect(fn.Runtime).toBe('nodejs24.x');
    // Its role may list and import host keys of this server, nothing else.
    const roleId = fn.Role['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties).includes(`"${roleId}"`),
    );
    const transfer = policies
      .flatMap(
        (p) =>
          (p.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } })
            .PolicyDocument.Statement,
      )
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('transfer:')));
    expect(transfer).toEqual([
      {
        Action: ['transfer:ListHostKeys', 'transfer:ImportHostKey'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [serverId, 'Arn'] },
      },
    ]);
    const outputs = template.findOutputs('*');
    for (const [, name] of HOST_KEY_OUTPUTS) {
      expect(outputs[`SftpHostKey${name}`]?.Value).toEqual({ 'Fn::GetAtt': [hostKeysId, name] });
    }
  });
});

describe('the host keys handler (the inline code the template carries)', () => {
  const module = handlerModule();
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'lok-host-keys-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(HOST_KEY_OUTPUTS.map(([type]) => type))(
    'makes a %s private key that ssh2 and ssh-keygen read, of that type',
    (type) => {
      const key = module.privateKey(type);
      expect(publicKeyOf(key).split(' ')[0]).toBe(type);
      const file = join(work, type);
      writeFileSync(file, key, { mode: 0o600 });
      const derived = spawnSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
      expect(derived.status, derived.stderr).toBe(0);
      expect(derived.stdout.trim().split(' ').slice(0, 2).join(' ')).toBe(publicKeyOf(key));
    },
  );

  it('imports only the types the server lacks (its own RSA key stays), answers every fingerprint, and imports nothing the second time', async () => {
    const transfer = new FakeTransfer('s-1234');
    transfer.add(module.privateKey('ssh-rsa'), new Date(Date.UTC(2026, 0, 1)));
    const serversRsa = transfer.keys[0]!.Fingerprint;
    const first = await module.ensureHostKeys(transfer, 's-1234');
    expect(transfer.imported.map((key) => publicKeyOf(key).split(' ')[0])).toEqual([
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
    ]);
    expect(first).toEqual({
      Ed25519: fingerprint(publicKeyOf(transfer.imported[0]!)),
      Ecdsa: fingerprint(publicKeyOf(transfer.imported[1]!)),
      Rsa: serversRsa,
    });
    expect(await module.ensureHostKeys(transfer, 's-1234')).toEqual(first);
    expect(transfer.imported).toHaveLength(2);
  });

  it('answers CloudFormation on Delete without touching the server (the keys go with it)', async () => {
    const answers: Record<string, unknown>[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (d: Buffer) => {
        body += d.toString('utf8');
      });
      request.on('end', () => {
        answers.push({ method: request.method, ...(JSON.parse(body) as Record<string, unknown>) });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
      await module.handler({
        RequestType: 'Delete',
        ResponseURL: url,
        PhysicalResourceId: 's-1234-host-keys',
        StackId: 'stack',
        RequestId: 'request',
        LogicalResourceId: 'HostKeys',
        ResourceProperties: { ServerId: 's-1234' },
      });
      expect(answers).toEqual([
        {
          method: 'PUT',
          Status: 'SUCCESS',
          Reason: 'host keys in place',
          PhysicalResourceId: 's-1234-host-keys',
          StackId: 'stack',
          RequestId: 'request',
          LogicalResourceId: 'HostKeys',
          Data: {},
        },
      ]);
    } finally {
      server.close();
    }
  });
});

// Issue 15: the production server retained with its host keys; an option for fixed addresses and an allow-list of
// the vendors' networks; a custom host name.
describe('the cloud SFTP endpoint: retained, fixed addresses, allow-list, host name', () => {
  const VENDOR_NETWORKS = ['203.0.113.0/24', '198.51.100.16/28'];

  function stackWith(kind: 'test' | 'production', sftp: unknown): ImporterStack {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const settings = { ...(kind === 'test' ? STAGES.test : STAGES.prod), sftp };
    const [stage] = stagesFrom({ [kind === 'test' ? 'test' : 'prod']: settings });
    return new ImporterStack(app, `Sftp-${kind}`, { stage: stage!, env: { region: 'eu-north-1' } });
  }

  const servers = (template: Template) => Object.values(template.findResources('AWS::Transfer::Server'));

  it("keeps the production server (its users and host keys) when the stack goes; a test stage's goes with it", () => {
    const { test, prod } = synthStages();
    expect(servers(prod)).toEqual([
      expect.objectContaining({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }),
    ]);
    expect(servers(test)).toEqual([expect.objectContaining({ DeletionPolicy: 'Delete' })]);
    // The host keys are the server's own (imported into it): no resource of their own to lose.
    expect(Object.keys(prod.findResources('Custom::SftpHostKeys'))).toHaveLength(1);
    expect(servers(prod)[0]!.Properties).toMatchObject({ EndpointType: 'PUBLIC' });
  });

  it("a VPC endpoint: one fixed address per zone, port 22 from the vendors' networks only, all of it retained in production", () => {
    const stack = stackWith('production', {
      endpoint: 'vpc',
      allowedCidrs: VENDOR_NETWORKS,
      hostName: 'sftp.lok.example.se',
    });
    const template = Template.fromStack(stack);
    const [server] = servers(template);
    expect(server!.Properties).toMatchObject({ EndpointType: 'VPC' });
    const details = (
      server!.Properties as {
        EndpointDetails: { AddressAllocationIds: unknown[]; SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      }
    ).EndpointDetails;
    expect(details.AddressAllocationIds).toHaveLength(2);
    expect(details.SubnetIds).toHaveLength(2);
    const eips = template.findResources('AWS::EC2::EIP');
    expect(Object.values(eips).map((eip) => eip.DeletionPolicy)).toEqual(['Retain', 'Retain']);
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    const allowList = Object.values(groups).find((group) =>
      String((group.Properties as { GroupDescription: string }).GroupDescription).includes('allowedCidrs'),
    )!;
    const ingress = (
      allowList.Properties as {
        SecurityGroupIngress: { CidrIp: string; FromPort: number; ToPort: number; IpProtocol: string }[];
      }
    ).SecurityGroupIngress;
    expect(ingress.map((rule) => [rule.CidrIp, rule.IpProtocol, rule.FromPort, rule.ToPort])).toEqual(
      VENDOR_NETWORKS.map((cidr) => [cidr, 'tcp', 22, 22]),
    );
    expect(template.findResources('AWS::EC2::SecurityGroupIngress')).toEqual({});
    expect(Object.keys(template.findResources('AWS::EC2::NatGateway'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::EC2::FlowLog'))).toHaveLength(1);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['SftpAddress1', 'SftpAddress2', 'SftpHostName']));
    expect(outputs.SftpHostName!.Value).toBe('sftp.lok.example.se');
    expect((server!.Properties as { Tags: { Key: string; Value: string }[] }).Tags).toEqual(
      expect.arrayContaining([{ Key: 'aws:transfer:customHostname', Value: 'sftp.lok.example.se' }]),
    );
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('refuses settings that would open the endpoint to everyone or to no one, and misspelt ones', () => {
    const refused: [unknown, RegExp][] = [
      [{ endpoint: 'vpc' }, /needs the vendors' networks/],
      [{ endpoint: 'vpc', allowedCidrs: ['0.0.0.0/0'] }, /not 0\.0\.0\.0\/0/],
      [{ endpoint: 'vpc', allowedCidrs: ['203.0.113.7/24'] }, /IPv4 networks/],
      [{ endpoint: 'public', allowedCidrs: VENDOR_NETWORKS }, /needs sftp.endpoint "vpc"/],
      [{ endpoint: 'private' }, /"public" or "vpc"/],
      [{ endpoint: 'vpc', allowedCidrs: VENDOR_NETWORKS, zones: 4 }, /zones/],
      [{ hostName: 'not a name' }, /DNS name/],
      [{ allowList: VENDOR_NETWORKS }, /unknown sftp setting allowList/],
    ];
    for (const [sftp, message] of refused)
      expect(() => stagesFrom({ prod: { ...STAGES.prod, sftp } }), JSON.stringify(sftp)).toThrow(message);
    expect(stagesFrom({ prod: { ...STAGES.prod } })[0]!.sftp).toEqual({
      endpoint: 'public',
      allowedCidrs: [],
      zones: 2,
    });
  });
});
