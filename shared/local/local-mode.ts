import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../adapters/clock/system-clock.js';
import { HmacHasher } from '../adapters/crypto/hmac-hasher.js';
import { ensureTable } from '../adapters/dynamodb/ensure-table.js';
import { DynamoDbRegisterAdmin } from '../adapters/dynamodb/register-admin-dynamodb.js';
import { DynamoDbRegisterStore } from '../adapters/dynamodb/register-store-dynamodb.js';
import { installDynamoDbLocal } from '../adapters/dynamodb-local/install-dynamodb-local.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../adapters/dynamodb-local/start-dynamodb-local.js';
import { DiskObjectStore } from '../adapters/local-disk/object-store.js';
import { startSftpServer } from '../adapters/sftp/sftp-server.js';
import { generateKeyPair } from '../adapters/sftp/ssh-keys.js';
import { DynamoDbApplicationStore } from '../adapters/dynamodb/application-store-dynamodb.js';
import { DevSignIn } from '../web/dev-sign-in.js';
import { startClubWeb } from '../web/server.js';
import { VendorKeyFiles } from '../adapters/sftp/vendor-key-files.js';
import { activateVendor, addClub, addVendor } from '../core/admin/admin-use-cases.js';
import type { PipelinePorts } from '../core/pipeline/ports.js';
import { localHostKeys, writeKnownHosts, type HostKey } from './host-keys.js';
import { UploadQueue } from './upload-queue.js';
import { exampleClub } from '../core/admin/example-club.js';

export const DEMO_VENDOR = 'demo-vendor';
export const DEMO_CLUB = '100042';
export const TABLE = 'register';
/** Where local mode's SFTP endpoint listens. */
export const SFTP_HOST = '127.0.0.1';
/** `npm start`'s SFTP port unless `--sftp-port` or `LOK_SFTP_PORT` says otherwise: the same on every start. */
export const DEFAULT_SFTP_PORT = 2222;

/** Where local mode keeps everything, and what the CLI reads to find a running local mode. */
export interface LocalLayout {
  readonly dataDir: string;
  readonly dynamodbDir: string;
  readonly objectsDir: string;
  readonly keysDir: string;
  /** `<keysDir>/vendors/<vendor>.pub`: a vendor's authorised public keys, read on every login. */
  readonly vendorKeysDir: string;
  readonly configFile: string;
  readonly runtimeFile: string;
  /** The endpoint's host keys under the SFTP address of the last start, for `sftp -o UserKnownHostsFile=…`. */
  readonly knownHostsFile: string;
  /** `npm start`'s full log, one JSON line per event. */
  readonly logFile: string;
}

export function localLayout(dataDir: string): LocalLayout {
  const root = resolve(dataDir);
  return {
    dataDir: root,
    dynamodbDir: join(root, 'dynamodb'),
    objectsDir: join(root, 'objects'),
    keysDir: join(root, 'keys'),
    vendorKeysDir: join(root, 'keys', 'vendors'),
    configFile: join(root, 'config.json'),
    runtimeFile: join(root, 'runtime.json'),
    knownHostsFile: join(root, 'known_hosts'),
    logFile: join(root, 'logs', 'local.jsonl'),
  };
}

/** What the running local mode tells the CLI (`.local/runtime.json`). */
export interface LocalRuntime {
  readonly endpoint: string;
  readonly table: string;
  readonly objectsDir: string;
  readonly sftpPort: number;
  readonly webUrl?: string;
  readonly vendorKeysDir: string;
  readonly pid: number;
}

interface LocalConfig {
  readonly identityKey: string;
}

