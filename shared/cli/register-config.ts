import {
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HmacHasher } from '../adapters/crypto/hmac-hasher.js';
import { DynamoDbApplicationStore } from '../adapters/dynamodb/application-store-dynamodb.js';
import { DynamoDbPrivacyStore } from '../adapters/dynamodb/privacy-store-dynamodb.js';
import { DynamoDbRegisterAdmin } from '../adapters/dynamodb/register-admin-dynamodb.js';
import { DynamoDbRegisterStore } from '../adapters/dynamodb/register-store-dynamodb.js';
import { ensureTable } from '../adapters/dynamodb/ensure-table.js';
import { DiskObjectStore } from '../adapters/local-disk/object-store.js';
import type { PipelinePorts } from '../core/pipeline/ports.js';
import { StoreUnavailable } from './store-unavailable.js';
import { UsageError } from './usage-error.js';

/**
 * The "configured store" of the pipeline commands: the register table on DynamoDB (a running local mode, DynamoDB
 * Local or another endpoint, or AWS), the identity hash key and the object store folder, from environment
 * variables and the --endpoint and --table flags. Which register is chosen explicitly, in this order: an endpoint
 * (LOK_DYNAMODB_ENDPOINT / --endpoint); else AWS when anything of AWS is configured (--table, LOK_REGISTER_TABLE,
 * AWS credentials, profile or region); else local mode, which must be running. Every pipeline command's --help
 * ends with STORE_HELP, and every command says on standard error which register it talks to (withRegister).
 */

/** Receipts and staged files of a register that is not local mode's, so that nothing lands in local mode's outbox. */
export const REGISTER_OBJECTS_DIR = '.register/objects';

export const STORE_HELP = `Which register (the first that applies; the command says on standard error which one it uses):
  LOK_DYNAMODB_ENDPOINT  (or --endpoint) DynamoDB at that endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local;
                         vendor add, club add and import create the table there when missing, queries do not
  AWS                    when --table, LOK_REGISTER_TABLE, AWS credentials, AWS_PROFILE or AWS_REGION is set: the
                         table in AWS (the SDK's default credentials chain and region); never created by the CLI
  local mode             nothing of the above set: the running local mode (npm start): .local/runtime.json, or
                         under LOK_LOCAL_DIR (start --data DIR); an error when it is not running
Other settings:
  LOK_REGISTER_TABLE     the register table (default register; in AWS the stack output RegisterTableName)
  LOK_IDENTITY_KEY       the HMAC key persons are looked up by, at least 32 bytes (import needs it; keep it:
                         another key does not find the persons stored with this one; local mode keeps its own)
  LOK_OBJECTS_DIR        folder for staged results and receipts (default: local mode's, else ${REGISTER_OBJECTS_DIR})
  LOK_SFTP_KEYS_DIR      folder of the SFTP endpoint's authorised keys (vendor add --key, vendor key rotate)
  AWS_REGION             with an endpoint default eu-north-1; with an endpoint and no AWS credentials in the
                         environment, dummy credentials are used (DynamoDB Local accepts any)
`;
/** The lines of a command's --help for the flags every pipeline command accepts (and --help). */
export const STORE_FLAGS = `  --endpoint URL      DynamoDB endpoint (overrides LOK_DYNAMODB_ENDPOINT)
  --table NAME        register table (overrides LOK_REGISTER_TABLE; without an endpoint: the table in AWS)
  -h, --help          this text`;

/** The flags every pipeline command accepts (spread into parseArgs's options). */
export const STORE_OPTIONS = {
  endpoint: { type: 'string' },
  table: { type: 'string' },
} as const;

/** Where the register is: a running local mode, an explicit DynamoDB endpoint, or AWS. */
export type RegisterPlace =
  | { readonly kind: 'local-mode'; readonly endpoint: string; readonly dataDir: string }
  | { readonly kind: 'endpoint'; readonly endpoint: string }
  /** `because`: the flag or variable that chose AWS, said when AWS cannot be used. */
  | { readonly kind: 'aws'; readonly because: string };

