import { messageFor } from '../errors/codes.js';
import type { AdminResult } from './admin-use-cases.js';
import type { RegisterAdminStore } from './register-admin.js';

/** One of a vendor's authorised SSH public keys, as the SFTP endpoint knows it. */
export interface LoginKey {
  readonly id: string;
  /** `ssh-ed25519 AAAA…` (type and base64 body; no comment). */
  readonly key: string;
}

/**
 * The port to where vendors' SFTP logins live: AWS Transfer Family users in the cloud, local mode's authorised-keys
 * files on this machine. A login is the vendor's folder (inbox, outbox) and its public keys; it has no password.
 */
export interface VendorLogins {
  /** The vendor ids the endpoint can name a login after, and how to say so; any vendor id when absent. */
  readonly loginName?: { readonly pattern: RegExp; readonly description: string };
  /** Creates the vendor's login with one key; `exists` (and nothing changed) when it has one already. */
  create(vendor: string, publicKey: string): Promise<'created' | 'exists'>;
  /** The login's keys, or undefined when the vendor has no login. */
  keys(vendor: string): Promise<readonly LoginKey[] | undefined>;
  addKey(vendor: string, publicKey: string): Promise<LoginKey>;
  removeKey(vendor: string, keyId: string): Promise<void>;
}

const PUBLIC_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa|rsa-sha2-(256|512)) [A-Za-z0-9+/]+=*(\s.*)?$/;

function fail<T>(code: 'UNKNOWN_VENDOR' | 'INVALID_ADMIN_INPUT', detail: string): AdminResult<T> {
  return { ok: false, error: { code, message: messageFor(code, detail) } };
}

/** The key's type and body: a comment (often an e-mail address) is not kept. */
function keyOf(text: string): string | undefined {
  const line = text.trim();
  if (!PUBLIC_KEY.test(line) || line.includes('PRIVATE KEY')) return undefined;
  return line.split(/\s+/).slice(0, 2).join(' ');
}

/**
 * Gives a vendor of the register its SFTP login with the key (onboarding). A login there already gets the key
 * if it lacks it: a disabled vendor (its keys removed) is opened again; with the key, again changes nothing.
 */
export async function openLogin(
  store: RegisterAdminStore,
  logins: VendorLogins,
  vendor: string,
  publicKey: string,
): Promise<AdminResult<'created' | 'exists'>> {
  const key = keyOf(publicKey);
  if (!key) return fail('INVALID_ADMIN_INPUT', 'an SSH public key (ssh-ed25519 AAAA…)');
  if (logins.loginName && !logins.loginName.pattern.test(vendor))
    return fail('INVALID_ADMIN_INPUT', logins.loginName.description);
  if (!(await store.vendor(vendor))) return fail('UNKNOWN_VENDOR', vendor);
  const outcome = await logins.create(vendor, key);
  if (outcome === 'exists' && !((await logins.keys(vendor)) ?? []).some((k) => k.key === key))
    await logins.addKey(vendor, key);
  return { ok: true, value: outcome };
}

/**
 * Rotates a vendor's key: the new key is added, then (unless `keepOld`, for a vendor switching over at its own
 * pace) every other key removed. Adding first means the vendor is never without a working key.
 */
export async function rotateLoginKey(
  logins: VendorLogins,
  vendor: string,
  publicKey: string,
  keepOld: boolean,
): Promise<AdminResult<{ readonly added: string; readonly removed: readonly string[] }>> {
  const key = keyOf(publicKey);
  if (!key) return fail('INVALID_ADMIN_INPUT', 'an SSH public key (ssh-ed25519 AAAA…)');
  const before = await logins.keys(vendor);
  if (!before) return fail('UNKNOWN_VENDOR', vendor);
  const existing = before.find((k) => k.key === key);
  const added = existing ?? (await logins.addKey(vendor, key));
  const removed = keepOld ? [] : before.filter((k) => k.id !== added.id).map((k) => k.id);
  for (const id of removed) await logins.removeKey(vendor, id);
  return { ok: true, value: { added: added.id, removed } };
}

/** Shuts a vendor out of the SFTP endpoint (its keys removed); its data stays. Onboarding a key opens it again. */
export async function disableLogin(
  logins: VendorLogins,
  vendor: string,
): Promise<AdminResult<{ readonly removed: readonly string[] }>> {
  const keys = await logins.keys(vendor);
  if (!keys) return fail('UNKNOWN_VENDOR', vendor);
  for (const { id } of keys) await logins.removeKey(vendor, id);
  return { ok: true, value: { removed: keys.map((k) => k.id) } };
}
