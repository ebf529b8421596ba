import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fingerprint,
  generateKeyPair,
  HOST_KEY_TYPES,
  publicKeyOf,
  type SshKeyType,
} from '../adapters/sftp/ssh-keys.js';

/** One of the endpoint's host keys, as local mode keeps it in `<keys>/host_<type>`. */
export interface HostKey {
  readonly type: SshKeyType;
  readonly privateKey: string;
  /** `<algorithm> <base64>`, as known_hosts holds it. */
  readonly publicKey: string;
  /** `SHA256:…`, as `sftp` shows it on a first connection. */
  readonly fingerprint: string;
}

/** A private key file kept with mode 0600, made on first use (an interrupted write leaves no half key). */
export function privateKeyFile(path: string, make: () => string): string {
  if (!existsSync(path)) {
    writeFileSync(`${path}.part`, make(), { mode: 0o600 });
    renameSync(`${path}.part`, path);
  }
  chmodSync(path, 0o600);
  return readFileSync(path, 'utf8');
}

/**
 * The endpoint's host keys, one of each type (ed25519, ECDSA, RSA), kept in the keys folder across restarts so a
 * client that trusted them once keeps trusting them.
 */
export function localHostKeys(keysDir: string): HostKey[] {
  return HOST_KEY_TYPES.map((type) => {
    const privateKey = privateKeyFile(join(keysDir, `host_${type}`), () => generateKeyPair(undefined, type).privateKey);
    const publicKey = publicKeyOf(privateKey);
    return { type, privateKey, publicKey, fingerprint: fingerprint(publicKey) };
  });
}

/** The host name a known_hosts line names an endpoint by: `[host]:port`, or the bare host on port 22. */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * Writes a known_hosts file naming the endpoint with every host key, so that `sftp -o UserKnownHostsFile=<file>`
 * (also under `-b`, where nothing can be asked) trusts it without a question. Rewritten on every start: the port may
 * differ from the last one.
 */
export function writeKnownHosts(path: string, host: string, port: number, keys: readonly HostKey[]): void {
  const name = knownHostsName(host, port);
  writeFileSync(`${path}.part`, keys.map((key) => `${name} ${key.publicKey}\n`).join(''));
  renameSync(`${path}.part`, path);
}