export interface StoreSettings {
  readonly place: RegisterPlace;
  /** DynamoDB endpoint (local mode's or the explicit one); AWS's own when absent. */
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
const DEFAULT_TABLE = 'register';

/**
 * Reads the settings: which register (RegisterPlace) and how to reach it. A malformed endpoint or table name is a
 * usage error; nothing configured and no local mode running is StoreUnavailable, with how to start it.
 */
export function storeSettings(
  flags: { endpoint?: string | undefined; table?: string | undefined },
  env: Env = process.env,
): StoreSettings {
  const endpoint = nonEmpty(flags.endpoint) ?? nonEmpty(env.LOK_DYNAMODB_ENDPOINT);
  const table = nonEmpty(flags.table) ?? nonEmpty(env.LOK_REGISTER_TABLE);
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    throw new UsageError(`the DynamoDB endpoint must be an http(s) URL such as http://127.0.0.1:8000, got ${endpoint}`);
  }
  if (table !== undefined && !TABLE_NAME.test(table))
    throw new UsageError(`the table name must be 3–255 letters, digits, _ . or -, got ${table}`);
  const objectsDir = nonEmpty(env.LOK_OBJECTS_DIR);
  const keysDir = nonEmpty(env.LOK_SFTP_KEYS_DIR);
  const common = { ...(keysDir !== undefined ? { vendorKeysDir: keysDir } : {}) };
  if (endpoint !== undefined) {
    return {
      place: { kind: 'endpoint', endpoint },
      endpoint,
      table: table ?? DEFAULT_TABLE,
      objectsDir: objectsDir ?? REGISTER_OBJECTS_DIR,
      client: endpointClient(endpoint, env),
      ...common,
    };
  }
  const because =
    table !== undefined ? (nonEmpty(flags.table) !== undefined ? '--table' : 'LOK_REGISTER_TABLE') : awsSetting(env);
  if (because !== undefined) {
    return {
      place: { kind: 'aws', because },
      table: table ?? DEFAULT_TABLE,
      objectsDir: objectsDir ?? REGISTER_OBJECTS_DIR,
      client: {},
      ...common,
    };
  }
  const local = runningLocalMode(env);
  return {
    place: { kind: 'local-mode', endpoint: local.endpoint, dataDir: local.dataDir },
    endpoint: local.endpoint,
    table: local.table,
    objectsDir: objectsDir ?? local.objectsDir,
    client: endpointClient(local.endpoint, env),
    localConfigFile: local.configFile,
    vendorKeysDir: keysDir ?? local.vendorKeysDir,
  };
}

