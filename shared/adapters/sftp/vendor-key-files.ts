import ssh2 from 'ssh2';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isVendorId } from '../../core/admin/register-id.js';

/** A public key as one OpenSSH line, or a reason why it is not one (never a private key: refused). */
export function publicKeyLine(text: string): { ok: true; line: string } | { ok: false; reason: string } {
  if (text.includes('PRIVATE KEY')) return { ok: false, reason: 'that is a private key: give the .pub file' };
  const line = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined) return { ok: false, reason: 'the file holds no key' };
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error) return { ok: false, reason: `not an OpenSSH public key (${parsed.message})` };
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.isPrivateKey()) return { ok: false, reason: 'that is a private key: give the .pub file' };
  return { ok: true, line };
}

/**
 * Local mode's authorised keys: `<dir>/<vendor>.pub`, one key per line, read by the SFTP endpoint on every
 * login. `add` appends a key (a vendor may hold two during a rotation), `replace` leaves only the new one.
 */
export class VendorKeyFiles {
  constructor(private readonly dir: string) {}

  private pathOf(vendor: string): string {
    if (!isVendorId(vendor)) throw new Error(`not a vendor id: ${vendor}`);
    return join(this.dir, `${vendor}.pub`);
  }

  /** Whether the vendor has a key file (a login), keys in it or not. */
  exists(vendor: string): boolean {
    return existsSync(this.pathOf(vendor));
  }

  keys(vendor: string): string[] {
    const path = this.pathOf(vendor);
    return existsSync(path)
      ? readFileSync(path, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#'))
      : [];
  }

  add(vendor: string, line: string): void {
    const keys = this.keys(vendor);
    if (!keys.includes(line)) this.write(vendor, [...keys, line]);
  }

  replace(vendor: string, line: string): void {
    this.write(vendor, [line]);
  }

  /** Every line of the vendor's for which `drop` holds removed, the others kept. */
  remove(vendor: string, drop: (line: string) => boolean): void {
    this.write(
      vendor,
      this.keys(vendor).filter((line) => !drop(line)),
    );
  }

  private write(vendor: string, lines: readonly string[]): void {
    const path = this.pathOf(vendor);
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(`${path}.part`, `${lines.join('\n')}\n`);
    renameSync(`${path}.part`, path);
  }
}
