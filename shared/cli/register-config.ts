import {
  DynamoDBClient, ResourceNotFoundException, type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HmacHasher } from '../adapters/crypto/hmac-hasher.js';
import { DynamoDbRegisterAdmin } from '../adapters/dynamodb/register-admin-dynamodb.js';
import { DynamoDbRegisterStore } from '../adapters/dynamodb/register-store-dynamodb.js';
import { ensureTable } from '../adapters/dynamodb/ensure-table.js';
import { DiskObjectStore } from '../adapters/local-disk/object-store.js';
import type { PipelinePorts } from '../core/pipeline/ports.js';
import { StoreUnavailable } from './store-unavailable.js';
import { UsageError } from './usage-error.js';

/**
 * The "configured store" of the pipeline commands: the register table on DynamoDB (DynamoDB Local, or AWS),
 * the identity hash key and the object store folder, from environment variables and the --endpoint and
 * --table flags. Every pipeline command's --help ends with STORE_HELP.
 */

export const STORE_HELP = `Where the register is (environment variables; --endpoint and --table override the first two):
  LOK_DYNAMODB_ENDPOINT  DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local; the table is created
                         there when missing. Unset: AWS, with the SDK's default credentials chain and region.
  LOK_REGISTER_TABLE     the register table (default register)
  LOK_IDENTITY_KEY       the HMAC key persons are looked up by, at least 32 bytes (import needs it; keep it:
                         another key does not find the persons stored with this one)
  LOK_OBJECTS_DIR        folder for staged results and receipts (default .local/objects)
  LOK_SFTP_KEYS_DIR      folder of the SFTP endpoint's authorised keys (vendor add --key, vendor key rotate)
  (none of these set)    a running local mode (npm start) is used: .local/runtime.json, or under LOK_LOCAL_DIR
  AWS_REGION             default eu-north-1 when an endpoint is given; with an endpoint and no AWS credentials
                         in the environment, dummy credentials are used (DynamoDB Local accepts any)
`;

/** The lines of a command's --help for the flags every pipeline command accepts (and --help). */
export const STORE_FLAGS = `  --endpoint URL      DynamoDB endpoint (overrides LOK_DYNAMODB_ENDPOINT)
  --table NAME        register table (overrides LOK_REGISTER_TABLE)
  -h, --help          this text`;

/** The flags every pipeline command accepts (spread into parseArgs's options). */
export const STORE_OPTIONS = {
  endpoint: { type: 'string' },
  table: { type: 'string' },
} as const;