function endpointClient(endpoint: string, env: Env): DynamoDBClientConfig {
  return {
    endpoint,
    region: nonEmpty(env.AWS_REGION) ?? 'eu-north-1',
    // DynamoDB Local accepts any credentials; the SDK's chain would otherwise fail on a machine without any.
    ...(hasCredentials(env) ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

const AWS_SETTINGS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
] as const;

/** The first thing of AWS in the environment (credentials, a profile or a region), if any. */
function awsSetting(env: Env): string | undefined {
  return AWS_SETTINGS.find((name) => nonEmpty(env[name]) !== undefined);
}

interface RunningLocalMode {
  readonly endpoint: string;
  readonly table: string;
  readonly objectsDir: string;
  readonly configFile: string;
  readonly vendorKeysDir: string;
  readonly dataDir: string;
}

/** The running local mode's runtime file (`.local/runtime.json`, or under LOK_LOCAL_DIR); StoreUnavailable when it does not run. */
function runningLocalMode(env: Env): RunningLocalMode {
  const dir = resolve(nonEmpty(env.LOK_LOCAL_DIR) ?? '.local');
  const path = join(dir, 'runtime.json');
  let runtime: { endpoint: string; table: string; objectsDir: string; vendorKeysDir: string; pid: number } | undefined;
  try {
    runtime = JSON.parse(readFileSync(path, 'utf8')) as typeof runtime;
    process.kill(runtime!.pid, 0);
  } catch {
    runtime = undefined;
  }
  if (runtime === undefined) throw new StoreUnavailable(localModeNotRunning(dir, env));
  return {
    endpoint: runtime.endpoint,
    table: runtime.table,
    objectsDir: runtime.objectsDir,
    vendorKeysDir: runtime.vendorKeysDir,
    configFile: join(dir, 'config.json'),
    dataDir: dir,
  };
}

function localModeNotRunning(dir: string, env: Env): string {
  const start =
    nonEmpty(env.LOK_LOCAL_DIR) === undefined
      ? '`npm start` in the repository (run from there, or set LOK_LOCAL_DIR)'
      : `\`npx lok-importer start --data ${dir}\``;
  return (
    `no register configured, and local mode is not running (no live ${join(dir, 'runtime.json')}): start it with ${start} ` +
    'and run this again, or name a register: LOK_DYNAMODB_ENDPOINT for DynamoDB Local, LOK_REGISTER_TABLE and AWS_REGION (with AWS credentials) for AWS'
  );
}

/** The identity hash key, required by `import`: at least 32 bytes (UTF-8). */
export function identityKey(settings?: StoreSettings, env: Env = process.env): string {
  const fromLocalMode =
    settings?.localConfigFile !== undefined && existsSync(settings.localConfigFile)
      ? (JSON.parse(readFileSync(settings.localConfigFile, 'utf8')) as { identityKey?: string }).identityKey
      : undefined;
  const key = nonEmpty(env.LOK_IDENTITY_KEY) ?? fromLocalMode;
  if (key === undefined || key === '') {
    throw new UsageError(
      `LOK_IDENTITY_KEY is not set: import needs the HMAC key persons are looked up by (at least ${MIN_KEY_BYTES} bytes), ` +
        `e.g. export LOK_IDENTITY_KEY=$(node -p "require('node:crypto').randomBytes(32).toString('hex')"), and the same key on every later run`,
    );
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes < MIN_KEY_BYTES)
    throw new UsageError(`LOK_IDENTITY_KEY must be at least ${MIN_KEY_BYTES} bytes, got ${bytes}`);
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
  return AWS_SETTINGS.slice(0, 5).some((name) => nonEmpty(env[name]) !== undefined);
}

export interface Register {
  readonly settings: StoreSettings;
  readonly store: DynamoDbRegisterStore;
  readonly admin: DynamoDbRegisterAdmin;
  /** Clubs' applications (shared/core/application/). */
  readonly applications: DynamoDbApplicationStore;
  /** The register's scans for a person's erasure and the retention purge. */
  readonly privacy: DynamoDbPrivacyStore;
  /** The pipeline's ports, with the identity hash key (import). */
  ports(key: string): PipelinePorts;
}

export interface RegisterOptions {
  /** vendor add, club add, import: at an explicit endpoint (DynamoDB Local) the table is created when missing. */
  readonly createTable?: boolean;
}

/**
 * Opens the configured register, says on standard error which one it is, runs `work` and closes the client. The
 * table must exist; only at an explicit endpoint, and only for the commands that create (RegisterOptions), it is
 * created when missing and waited for until ACTIVE, so that a newcomer needs no extra step. Failures to reach or
 * use the store become StoreUnavailable with what to do about it.
 */
export async function withRegister<T>(
  settings: StoreSettings,
  work: (register: Register) => Promise<T>,
  options: RegisterOptions = {},
): Promise<T> {
  const client = new DynamoDBClient(settings.client);
  try {
    process.stderr.write(`register: ${await registerName(settings, client)}\n`);
    await tableReady(client, settings, options.createTable === true);
    return await work({
      settings,
      store: new DynamoDbRegisterStore(client, settings.table),
      admin: new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(client), settings.table),
      applications: new DynamoDbApplicationStore(DynamoDBDocumentClient.from(client), settings.table),
      privacy: new DynamoDbPrivacyStore(client, settings.table),
      ports: (key) => ({
        store: new DynamoDbRegisterStore(client, settings.table),
        hasher: new HmacHasher(key),
        objects: new DiskObjectStore(settings.objectsDir),
      }),
    });
  } catch (error) {
    const problem = storeProblem(error, settings);
    throw problem === undefined ? error : new StoreUnavailable(problem);
  } finally {
    client.destroy();
  }
}

/** The register in words, as the line `register: …` says it. */
async function registerName(settings: StoreSettings, client: DynamoDBClient): Promise<string> {
  const { place, table } = settings;
  switch (place.kind) {
    case 'local-mode':
      return `local mode (DynamoDB Local at ${place.endpoint}, data in ${place.dataDir})`;
    case 'endpoint':
      return `table ${table} at DynamoDB ${place.endpoint}`;
    case 'aws': {
      const endpoint = nonEmpty(process.env.AWS_ENDPOINT_URL_DYNAMODB) ?? nonEmpty(process.env.AWS_ENDPOINT_URL);
      return `AWS table ${table} in ${await client.config.region()}${endpoint !== undefined ? ` (endpoint ${endpoint})` : ''}`;
    }
  }
}

/** The table exists (or is created, where that is allowed); StoreUnavailable otherwise. */
async function tableReady(client: DynamoDBClient, settings: StoreSettings, create: boolean): Promise<void> {
  if (create && settings.place.kind === 'endpoint') {
    if (!(await ensureTable(client, settings.table)))
      throw new StoreUnavailable(`the table ${settings.table} did not become ACTIVE within 60 s`);
    return;
  }
  try {
    await client.send(new DescribeTableCommand({ TableName: settings.table }));
  } catch (error) {
    // Credentials that may query but not describe: the query itself finds out.
    if ((error as Error).name !== 'AccessDeniedException') throw error;
  }
}

/** What to say of a register table that is not there, per place. */
function missingTable(settings: StoreSettings): string {
  const { place, table } = settings;
  switch (place.kind) {
    case 'aws':
      return (
        `the register table ${table} does not exist in AWS (this account and region): set LOK_REGISTER_TABLE (or --table) ` +
        "to the stack's RegisterTableName output; the CLI never creates a table in AWS"
      );
    case 'endpoint':
      return (
        `the register table ${table} does not exist at ${place.endpoint}: vendor add, club add or import creates it ` +
        '(or name another: LOK_REGISTER_TABLE / --table)'
      );
    case 'local-mode':
      return `local mode's register table ${table} does not exist at ${place.endpoint}: restart local mode (npm start)`;
  }
}

const NETWORK_CODES = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
];

