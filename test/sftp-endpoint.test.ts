import { ImportHostKeyCommand, ListHostKeysCommand, type ListedHostKey } from '@aws-sdk/client-transfer';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_KEY_OUTPUTS, HOST_KEYS_HANDLER } from '../cdk/constructs/sftp-endpoint.js';
import { fingerprint, publicKeyOf } from '../shared/adapters/sftp/ssh-keys.js';
import { synthApp } from './support/cdk-app.js';

interface HandlerModule {
  privateKey(type: string): string;
  ensureHostKeys(client: { send(command: unknown): Promise<unknown> }, serverId: string): Promise<Record<string, string>>;
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
    this.keys.push({ Arn: `arn:host-key/${this.keys.length}`, HostKeyId: `hostkey-${this.keys.length}`, Type: publicKey.split(' ')[0], Fingerprint: fingerprint(publicKey), DateImported: when });
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
    const fn = template.findResources('AWS::Lambda::Function')[functionId]!.Properties as { Code: { ZipFile: string }; Role: { 'Fn::GetAtt': [string, string] }; Runtime: string };
    expect(fn.Code.ZipFile).toBe(HOST_KEYS_HANDLER);
    expect(fn.Runtime).toBe('nodejs24.x');
    // Its role may list and import host keys of this server, nothing else.
    const roleId = fn.Role['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties).includes(`"${roleId}"`));
    const transfer = policies.flatMap((p) => (p.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('transfer:')));
    expect(transfer).toEqual([{ Action: ['transfer:ListHostKeys', 'transfer:ImportHostKey'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [serverId, 'Arn'] } }]);
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

  it.each(HOST_KEY_OUTPUTS.map(([type]) => type))('makes a %s private key that ssh2 and ssh-keygen read, of that type', (type) => {
    const key = module.privateKey(type);
    expect(publicKeyOf(key).split(' ')[0]).toBe(type);
    const file = join(work, type);
    writeFileSync(file, key, { mode: 0o600 });
    const derived = spawnSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' });
    expect(derived.status, derived.stderr).toBe(0);
    expect(derived.stdout.trim().split(' ').slice(0, 2).join(' ')).toBe(publicKeyOf(key));
  });

  it('imports only the types the server lacks (its own RSA key stays), answers every fingerprint, and imports nothing the second time', async () => {
    const transfer = new FakeTransfer('s-1234');
    transfer.add(module.privateKey('ssh-rsa'), new Date(Date.UTC(2026, 0, 1)));
    const serversRsa = transfer.keys[0]!.Fingerprint;
    const first = await module.ensureHostKeys(transfer, 's-1234');
    expect(transfer.imported.map((key) => publicKeyOf(key).split(' ')[0])).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
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
      request.on('data', (d: Buffer) => { body += d.toString('utf8'); });
      request.on('end', () => {
        answers.push({ method: request.method, ...(JSON.parse(body) as Record<string, unknown>) });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
      await module.handler({ RequestType: 'Delete', ResponseURL: url, PhysicalResourceId: 's-1234-host-keys', StackId: 'stack', RequestId: 'request', LogicalResourceId: 'HostKeys', ResourceProperties: { ServerId: 's-1234' } });
      expect(answers).toEqual([{ method: 'PUT', Status: 'SUCCESS', Reason: 'host keys in place', PhysicalResourceId: 's-1234-host-keys', StackId: 'stack', RequestId: 'request', LogicalResourceId: 'HostKeys', Data: {} }]);
    } finally {
      server.close();
    }
  });
});