export interface StoreSettings {
  /** DynamoDB endpoint (DynamoDB Local); AWS's own when absent. */
  readonly endpoint?: string;
  readonly table: string;
  readonly objectsDir: string;
  readonly client: DynamoDBClientConfig;
  /** Set when the store is a running local mode: its config holds the identity key. */
  readonly localConfigFile?: string;
  /** Where the SFTP endpoint's authorised keys are (local mode's, or LOK_SFTP_KEYS_DIR). */
  readonly vendorKeysDir?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const MIN_KEY_BYTES = 32;

/** Reads the settings; a malformed endpoint or table name is a usage error. */
export function storeSettings(flags: { endpoint?: string | undefined; table?: string | undefined }, env: Env = process.env): StoreSettings {
  const explicit = nonEmpty(flags.endpoint) ?? nonEmpty(env.LOK_DYNAMODB_ENDPOINT);
  // Nothing configured: a running local mode (`npm start`) is the store, as its runtime file says.
  const local = explicit === undefined ? runningLocalMode(env) : undefined;
  const endpoint = explicit ?? local?.endpoint;
  const table = nonEmpty(flags.table) ?? nonEmpty(env.LOK_REGISTER_TABLE) ?? local?.table ?? 'register';
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    throw new UsageError(`the DynamoDB endpoint must be an http(s) URL such as http://127.0.0.1:8000, got ${endpoint}`);
  }
  if (!TABLE_NAME.test(table)) throw new UsageError(`the table name must be 3–255 letters, digits, _ . or -, got ${table}`);
  const client: DynamoDBClientConfig = endpoint === undefined ? {} : {
    endpoint,
    region: nonEmpty(env.AWS_REGION) ?? 'eu-north-1',
    // DynamoDB Local accepts any credentials; the SDK's chain would otherwise fail on a machine without any.
    ...(hasCredentials(env) ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
  return {
    ...(endpoint !== undefined ? { endpoint } : {}), table, objectsDir: nonEmpty(env.LOK_OBJECTS_DIR) ?? local?.objectsDir ?? '.local/objects', client,
    ...(local ? { localConfigFile: local.configFile } : {}),
    ...(nonEmpty(env.LOK_SFTP_KEYS_DIR) ?? local?.vendorKeysDir ? { vendorKeysDir: nonEmpty(env.LOK_SFTP_KEYS_DIR) ?? local!.vendorKeysDir } : {}),
  };
}

/** The running local mode's runtime file (`.local/runtime.json`, or under LOK_LOCAL_DIR), if its process lives. */
function runningLocalMode(env: Env): { endpoint: string; table: string; objectsDir: string; configFile: string; vendorKeysDir: string } | undefined {
  const dir = nonEmpty(env.LOK_LOCAL_DIR) ?? '.local';
  const path = join(dir, 'runtime.json');
  if (!existsSync(path)) return undefined;
  try {
    const runtime = JSON.parse(readFileSync(path, 'utf8')) as { endpoint: string; table: string; objectsDir: string; vendorKeysDir: string; pid: number };
    process.kill(runtime.pid, 0);
    return { endpoint: runtime.endpoint, table: runtime.table, objectsDir: runtime.objectsDir, vendorKeysDir: runtime.vendorKeysDir, configFile: join(dir, 'config.json') };
  } catch {
    return undefined;
  }
}

/** The identity hash key, required by `import`: at least 32 bytes (UTF-8). */
export function identityKey(settings?: StoreSettings, env: Env = process.env): string {
  const fromLocalMode = settings?.localConfigFile !== undefined && existsSync(settings.localConfigFile)
    ? (JSON.parse(readFileSync(settings.localConfigFile, 'utf8')) as { identityKey?: string }).identityKey : undefined;
  const key = nonEmpty(env.LOK_IDENTITY_KEY) ?? fromLocalMode;
  if (key === undefined || key === '') {
    throw new UsageError(`LOK_IDENTITY_KEY is not set: import needs the HMAC key persons are looked up by (at least ${MIN_KEY_BYTES} bytes), `
      + `e.g. export LOK_IDENTITY_KEY=$(node -p "require('node:crypto').randomBytes(32).toString('hex')"), and the same key on every later run`);
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes < MIN_KEY_BYTES) throw new UsageError(`LOK_IDENTITY_KEY must be at least ${MIN_KEY_BYTES} bytes, got ${bytes}`);
  return key;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function hasCredentials(env: Env): boolean {
  return [env.AWS_ACCESS_KEY_ID, env.AWS_PROFILE, env.AWS_WEB_IDENTITY_TOKEN_FILE, env.AWS_CONTAINER_CREDENTIALS_FULL_URI, env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI]
    .some((v) => nonEmpty(v) !== undefined);
}

export interface Register {
  readonly settings: StoreSettings;
  readonly store: DynamoDbRegisterStore;
  readonly admin: DynamoDbRegisterAdmin;
  /** The pipeline's ports, with the identity hash key (import). */
  ports(key: string): PipelinePorts;
}

/**
 * Opens the configured register, runs `work` and closes the client. With an endpoint (DynamoDB Local) the table
 * is created when missing and waited for until ACTIVE, so that a newcomer needs no extra step. Failures to reach
 * or use the store become StoreUnavailable with what to do about it.
 */
export async function withRegister<T>(settings: StoreSettings, work: (register: Register) => Promise<T>): Promise<T> {
  const client = new DynamoDBClient(settings.client);
  try {
    if (settings.endpoint !== undefined) {
      if (!(await ensureTable(client, settings.table))) throw new StoreUnavailable(`the table ${settings.table} did not become ACTIVE within 60 s`);
    }
    return await work({
      settings,
      store: new DynamoDbRegisterStore(client, settings.table),
      admin: new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(client), settings.table),
      ports: (key) => ({ store: new DynamoDbRegisterStore(client, settings.table), hasher: new HmacHasher(key), objects: new DiskObjectStore(settings.objectsDir) }),
    });
  } catch (error) {
    const problem = storeProblem(error, settings);
    throw problem === undefined ? error : new StoreUnavailable(problem);
  } finally {
    client.destroy();
  }
}

const NETWORK_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];

/** What to tell the user about an error of the store's configuration or reachability; undefined for anything else. */
export function storeProblem(error: unknown, settings: StoreSettings): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const where = settings.endpoint ?? 'AWS';
  if (typeof code === 'string' && NETWORK_CODES.includes(code)) {
    return settings.endpoint !== undefined
      ? `cannot reach DynamoDB at ${where} (${code}): is DynamoDB Local running there? (LOK_DYNAMODB_ENDPOINT / --endpoint)`
      : `cannot reach DynamoDB in AWS (${code})`;
  }
  if (error.name === 'CredentialsProviderError') return `no AWS credentials found (${error.message}); for DynamoDB Local set LOK_DYNAMODB_ENDPOINT`;
  if (/region is missing/i.test(error.message)) return 'no AWS region configured: set AWS_REGION (or LOK_DYNAMODB_ENDPOINT for DynamoDB Local)';
  if (error instanceof ResourceNotFoundException) return `the register table ${settings.table} does not exist at ${where} (LOK_REGISTER_TABLE / --table)`;
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'AccessDeniedException', 'ExpiredTokenException'].includes(error.name)) {
    return `DynamoDB at ${where} refused the request: ${error.name}: ${error.message}`;
  }
  return undefined;
}