/** What to tell the user about an error of the store's configuration or reachability; undefined for anything else. */
export function storeProblem(error: unknown, settings: StoreSettings): string | undefined {
  const problem = storeProblemOnly(error, settings);
  const { place } = settings;
  return problem === undefined || place.kind !== 'aws'
    ? problem
    : `${problem} (AWS is used because ${place.because} is set; with nothing of AWS set, the running local mode is)`;
}

function storeProblemOnly(error: unknown, settings: StoreSettings): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const where = settings.endpoint ?? 'AWS';
  if (typeof code === 'string' && NETWORK_CODES.includes(code)) {
    if (settings.place.kind === 'local-mode')
      return `local mode's DynamoDB Local at ${where} does not answer (${code}): is local mode still running? (npm start)`;
    return settings.endpoint !== undefined
      ? `cannot reach DynamoDB at ${where} (${code}): is DynamoDB Local running there? (LOK_DYNAMODB_ENDPOINT / --endpoint)`
      : `cannot reach DynamoDB in AWS (${code})`;
  }
  if (error.name === 'CredentialsProviderError')
    return `no AWS credentials found (${error.message}); for DynamoDB Local set LOK_DYNAMODB_ENDPOINT`;
  if (/region is missing/i.test(error.message))
    return 'no AWS region configured: set AWS_REGION (or LOK_DYNAMODB_ENDPOINT for DynamoDB Local)';
  if (error instanceof ResourceNotFoundException) return missingTable(settings);
  if (
    [
      'UnrecognizedClientException',
      'InvalidSignatureException',
      'AccessDeniedException',
      'ExpiredTokenException',
    ].includes(error.name)
  ) {
    return `DynamoDB at ${where} refused the request: ${error.name}: ${error.message}`;
  }
  return undefined;
}
