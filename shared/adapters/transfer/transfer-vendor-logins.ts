import {
  CreateUserCommand,
  DeleteSshPublicKeyCommand,
  UpdateUserCommand,
  DescribeUserCommand,
  ImportSshPublicKeyCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type TransferClient,
} from '@aws-sdk/client-transfer';
import type { LoginKey, VendorLogins } from '../../core/admin/vendor-login.js';

export interface TransferLoginSettings {
  readonly serverId: string;
  readonly bucket: string;
  /** The role every vendor's session assumes; its access is narrowed per vendor by the session policy. */
  readonly roleArn: string;
  /** The scope-down session policy, with `${transfer:UserName}` in it (defined once, in the CDK app). */
  readonly sessionPolicy: string;
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof ResourceNotFoundException || (error as { name?: string }).name === 'ResourceNotFoundException'
  );
}

/**
 * Vendors' SFTP logins as AWS Transfer Family service-managed users: one user per vendor, named by the vendor
 * id, with a logical home whose `/inbox` and `/outbox` are the vendor's prefixes in the bucket.
 */
export class TransferVendorLogins implements VendorLogins {
  /** An SFTP user name as Transfer Family takes it: 3 to 100 characters. */
  readonly loginName = {
    pattern: /^[A-Za-z0-9_][A-Za-z0-9_@.-]{2,99}$/,
    description: 'a vendor id of 3 or more characters for its SFTP login',
  };

  constructor(
    private readonly client: TransferClient,
    private readonly settings: TransferLoginSettings,
  ) {}

  async create(vendor: string, publicKey: string): Promise<'created' | 'exists'> {
    const { serverId, bucket, roleArn, sessionPolicy } = this.settings;
    const home = {
      ServerId: serverId,
      UserName: vendor,
      Role: roleArn,
      Policy: sessionPolicy,
      HomeDirectoryType: 'LOGICAL' as const,
      HomeDirectoryMappings: [
        { Entry: '/inbox', Target: `/${bucket}/inbox/${vendor}` },
        { Entry: '/outbox', Target: `/${bucket}/outbox/${vendor}` },
      ],
    };
    try {
      await this.client.send(
        new CreateUserCommand({ ...home, SshPublicKeyBody: publicKey, Tags: [{ Key: 'lok-vendor', Value: vendor }] }),
      );
      return 'created';
    } catch (error) {
      if (!(
        error instanceof ResourceExistsException || (error as { name?: string }).name === 'ResourceExistsException'
      ))
        throw error;
      // Onboarded before: the role, session policy and folders are brought to what this deployment defines.
      await this.client.send(new UpdateUserCommand(home));
      return 'exists';
    }
  }

  async keys(vendor: string): Promise<readonly LoginKey[] | undefined> {
    try {
      const { User } = await this.client.send(
        new DescribeUserCommand({ ServerId: this.settings.serverId, UserName: vendor }),
      );
      return (User?.SshPublicKeys ?? []).map((k) => ({
        id: k.SshPublicKeyId!,
        key: k.SshPublicKeyBody!.trim().split(/\s+/).slice(0, 2).join(' '),
      }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async addKey(vendor: string, publicKey: string): Promise<LoginKey> {
    const { SshPublicKeyId } = await this.client.send(
      new ImportSshPublicKeyCommand({
        ServerId: this.settings.serverId,
        UserName: vendor,
        SshPublicKeyBody: publicKey,
      }),
    );
    return { id: SshPublicKeyId!, key: publicKey };
  }

  async removeKey(vendor: string, keyId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteSshPublicKeyCommand({ ServerId: this.settings.serverId, UserName: vendor, SshPublicKeyId: keyId }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