export interface LocalModeOptions {
  readonly dataDir: string;
  readonly fresh: boolean;
  /** 0 or absent: a free port (tests); `npm start` passes DEFAULT_SFTP_PORT or the one it was told. */
  readonly sftpPort?: number;
  readonly dynamodbPort?: number;
  /** The club's web page's port; 0 or absent: a free one. */
  readonly webPort?: number;
  readonly samplesDir?: string;
  /** Human lines (the summary, the sftp command). */
  readonly say: (line: string) => void;
  /** Structured events (ids and codes only). */
  readonly log: (event: Record<string, unknown>) => void;
  /** DynamoDB Local keeps the register in memory, not in the data folder (the wave bench: gone when it stops). */
  readonly registerInMemory?: boolean;
  /** Imports in flight at once (default LOCAL_IMPORTS_IN_FLIGHT). */
  readonly importsInFlight?: number;
  /** Sees the register's DynamoDB client once it is made (the bench counts what it sends). */
  readonly onRegisterClient?: (client: DynamoDBClient) => void;
  /** Uploads the demo files over SFTP with a real client (first start only). */
  readonly uploadDemo: (upload: {
    port: number;
    privateKeyPath: string;
    vendor: string;
    files: readonly string[];
  }) => Promise<void>;
}

export interface LocalMode {
  readonly sftpPort: number;
  /** The club's web page, on 127.0.0.1. */
  readonly webUrl: string;
  readonly dynamodbListensOn: DynamoDbLocal['listensOn'];
  /** ed25519, ECDSA and RSA, kept in the keys folder across restarts. */
  readonly hostKeys: readonly HostKey[];
  readonly endpoint: string;
  readonly layout: LocalLayout;
  readonly queue: UploadQueue;
  readonly ports: PipelinePorts;
  readonly demoKeyPath: string;
  stop(): Promise<void>;
}

