import { readFileSync, existsSync } from 'node:fs';
import { systemClock } from '../adapters/clock/system-clock.js';
import { DiskUploadFiles } from '../adapters/local-disk/disk-upload-files.js';
import { FileVendorLogins } from '../adapters/sftp/file-vendor-logins.js';
import { publicKeyLine, VendorKeyFiles } from '../adapters/sftp/vendor-key-files.js';
import type { AdminPorts } from '../core/admin/admin-dispatch.js';
import type { AdminRequest } from '../core/admin/admin-request.js';
import type { AdminResult } from '../core/admin/admin-use-cases.js';
import { queryRefusal, type QuerySubject } from '../core/queries/query-refusal.js';
import { answerAdminRequest } from './admin-requests.js';
import { identityKey, storeSettings, withRegister, type Register, type StoreSettings } from './register-config.js';
import { UsageError } from './usage-error.js';

export const CLOUD_OPTION = { cloud: { type: 'boolean' } } as const;

export const CLOUD_FLAG = `  --cloud             run it in the AWS deployment: the request goes to its admin function, named by
                      LOK_ADMIN_FUNCTION (the stack output AdminFunctionName); AWS credentials as usual`;

/**
 * Where an admin command's request is answered: by the AWS deployment's admin function (--cloud), else on the
 * configured register (register-config.ts) by the same dispatcher (admin-requests.ts).
 */
export type AdminTarget =
  | { readonly kind: 'cloud'; readonly functionName: string }
  | { readonly kind: 'register'; readonly settings: StoreSettings };

/** The admin function to send requests to, when --cloud is given. */
export function cloudTarget(
  flags: { cloud?: boolean | undefined },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (!flags.cloud) return undefined;
  const name = env.LOK_ADMIN_FUNCTION;
  if (!name)
    throw new UsageError(
      "--cloud needs LOK_ADMIN_FUNCTION: the admin function's name (stack output AdminFunctionName), e.g. export LOK_ADMIN_FUNCTION=LokImporter-prod-VendorAdminFunction…",
    );
  return name;
}

type TargetFlags = { cloud?: boolean | undefined; endpoint?: string | undefined; table?: string | undefined };

export function adminTarget(flags: TargetFlags): AdminTarget {
  const functionName = cloudTarget(flags);
  return functionName !== undefined
    ? { kind: 'cloud', functionName }
    : { kind: 'register', settings: storeSettings(flags) };
}

/** What a vendor's SFTP login is, where the target keeps it. */
export function loginKind(target: AdminTarget): string {
  return target.kind === 'cloud' ? 'Transfer Family user' : 'SFTP user';
}

/** Local mode's SFTP endpoint's authorised keys, which a key command needs (`doing`: what it would do there). */
export function sftpKeysDir(settings: StoreSettings, doing: string): string {
  if (settings.vendorKeysDir === undefined) throw new UsageError(`no SFTP endpoint to ${doing}`);
  return settings.vendorKeysDir;
}

const GIVE_KEY = 'give the key to: start local mode (npm start) or set LOK_SFTP_KEYS_DIR';

/**
 * A vendor's public key from FILE, for the target: in the cloud its text (Transfer Family checks the key itself;
 * a private key is refused here); on this machine one OpenSSH line, checked, for local mode's endpoint.
 */
export function publicKeyOf(target: AdminTarget, file: string): string {
  if (target.kind === 'register') sftpKeysDir(target.settings, GIVE_KEY);
  if (!existsSync(file)) throw new UsageError(`no such key file: ${file}`);
  const text = readFileSync(file, 'utf8');
  if (target.kind === 'cloud') {
    if (text.includes('PRIVATE KEY')) throw new UsageError(`${file} is a private key: give the public key (.pub)`);
    return text.trim();
  }
  const key = publicKeyLine(text);
  if (!key.ok) throw new UsageError(`${file}: ${key.reason}`);
  return key.line;
}

/** The admin requests' ports on the configured register: local mode's endpoint's logins, its objects folder. */
function registerPorts(register: Register): AdminPorts {
  const { settings } = register;
  return {
    admin: register.admin,
    logins: () => new FileVendorLogins(new VendorKeyFiles(sftpKeysDir(settings, GIVE_KEY)), register.admin),
    applications: () => ({ store: register.store, applications: register.applications }),
    status: () => ({ store: register.store, vendors: register.admin, files: new DiskUploadFiles(settings.objectsDir) }),
    erasure: async () => ({ ports: register.ports(identityKey(settings)), privacy: register.privacy }),
    clock: systemClock,
  };
}

export interface RegisterOptions {
  /** vendor add, club add: at an explicit endpoint the table is created when missing. */
  readonly createTable?: boolean;
  /** What the register must know before it is asked (as the queries refuse an unknown club: queryRefusal). */
  readonly subject?: QuerySubject;
}

/** Sends the request to the admin function (the SDK is loaded only for --cloud). */
async function inCloud(functionName: string, request: AdminRequest): Promise<AdminResult<unknown>> {
  const { invokeAdminFunction } = await import('../adapters/aws-lambda/admin-function.js');
  process.stderr.write(`register: the AWS deployment's, through its admin function ${functionName}\n`);
  return invokeAdminFunction(functionName, request);
}

/** The request answered at the target: by the admin function, or on the configured register by the same dispatcher. */
export async function answerAt(
  target: AdminTarget,
  request: AdminRequest,
  options: RegisterOptions = {},
): Promise<AdminResult<unknown>> {
  if (target.kind === 'cloud') return inCloud(target.functionName, request);
  return withRegister(
    target.settings,
    async (register) => {
      const refusal =
        options.subject && (await queryRefusal({ store: register.store, vendors: register.admin }, options.subject));
      return refusal ? { ok: false, error: refusal } : answerAdminRequest(registerPorts(register), request);
    },
    { createTable: options.createTable === true },
  );
}
