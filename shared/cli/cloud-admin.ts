import { readFileSync, existsSync } from 'node:fs';
import type { AdminRequest } from '../core/admin/admin-request.js';
import type { AdminResult } from '../core/admin/admin-use-cases.js';
import { UsageError } from './usage-error.js';

export const CLOUD_OPTION = { cloud: { type: 'boolean' } } as const;

export const CLOUD_FLAG = `  --cloud             run it in the AWS deployment: the request goes to its admin function, named by
                      LOK_ADMIN_FUNCTION (the stack output AdminFunctionName); AWS credentials as usual`;

/** The admin function to send requests to, when --cloud is given. */
export function cloudTarget(flags: { cloud?: boolean | undefined }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!flags.cloud) return undefined;
  const name = env.LOK_ADMIN_FUNCTION;
  if (!name) throw new UsageError('--cloud needs LOK_ADMIN_FUNCTION: the admin function\'s name (stack output AdminFunctionName), e.g. export LOK_ADMIN_FUNCTION=LokImporter-prod-VendorAdminFunction…');
  return name;
}

/** A public key file's text, for the cloud (Transfer Family checks the key itself; a private key is refused here). */
export function publicKeyText(file: string): string {
  if (!existsSync(file)) throw new UsageError(`no such key file: ${file}`);
  const text = readFileSync(file, 'utf8').trim();
  if (text.includes('PRIVATE KEY')) throw new UsageError(`${file} is a private key: give the public key (.pub)`);
  return text;
}

/** Sends the request to the admin function (the SDK is loaded only for --cloud). */
export async function inCloud(functionName: string, request: AdminRequest): Promise<AdminResult<unknown>> {
  const { invokeAdminFunction } = await import('../adapters/aws-lambda/admin-function.js');
  process.stderr.write(`register: the AWS deployment's, through its admin function ${functionName}\n`);
  return invokeAdminFunction(functionName, request);
}
