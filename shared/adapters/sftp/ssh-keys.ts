import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader offers only its default export (named imports work in vitest, not in dist/).
const { utils } = ssh2;

export interface SshKeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`), unencrypted: write it with file mode 0600. */
  readonly privateKey: string;
  /** OpenSSH one-line public key (`ssh-ed25519 AAAA… comment`), as an authorised key. */
  readonly publicKey: string;
}

/** A fresh ed25519 key pair in OpenSSH formats: a vendor's login key or the endpoint's host key. */
export function generateKeyPair(comment?: string): SshKeyPair {
  const keys = utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment });
  return { privateKey: keys.private, publicKey: keys.public };
}