function readConfig(layout: LocalLayout): LocalConfig {
  if (existsSync(layout.configFile)) return JSON.parse(readFileSync(layout.configFile, 'utf8')) as LocalConfig;
  const config: LocalConfig = { identityKey: randomBytes(32).toString('hex') };
  writeFileSync(layout.configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  return config;
}

/**
 * Starts the whole Importer on this machine: DynamoDB Local (data kept in the data folder), the object store on
 * disk, the SFTP endpoint (one user per vendor, public keys only, jailed to inbox/ and outbox/), and the runner
 * that imports completed uploads. On first start it onboards the demo vendor and club and uploads the samples.
 */
export async function startLocalMode(options: LocalModeOptions): Promise<LocalMode> {
  const layout = localLayout(options.dataDir);
  if (options.fresh) rmSync(layout.dataDir, { recursive: true, force: true });
  for (const dir of [layout.dataDir, layout.dynamodbDir, layout.objectsDir, layout.vendorKeysDir])
    mkdirSync(dir, { recursive: true });
  const config = readConfig(layout);
  const hostKeys = localHostKeys(layout.keysDir);
  const demoKeyPath = join(layout.keysDir, `${DEMO_VENDOR}_ed25519`);

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    // All at once: Ctrl-C should end everything within a few seconds (an import in progress resumes next start).
    await Promise.all(stops.map((s) => s().catch(() => undefined)));
    rmSync(layout.runtimeFile, { force: true });
  };
  try {
    const files = await installDynamoDbLocal(join(process.cwd(), '.cache'));
    const dynamo: DynamoDbLocal = await startDynamoDbLocal(files, {
      ...(options.registerInMemory ? {} : { dataDir: layout.dynamodbDir }),
      ...(options.dynamodbPort ? { port: options.dynamodbPort } : {}),
    });
    stops.push(() => dynamo.stop());
    if (dynamo.listensOn === 'all')
      options.say(
        'Warning: DynamoDB Local listens on every interface, not 127.0.0.1 alone: no javac (a JDK) was found to build the launcher that binds it.',
      );
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stops.push(async () => client.destroy());
    options.onRegisterClient?.(client);
    if (!(await ensureTable(client, TABLE))) throw new Error('the register table did not become ACTIVE');
    const ports: PipelinePorts = {
      store: new DynamoDbRegisterStore(client, TABLE),
      hasher: new HmacHasher(config.identityKey),
      objects: new DiskObjectStore(layout.objectsDir),
    };
    const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(client), TABLE);

    const firstStart = (
      await addVendor(admin, {
        id: DEMO_VENDOR,
        name: 'Demo AB',
        purpose: 'Medlemsregister och närvaro för LOK-stöd (demo)',
        licence: 'up-to-100-clubs',
      })
    ).ok;
    if (firstStart || !existsSync(demoKeyPath)) {
      const pair = generateKeyPair();
      writeFileSync(demoKeyPath, pair.privateKey, { mode: 0o600 });
      new VendorKeyFiles(layout.vendorKeysDir).replace(DEMO_VENDOR, pair.publicKey);
    }
    await addClub(admin, exampleClub(DEMO_CLUB, { name: 'IK Demo', sports: ['Fotboll', 'Handboll'] }));
    await activateVendor(admin, DEMO_CLUB, DEMO_VENDOR, '2026-01-01');

    const vendorKeys = new VendorKeyFiles(layout.vendorKeysDir);
    const queue = new UploadQueue({
      ports,
      root: layout.objectsDir,
      clock: () => systemClock(),
      log: options.log,
      ...(options.importsInFlight !== undefined ? { inFlight: options.importsInFlight } : {}),
    });
    // Uploads left from an earlier run, before the endpoint takes new ones (so that none is taken twice).
    await queue.resume();
    const sftp = await startSftpServer({
      hostKey: hostKeys.map((key) => key.privateKey),
      host: SFTP_HOST,
      root: layout.objectsDir,
      ...(options.sftpPort ? { port: options.sftpPort } : {}),
      publicKeysOf: (vendor) => {
        const keys = vendorKeys.keys(vendor);
        return keys.length === 0 ? undefined : keys;
      },
      onUpload: (upload) => queue.enqueue(upload),
      beingImported: queue.beingImported,
      log: options.log,
    });
    // On stop, an import in progress is left as it is: the next start resumes it from the archive.
    stops.push(() => sftp.stop());
    writeKnownHosts(layout.knownHostsFile, SFTP_HOST, sftp.port, hostKeys);
    // The club's web page and its API (issue 16; docs/club-guide.md), with the dev sign-in.
    const web = await startClubWeb({
      ports: {
        store: ports.store,
        applications: new DynamoDbApplicationStore(DynamoDBDocumentClient.from(client), TABLE),
      },
      clock: () => systemClock(),
      signIn: new DevSignIn(() => ports.store.allClubs()),
      host: SFTP_HOST,
      ...(options.webPort ? { port: options.webPort } : {}),
    });
    stops.push(() => web.stop());
    const runtime: LocalRuntime = {
      endpoint: dynamo.endpoint,
      table: TABLE,
      objectsDir: layout.objectsDir,
      sftpPort: sftp.port,
      webUrl: web.url,
      vendorKeysDir: layout.vendorKeysDir,
      pid: process.pid,
    };
    writeFileSync(layout.runtimeFile, JSON.stringify(runtime, null, 2));

    if (firstStart) {
      const samples = options.samplesDir ?? 'samples';
      const xml = readdirSync(samples)
        .filter((f) => f.endsWith('.xml'))
        .sort()
        .map((f) => join(samples, f));
      options.say(`First start: uploading ${xml.length} sample files to ${DEMO_VENDOR}'s inbox over SFTP…`);
      await options.uploadDemo({ port: sftp.port, privateKeyPath: demoKeyPath, vendor: DEMO_VENDOR, files: xml });
      await queue.idle();
    }
    return {
      sftpPort: sftp.port,
      webUrl: web.url,
      dynamodbListensOn: dynamo.listensOn,
      hostKeys,
      endpoint: dynamo.endpoint,
      layout,
      queue,
      ports,
      demoKeyPath,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
