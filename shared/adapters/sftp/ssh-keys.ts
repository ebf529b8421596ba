import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader offers only its default export (named imports work in vitest, not in dist/).
const { utils } = ssh2;

export interface SshKeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`), unencrypted: write it with file mode 0600. */
  readonly privateKey: string;
  /** OpenSSH one-line public key (`ssh-ed25519 AAAA… comment`), as an authorised key. */
  readonly publicKey: string;
}

/**
 * The key types an endpoint offers as host keys, newest first: ed25519 for today's clients, ECDSA and RSA for the
 * older ones vendors still run (JSch 0.1.5x knows no ed25519: "Algorithm negotiation fail" against ed25519 alone).
 */
export const HOST_KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
export type SshKeyType = (typeof HOST_KEY_TYPES)[number];

/** ECDSA on P-256 (what every client knows); RSA at 3072 bits (OpenSSH's default). */
const KEY_OPTIONS: Record<SshKeyType, { bits?: number }> = { ed25519: {}, ecdsa: { bits: 256 }, rsa: { bits: 3072 } };

/**
 * A fresh key pair in OpenSSH formats (ed25519 unless told): a vendor's login key or one of the endpoint's host
 * keys. ssh2 1.17 now and then writes a private key its own parser refuses ("Malformed OpenSSH private key": 17 of
 * 3 000 ed25519 keys here), which failed local mode's start and two tests at random: a pair is kept only once ssh2
 * can read it back.
 */
export function generateKeyPair(comment?: string, type: SshKeyType = 'ed25519'): SshKeyPair {
  for (let attempt = 1; ; attempt++) {
    const keys = utils.generateKeyPairSync(type, {
      ...KEY_OPTIONS[type],
      ...(comment === undefined ? {} : { comment }),
    });
    if (!(utils.parseKey(keys.private) instanceof Error)) return { privateKey: keys.private, publicKey: keys.public };
    if (attempt === 10) throw new Error(`ssh2 wrote 10 ${type} keys in a row that it cannot read back`);
  }
}

/** The public half of a private key, as one OpenSSH line (`<type> <base64>`). */
export function publicKeyOf(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error)
    throw new Error(`not a private key: ${key instanceof Error ? key.message : 'empty'}`);
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

/** A public key's fingerprint as OpenSSH shows it (`ssh-keygen -l`, the first connection): `SHA256:` and base64. */
export function fingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
