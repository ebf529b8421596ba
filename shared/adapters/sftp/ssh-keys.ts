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
 * A fresh ed25519 key pair in OpenSSH formats: a vendor's login key or the endpoint's host key. ssh2 1.17 now and
 * then writes a private key its own parser refuses ("Malformed OpenSSH private key": 17 of 3 000 here), which
 * failed local mode's start and two tests at random: a pair is kept only once ssh2 can read it back.
 */
export function generateKeyPair(comment?: string): SshKeyPair {
  for (let attempt = 1; ; attempt++) {
    const keys = utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment });
    if (!(utils.parseKey(keys.private) instanceof Error)) return { privateKey: keys.private, publicKey: keys.public };
    if (attempt === 10) throw new Error('ssh2 wrote 10 ed25519 keys in a row that it cannot read back');
  }
}
