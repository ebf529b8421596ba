import { timingSafeEqual } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader offers only its default export (named imports work in vitest, not in dist/).
const { utils } = ssh2;

/** What a client offers in a `publickey` authentication request. */
export interface OfferedKey {
  /** The public key blob in SSH wire format (it names its own type). */
  readonly data: Buffer;
  /** Absent when the client only asks whether the key would be accepted (no signature yet). */
  readonly signature?: Buffer;
  /** The data the signature covers (session id and request), present with the signature. */
  readonly blob?: Buffer;
  /** The hash the client signed with (RSA SHA-2), if any. */
  readonly hashAlgo?: string;
}

/** Compares two buffers in time independent of where they differ (and of the length of the wrong one). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  const lengthsDiffer = a.length !== b.length;
  const equal = timingSafeEqual(a, lengthsDiffer ? a : b);
  return equal && !lengthsDiffer;
}

function parsePublicKey(line: string): ParsedKey | undefined {
  const parsed = utils.parseKey(line.trim());
  if (parsed instanceof Error) return undefined;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key !== undefined && !key.isPrivateKey() ? key : undefined;
}

/**
 * Whether the offered key is one of the authorised keys (OpenSSH one-line format) and, when the client has signed,
 * whether the signature verifies with that authorised key. Every authorised key is compared (no early exit), each
 * with a timing-safe comparison; unparseable authorised lines are skipped. (The server checks an unknown user
 * against a decoy key, so that refusing one does the same work.)
 */
export function isAuthorisedKey(offered: OfferedKey, authorised: readonly string[]): boolean {
  let match: ParsedKey | undefined;
  for (const line of authorised) {
    const key = parsePublicKey(line);
    if (key === undefined) continue;
    if (sameBytes(key.getPublicSSH(), offered.data) && match === undefined) match = key;
  }
  if (match === undefined) return false;
  if (offered.signature === undefined) return true;
  if (offered.blob === undefined) return false;
  return match.verify(offered.blob, offered.signature, offered.hashAlgo) === true;
}
