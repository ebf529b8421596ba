import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HmacHasher } from '../../shared/adapters/crypto/hmac-hasher.js';
import { DynamoDbRegisterAdmin } from '../../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { DynamoDbRegisterStore } from '../../shared/adapters/dynamodb/register-store-dynamodb.js';
import { registerTableDefinition } from '../../shared/adapters/dynamodb/register-table.js';
import { DiskObjectStore } from '../../shared/adapters/local-disk/object-store.js';
import { activateVendor, addClub, addVendor } from '../../shared/core/admin/admin-use-cases.js';
import type { Club } from '../../shared/core/admin/register-admin.js';
import type { PipelineClock, PipelinePorts } from '../../shared/core/pipeline/ports.js';
import { runImport, type RunResult } from '../../shared/core/pipeline/run-import.js';
import type { Upload } from '../../shared/core/pipeline/upload.js';
import { dynamoDbForFile } from './dynamodb.js';
import { forFile } from './for-file.js';
import { stringSource } from './string-source.js';
import { exampleClub } from '../../shared/core/admin/example-club.js';

export const TEST_KEY = 'test-identity-key-0123456789abcdef0123456789';

let tables = 0;

/** A register on a fresh table of a running DynamoDB Local, with an object store in a temp folder. */
export interface TestRegister {
  readonly ports: PipelinePorts;
  readonly admin: DynamoDbRegisterAdmin;
  readonly table: string;
  readonly folder: string;
  dispose(): void;
}

export async function freshRegister(client: DynamoDBClient): Promise<TestRegister> {
  const table = `register-${++tables}-${process.pid}`;
  await client.send(new CreateTableCommand(registerTableDefinition(table)));
  const folder = mkdtempSync(join(tmpdir(), 'lok-objects-'));
  return {
    ports: {
      store: new DynamoDbRegisterStore(client, table),
      hasher: new HmacHasher(TEST_KEY),
      objects: new DiskObjectStore(folder),
    },
    admin: new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(client), table),
    table,
    folder,
    dispose: () => rmSync(folder, { recursive: true, force: true }),
  };
}

/** A club for a test (shared/core/admin/example-club.ts). */
export const testClub = exampleClub;

/** Adds vendors and clubs and activates every vendor for every club, from 2020-01-01. */
export async function onboard(
  register: TestRegister,
  vendors: readonly string[],
  clubs: readonly (string | Club)[],
): Promise<void> {
  for (const v of vendors)
    await addVendor(register.admin, { id: v, name: `Vendor ${v}`, purpose: 'LOK-stöd', licence: 'unlimited' });
  for (const c of clubs) {
    const club = typeof c === 'string' ? testClub(c) : c;
    await addClub(register.admin, club);
    for (const v of vendors) await activateVendor(register.admin, club.id, v, '2020-01-01');
  }
}

/** A fresh register where every vendor is activated for every club (see onboard); the caller disposes of it. */
export async function registerFor(
  client: DynamoDBClient,
  vendors: readonly string[],
  clubs: readonly (string | Club)[],
): Promise<TestRegister> {
  const register = await freshRegister(client);
  await onboard(register, vendors, clubs);
  return register;
}

/** DynamoDB Local (its client and endpoint) and a register on it, shared by the tests of one file. */
export interface FileRegister {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  readonly register: TestRegister;
}

/**
 * For the tests of one file (or describe block): DynamoDB Local and a register on it where every vendor is activated
 * for every club, made before them (before the file's own `beforeAll`, when called first) and disposed after them.
 * Read its fields inside a hook or a test.
 */
export function registerForFile(vendors: readonly string[], clubs: readonly (string | Club)[]): FileRegister {
  const db = dynamoDbForFile();
  const register = forFile(
    'The register',
    () => registerFor(db.client, vendors, clubs),
    (r) => r.dispose(),
  );
  return {
    get client() {
      return db.client;
    },
    get endpoint() {
      return db.endpoint;
    },
    get register() {
      return register();
    },
  };
}

export function clockAt(today: string): PipelineClock {
  let tick = 0;
  return {
    today,
    now: () => `${today}T12:00:${String(tick++ % 60).padStart(2, '0')}.000Z`,
    swedishDateOf: (iso) => iso.slice(0, 10),
  };
}

let uploads = 0;

export function uploadOf(vendor: string, file: string): Upload {
  const n = ++uploads;
  return {
    vendor,
    uploadId: `u${String(n).padStart(6, '0')}`,
    file,
    completedAt: `2026-11-25T10:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`,
  };
}

export const noWait = { sleep: async () => undefined, random: () => 0 };

/** Uploads a file's text and runs every step. */
export async function importText(
  register: TestRegister,
  vendor: string,
  name: string,
  xml: string,
  today = '2026-11-25',
  upload = uploadOf(vendor, name),
): Promise<RunResult> {
  return runImport(register.ports, upload, () => stringSource(name, xml), clockAt(today), noWait);
}
