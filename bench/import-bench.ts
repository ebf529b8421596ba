/**
 * The import part of the bench: the import pipeline (`runImport`, every step) against DynamoDB Local, next to raw
 * BatchWriteItem and TransactWriteItems baselines measured in the same run on the same DynamoDB Local. See
 * bench/README.md, "Import pipeline".
 *
 * One DynamoDB Local (in memory) for the whole part, warmed up first. Per size: the generated file, a fresh
 * register table, the vendor and every club of the file onboarded, then four uploads, each in a child process of
 * its own (import-worker.ts, so that its peak RSS is its own): the first load, the same content again, the
 * content with 1 % of the activities changed, and a delta file correcting one person.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ScanCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { batchesOf, batchWriteAll } from '../shared/adapters/dynamodb/batch-write.js';
import { inParallel } from '../shared/core/pipeline/in-parallel.js';
import { DynamoDbRegisterAdmin } from '../shared/adapters/dynamodb/register-admin-dynamodb.js';
import { registerTableDefinition } from '../shared/adapters/dynamodb/register-table.js';
import { installDynamoDbLocal } from '../shared/adapters/dynamodb-local/install-dynamodb-local.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { activateVendor, addClub, addVendor } from '../shared/core/admin/admin-use-cases.js';
import type { EntityCounts, ActivityCounts } from '../shared/core/receipt/receipt.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import { DATA, ROOT, eachOfSizes, failed, lastJsonLine, progress, rssMB, runNode, table, whole } from './child.js';
import { ensureGenerated, sizeFlags } from './generated-file.js';
import {
  countCommands,
  emptyTally,
  itemBytes,
  writeTotals,
  WRITE_COMMANDS,
  type KindTally,
  type Tally,
} from './import-metrics.js';
import type { StepFigures, WorkerInput, WorkerOutput } from './import-worker.js';
import { exampleClub } from '../shared/core/admin/example-club.js';

export const IMPORT_SIZES = [1000, 10_000, 100_000] as const;
/** Sizes run only when asked for (`--import-sizes 250000`): the largest file the importer takes (IMPORT_MAX_BYTES) is proven with it. */
export const IMPORT_EXTRA_SIZES = [250_000] as const;

const SEED = 'bench-import';
export const VENDOR = 'demo-vendor';
const BAD_SHARE = 0.02;
export const FIRST_CLUB = 100042;
export const IDENTITY_KEY = 'bench-identity-key-0123456789abcdef0123456789';
export const IMPORT_WORKER = fileURLToPath(new URL('./import-worker.js', import.meta.url));

/** Baselines: items written with BatchWriteItem (batchWriteAll, 25 a request, 16 in flight) and with transactions. */
export const BASELINE = {
  batchItems: 50_000,
  batchInFlight: 16,
  transactItems: 20_000,
  perTransaction: 100,
  transactInFlight: 8,
  warmupItems: 20_000,
  warmupBytes: 400,
  replayMaxItems: 50_000,
} as const;

export const IMPORT_TARGETS = {
  /** Issue 13: a first load of 100 000 activities over 40 clubs in under 120 s, peaking under 800 MB RSS. */
  firstLoadSeconds100k: 120,
  firstLoadPeakRssMB100k: 800,
  ratioToBatch: 0.5,
  /** A 1 % re-send writes at most this many register items (ledger aside) per changed record. */
  registerItemsPerChange: 2,
} as const;

/** Activities per club of the generated files: 100 000 activities over 40 clubs, as issue 13 measures memory. */
const IMPORT_ACTIVITIES_PER_CLUB = 2500;

export function importParams(activities: number): { clubs: number; persons: number; activities: number } {
  return {
    clubs: Math.ceil(activities / IMPORT_ACTIVITIES_PER_CLUB),
    persons: Math.round(activities * 0.8),
    activities,
  };
}

type ScenarioName = 'first' | 'resend' | 'change' | 'person';
const SCENARIO_LABELS: Record<ScenarioName, string> = {
  first: 'first load',
  resend: 'unchanged re-send',
  change: '1 % changed',
  person: 'one person corrected',
};

export interface BaselineFigures {
  readonly items: number;
  readonly itemBytes: number;
  readonly inFlight: number;
  readonly perRequest: number;
  readonly seconds: number;
  readonly itemsPerSecond: number;
  readonly requests: number;
  readonly writeUnits: number;
}

export interface StepResult {
  readonly step: string;
  readonly seconds: number;
  /** CPU of the worker process (user + system) during the step. */
  readonly cpuSeconds: number;
  readonly attempts: number;
  /** The worker's highest RSS sampled while the step ran (every 50 ms), MB = 10^6 bytes. */
  readonly peakRssMB: number;
  readonly readRequests: number;
  readonly itemsRead: number;
  readonly writeRequests: number;
  readonly itemsWritten: number;
  readonly writeUnits: number;
  /** Milliseconds spent waiting on DynamoDB, summed over requests (they overlap when several are in flight). */
  readonly dynamoMs: number;
  readonly commands: Tally['commands'];
}

export interface ScenarioResult {
  readonly name: ScenarioName;
  readonly file: string;
  readonly bytes: number;
  readonly uploadId: string;
  readonly what: string;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMB: number;
  readonly outcome: string;
  readonly status?: string;
  readonly counts?: { persons: EntityCounts; activities: ActivityCounts };
  readonly errors?: number;
  readonly activitiesInFile: number;
  /** Activities of the file / seconds; absent for the one-person delta. */
  readonly activitiesPerSecond?: number;
  /** Records created, updated or deleted (persons and activities), from the receipt's counts. */
  readonly changedRecords: number;
  readonly itemsWritten: number;
  readonly itemsPerSecond: number;
  readonly ratioToBatch: number;
  readonly writeRequests: number;
  readonly writeUnits: number;
  readonly writeBytes: number;
  readonly ledgerItems: number;
  /** Items written other than the ledger's (kinds ledger, club-ledger, file-claim). */
  readonly registerItems: number;
  readonly itemsPerChangedRecord?: number;
  readonly unitsPerChangedRecord?: number;
  readonly registerItemsPerChangedRecord?: number;
  readonly byKind: Record<string, KindTally>;
  readonly steps: StepResult[];
  /** Expectations about the outcome that did not hold (the bench measured something else than intended). */
  readonly surprises: string[];
}

export interface ImportSizeResult {
  readonly activities: number;
  readonly generator: { clubs: number; persons: number; activities: number; badShare: number; seed: string };
  readonly file: string;
  readonly bytes: number;
  readonly onboardSeconds: number;
  readonly averagePutBytes: number;
  /** The first load's items (up to replayMaxItems of them) batch-written raw into a fresh table. */
  readonly replay: BaselineFigures;
  /** First load items/s / replay items/s. */
  readonly firstLoadRatioToReplay: number;
  readonly scenarios: ScenarioResult[];
}

export interface ImportTarget {
  readonly what: string;
  readonly activities: number;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}

export interface ImportSection {
  readonly settings: Record<string, unknown>;
  readonly baseline: {
    readonly warmupSeconds: number;
    readonly batch: BaselineFigures;
    readonly transact: BaselineFigures;
  };
  readonly sizes: ImportSizeResult[];
  readonly targets: ImportTarget[];
}

const S = (value: string): AttributeValue => ({ S: value });

// --- files ----------------------------------------------------------------------------------------------------

/** The generated file for a size: made with the CLI's generator unless it is already there with the same parameters. */
export async function ensureImportFile(
  activities: number,
): Promise<{ file: string; bytes: number; generator: ImportSizeResult['generator'] }> {
  const params = importParams(activities);
  const generator = { ...params, badShare: BAD_SHARE, seed: SEED };
  const flags = ['--mode', 'full', ...sizeFlags(params), '--bad-share', String(BAD_SHARE), '--seed', SEED];
  return ensureGenerated(`import ${activities}`, join(DATA, `import-${activities}.xml`), generator, flags);
}

const CREATED = /created="[^"]*"/;

export function withCreated(xml: string, created: string): string {
  if (!CREATED.test(xml)) throw new Error('the generated file has no created attribute');
  return xml.replace(CREATED, `created="${created}"`);
}

/** Every 100th activity (in file order) that has a <Place> gets another place; returns the file and how many changed. */
function changePlaces(xml: string): { xml: string; changed: number } {
  let n = 0;
  let changed = 0;
  const out = xml.replace(/<Activity id="[^"]*">[\s\S]*?<\/Activity>/g, (activity) => {
    if (++n % 100 !== 0 || !activity.includes('<Place>')) return activity;
    changed++;
    return activity.replace(/<Place>([^<]*)<\/Place>/, '<Place>$1 (flyttad)</Place>');
  });
  return { xml: out, changed };
}

/**
 * A delta file with one person of the file, corrected: a youth with a birth date and nationality (no
 * personnummer) who takes part in activities gets born in 1990, so that the rules see an adult and their
 * activities' verdicts change; if the file has none, a participant's membership starts after the activities.
 */
function personCorrection(xml: string, created: string): { xml: string; what: string } {
  const header = /<Import [^>]*>/.exec(xml)?.[0];
  if (header === undefined) throw new Error('the generated file has no <Import> header');
  const persons = /<Person id="(P-(\d+)-(\d+))">[\s\S]*?<\/Person>/g;
  let fallback: { element: string; id: string; club: string } | undefined;
  for (const match of xml.matchAll(persons)) {
    const [element, id, club, n] = match as unknown as [string, string, string, string];
    const youth = Number(n) % 10 !== 1;
    if (!youth || !xml.includes(`ref="${id}"`)) continue;
    const birth = /<BirthDate>(\d{4})(-\d\d-\d\d)<\/BirthDate>\s*<Nationality>/.exec(element);
    if (birth) {
      const corrected = element.replace(/<BirthDate>\d{4}/, '<BirthDate>1990');
      return {
        xml: deltaFile(header, club, corrected, created),
        what: `${id}: birth date ${birth[1]}${birth[2]} → 1990${birth[2]}`,
      };
    }
    if (!fallback && /<Membership from="[^"]*"\/>/.test(element)) fallback = { element, id, club };
  }
  if (!fallback) throw new Error('the generated file has no person to correct');
  const corrected = fallback.element.replace(/<Membership from="[^"]*"\/>/, '<Membership from="2026-11-21"/>');
  return {
    xml: deltaFile(header, fallback.club, corrected, created),
    what: `${fallback.id}: membership from 2026-11-21`,
  };
}

function deltaFile(header: string, club: string, person: string, created: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n${header.replace(CREATED, `created="${created}"`).replace(/mode="[^"]*"/, 'mode="delta"')}\n` +
    `  <Club id="${club}">\n    <Persons>\n      ${person.trim()}\n    </Persons>\n  </Club>\n</Import>\n`
  );
}

// --- DynamoDB Local, warm-up and baselines --------------------------------------------------------------------

export function clientOf(local: DynamoDbLocal): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Items of about `bytes` bytes each (key and a `d` JSON string, as the register's items), keys spread as the register's are. */
function baselineItems(count: number, bytes: number, tag: string): Record<string, AttributeValue>[] {
  const items: Record<string, AttributeValue>[] = [];
  for (let i = 0; i < count; i++) {
    const item: Record<string, AttributeValue> = {
      pk: S(`BENCH#${tag}#${String(i).padStart(7, '0')}`),
      sk: S(`S#${i % 7}`),
      d: S(JSON.stringify({ i, x: '' })),
    };
    item.d = S(JSON.stringify({ i, x: 'x'.repeat(Math.max(0, bytes - itemBytes(item))) }));
    items.push(item);
  }
  return items;
}

export async function freshTable(client: DynamoDBClient, name: string): Promise<void> {
  await dropTable(client, name);
  await client.send(new CreateTableCommand(registerTableDefinition(name)));
}

export async function dropTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
}

export async function warmUp(client: DynamoDBClient): Promise<number> {
  const started = performance.now();
  await freshTable(client, 'bench-warmup');
  const requests: WriteRequest[] = baselineItems(BASELINE.warmupItems, BASELINE.warmupBytes, 'warm').map((Item) => ({
    PutRequest: { Item },
  }));
  await batchWriteAll((command) => client.send(command), 'bench-warmup', requests, {
    concurrency: BASELINE.batchInFlight,
  });
  await dropTable(client, 'bench-warmup');
  return (performance.now() - started) / 1000;
}

/**
 * A baseline: `count` items of `bytes` bytes written raw into a fresh table (dropped after) by what `prepare`
 * returns (it answers the requests it sent), timed and metered.
 */
async function timedBaseline(
  client: DynamoDBClient,
  kind: 'batch' | 'transact',
  { count, bytes, inFlight, perRequest }: { count: number; bytes: number; inFlight: number; perRequest: number },
  tally: () => Tally,
  prepare: (name: string, items: Record<string, AttributeValue>[]) => () => Promise<number>,
): Promise<BaselineFigures> {
  const name = `bench-baseline-${kind}`;
  await freshTable(client, name);
  const items = baselineItems(count, bytes, kind);
  const write = prepare(name, items);
  const before = writeTotals(tally());
  const started = performance.now();
  const requests = await write();
  const seconds = (performance.now() - started) / 1000;
  const after = writeTotals(tally());
  await dropTable(client, name);
  return {
    items: items.length,
    itemBytes: Math.round(items.reduce((n, i) => n + itemBytes(i), 0) / items.length),
    inFlight,
    perRequest,
    seconds,
    itemsPerSecond: items.length / seconds,
    requests,
    writeUnits: after.writeUnits - before.writeUnits,
  };
}

/** Raw BatchWriteItem: BASELINE.batchItems items of `bytes` bytes, 25 per request, BASELINE.batchInFlight in flight, into a fresh table. */
export function batchBaseline(client: DynamoDBClient, bytes: number, tally: () => Tally): Promise<BaselineFigures> {
  const shape = { count: BASELINE.batchItems, bytes, inFlight: BASELINE.batchInFlight, perRequest: 25 };
  return timedBaseline(client, 'batch', shape, tally, (name, items) => {
    const requests: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
    return async () =>
      (
        await batchWriteAll((command: BatchWriteItemCommand) => client.send(command), name, requests, {
          concurrency: BASELINE.batchInFlight,
        })
      ).requests;
  });
}

function transactBaseline(client: DynamoDBClient, bytes: number, tally: () => Tally): Promise<BaselineFigures> {
  const shape = {
    count: BASELINE.transactItems,
    bytes,
    inFlight: BASELINE.transactInFlight,
    perRequest: BASELINE.perTransaction,
  };
  return timedBaseline(client, 'transact', shape, tally, (name, items) => {
    const batches = batchesOf(items, BASELINE.perTransaction);
    return async () => {
      await inParallel(batches, BASELINE.transactInFlight, (batch) =>
        client.send(
          new TransactWriteItemsCommand({ TransactItems: batch.map((Item) => ({ Put: { TableName: name, Item } })) }),
        ),
      );
      return batches.length;
    };
  });
}

/**
 * The first load's own items, written raw: up to `replayMaxItems` items scanned from the register table after the
 * first load, batch-written (batchWriteAll, 16 in flight) into a fresh table of the same definition (its index
 * included). Tells the pipeline's cost apart from what DynamoDB Local charges for these very items.
 */
export async function replayBaseline(
  client: DynamoDBClient,
  table: string,
  maxItems: number = BASELINE.replayMaxItems,
): Promise<BaselineFigures> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, Limit: 5000 }));
    for (const item of page.Items ?? []) if (items.length < maxItems) items.push(item);
    start = items.length < maxItems ? page.LastEvaluatedKey : undefined;
  } while (start);
  const name = 'bench-replay';
  await freshTable(client, name);
  const started = performance.now();
  const result = await batchWriteAll(
    (command) => client.send(command),
    name,
    items.map((Item) => ({ PutRequest: { Item } })),
    { concurrency: BASELINE.batchInFlight },
  );
  const seconds = (performance.now() - started) / 1000;
  await dropTable(client, name);
  const bytes = items.reduce((n, i) => n + itemBytes(i), 0);
  return {
    items: items.length,
    itemBytes: Math.round(bytes / Math.max(1, items.length)),
    inFlight: BASELINE.batchInFlight,
    perRequest: 25,
    seconds,
    itemsPerSecond: items.length / seconds,
    requests: result.requests,
    writeUnits: items.reduce((n, i) => n + Math.max(1, Math.ceil(itemBytes(i) / 1024)), 0),
  };
}

// --- one size -------------------------------------------------------------------------------------------------

/** `clubs` clubs from FIRST_CLUB on, each activating its vendor (`vendorOf`, by default the bench's one vendor). */
export async function onboard(
  client: DynamoDBClient,
  table: string,
  clubs: number,
  vendorOf: (club: number) => string = () => VENDOR,
): Promise<void> {
  const admin = new DynamoDbRegisterAdmin(DynamoDBDocumentClient.from(client), table);
  const ok = <T>(
    what: string,
    result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
  ): void => {
    if (!result.ok) throw new Error(`onboarding: ${what}: ${result.error.code} ${result.error.message}`);
  };
  const vendors = new Set<string>();
  for (let c = 0; c < clubs; c++) {
    const id = String(FIRST_CLUB + c);
    const vendor = vendorOf(c);
    if (!vendors.has(vendor))
      ok(
        `add vendor ${vendor}`,
        await addVendor(admin, { id: vendor, name: `Vendor ${vendor}`, purpose: 'LOK-stöd', licence: 'unlimited' }),
      );
    vendors.add(vendor);
    ok(`add club ${id}`, await addClub(admin, exampleClub(id)));
    ok(`activate ${id}`, await activateVendor(admin, id, vendor, '2020-01-01'));
  }
}

function stepResult(s: StepFigures): StepResult {
  let readRequests = 0;
  let itemsRead = 0;
  let dynamoMs = 0;
  for (const [command, c] of Object.entries(s.tally.commands)) {
    dynamoMs += c.ms;
    if (!WRITE_COMMANDS.has(command)) {
      readRequests += c.requests;
      itemsRead += c.items;
    }
  }
  const w = writeTotals(s.tally);
  return {
    step: s.step,
    seconds: s.seconds,
    cpuSeconds: s.cpuSeconds,
    attempts: s.attempts,
    peakRssMB: rssMB(s.peakRssKiB),
    readRequests,
    itemsRead,
    writeRequests: w.writeRequests,
    itemsWritten: w.itemsWritten,
    writeUnits: w.writeUnits,
    dynamoMs,
    commands: s.tally.commands,
  };
}

const changedOf = (counts: ScenarioResult['counts']): number =>
  counts
    ? counts.persons.created +
      counts.persons.updated +
      counts.persons.deleted +
      counts.activities.created +
      counts.activities.updated +
      counts.activities.deleted
    : 0;

interface Planned {
  readonly name: ScenarioName;
  readonly file: string;
  readonly what: string;
  readonly activitiesInFile: number;
  /** Checks the outcome against what the scenario is meant to measure; returns what did not hold. */
  readonly expect: (r: {
    status?: string;
    counts?: ScenarioResult['counts'];
    registerItems: number;
    byKind: Record<string, KindTally>;
  }) => string[];
}

async function runScenario(
  local: DynamoDbLocal,
  table: string,
  objects: string,
  planned: Planned,
  upload: Upload,
  today: string,
  batchItemsPerSecond: () => number | undefined,
): Promise<ScenarioResult> {
  const input: WorkerInput = {
    endpoint: local.endpoint,
    table,
    objects,
    file: planned.file,
    upload,
    today,
    key: IDENTITY_KEY,
  };
  const finished = await runNode([IMPORT_WORKER, JSON.stringify(input)]);
  if (finished.code !== 0) throw failed(`import worker (${planned.name}, ${basename(planned.file)})`, finished);
  if (finished.stderr.trim()) process.stderr.write(finished.stderr);
  const out = lastJsonLine<WorkerOutput>('import-worker', finished.stdout);
  const totals = writeTotals(out.tally);
  const counts = out.counts as ScenarioResult['counts'];
  const changed = changedOf(counts);
  const surprises = out.outcome === 'done' ? [] : [`outcome ${out.outcome}`];
  surprises.push(
    ...planned.expect({
      ...(out.status !== undefined ? { status: out.status } : {}),
      ...(counts ? { counts } : {}),
      registerItems: totals.registerItems,
      byKind: out.tally.kinds,
    }),
  );
  const itemsPerSecond = totals.itemsWritten / out.seconds;
  const batch = batchItemsPerSecond();
  return {
    name: planned.name,
    file: relative(ROOT, planned.file),
    bytes: statSync(planned.file).size,
    uploadId: upload.uploadId,
    what: planned.what,
    seconds: out.seconds,
    cpuSeconds: out.cpuSeconds,
    peakRssMB: rssMB(out.maxRssKiB),
    outcome: out.outcome,
    ...(out.status !== undefined ? { status: out.status } : {}),
    ...(counts ? { counts } : {}),
    ...(out.errors !== undefined ? { errors: out.errors } : {}),
    activitiesInFile: planned.activitiesInFile,
    ...(planned.name !== 'person' ? { activitiesPerSecond: planned.activitiesInFile / out.seconds } : {}),
    changedRecords: changed,
    itemsWritten: totals.itemsWritten,
    itemsPerSecond,
    ratioToBatch: batch ? itemsPerSecond / batch : NaN,
    writeRequests: totals.writeRequests,
    writeUnits: totals.writeUnits,
    writeBytes: totals.writeBytes,
    ledgerItems: totals.ledgerItems,
    registerItems: totals.registerItems,
    ...(changed > 0
      ? {
          itemsPerChangedRecord: totals.itemsWritten / changed,
          unitsPerChangedRecord: totals.writeUnits / changed,
          registerItemsPerChangedRecord: totals.registerItems / changed,
        }
      : {}),
    byKind: out.tally.kinds,
    steps: out.steps.map(stepResult),
    surprises,
  };
}

async function measureSize(
  local: DynamoDbLocal,
  client: DynamoDBClient,
  activities: number,
  today: string,
  baseline: { batch?: BaselineFigures },
  runBaselines: (averagePutBytes: number) => Promise<void>,
): Promise<ImportSizeResult> {
  const { file, bytes, generator } = await ensureImportFile(activities);
  const xml = readFileSync(file, 'utf8');
  const activitiesInFile = (xml.match(/<Activity id=/g) ?? []).length;
  const resend = join(DATA, `import-${activities}-resend.xml`);
  const change = join(DATA, `import-${activities}-change.xml`);
  const person = join(DATA, `import-${activities}-person.xml`);
  writeFileSync(resend, withCreated(xml, '2026-11-22T02:00:00+01:00'));
  const changed = changePlaces(withCreated(xml, '2026-11-23T02:00:00+01:00'));
  writeFileSync(change, changed.xml);
  const correction = personCorrection(xml, '2026-11-24T02:00:00+01:00');
  writeFileSync(person, correction.xml);

  const table = `register-bench-${activities}`;
  const objects = mkdtempSync(join(tmpdir(), 'lok-bench-objects-'));
  try {
    await freshTable(client, table);
    const onboardStarted = performance.now();
    await onboard(client, table, generator.clubs);
    const onboardSeconds = (performance.now() - onboardStarted) / 1000;
    progress(
      `[import ${activities}] table ${table}: vendor and ${generator.clubs} club(s) onboarded in ${onboardSeconds.toFixed(2)} s`,
    );

    const noRegisterItems = (r: { registerItems: number; byKind: Record<string, KindTally> }) =>
      r.registerItems === 0
        ? []
        : [
            `wrote ${r.registerItems} register items: ${Object.entries(r.byKind)
              .map(([k, v]) => `${k} ${v.items}`)
              .join(', ')}`,
          ];
    const plans: Planned[] = [
      {
        name: 'first',
        file,
        what: `${basename(file)} on an empty register`,
        activitiesInFile,
        expect: ({ status, counts }) => [
          ...(status === 'applied' || status === 'partially_applied' ? [] : [`status ${status}`]),
          ...(counts && counts.activities.created >= 0.9 * activitiesInFile
            ? []
            : [`only ${counts?.activities.created} activities created`]),
        ],
      },
      {
        name: 'resend',
        file: resend,
        what: 'the same content, another created time',
        activitiesInFile,
        expect: (r) => [
          ...(r.counts && r.counts.activities.unchanged >= 0.9 * activitiesInFile
            ? []
            : [`only ${r.counts?.activities.unchanged} activities unchanged`]),
          ...noRegisterItems(r),
        ],
      },
      {
        name: 'change',
        file: change,
        what: `<Place> of every 100th activity changed (${changed.changed})`,
        activitiesInFile,
        expect: ({ counts, byKind }) => [
          // Some changed activities are bad records, refused before and after: most, not all, are updated.
          ...(counts &&
          counts.activities.updated <= changed.changed &&
          counts.activities.updated >= 0.9 * changed.changed
            ? []
            : [`${counts?.activities.updated} activities updated, ${changed.changed} changed`]),
          // A new place changes no verdict (place only matters when it is missing).
          ...(byKind.verdict || byKind.totals
            ? [
                `rewrote ${byKind.verdict?.items ?? 0} verdicts and ${byKind.totals?.items ?? 0} totals: a new place changes no verdict`,
              ]
            : []),
        ],
      },
      {
        name: 'person',
        file: person,
        what: correction.what,
        activitiesInFile: 0,
        expect: ({ counts }) =>
          counts?.persons.updated === 1 ? [] : [`${counts?.persons.updated} persons updated, not 1`],
      },
    ];
    const scenarios: ScenarioResult[] = [];
    let averagePutBytes = 0;
    let replay: BaselineFigures | undefined;
    for (const [i, planned] of plans.entries()) {
      const upload: Upload = {
        vendor: VENDOR,
        uploadId: `bench-${i + 1}-${planned.name}`,
        file: basename(planned.file),
        completedAt: `${today}T08:${String(i * 10).padStart(2, '0')}:00.000Z`,
      };
      process.stderr.write(`[import ${activities}] ${SCENARIO_LABELS[planned.name]} (${planned.what})… `);
      let result = await runScenario(
        local,
        table,
        objects,
        planned,
        upload,
        today,
        () => baseline.batch?.itemsPerSecond,
      );
      process.stderr.write(
        `${result.seconds.toFixed(2)} s, ${whole(result.itemsWritten)} items written, ${result.peakRssMB.toFixed(0)} MB RSS\n`,
      );
      for (const s of result.surprises) progress(`[import ${activities}]   NOTE: ${s}`);
      if (planned.name === 'first') {
        averagePutBytes =
          result.registerItems > 0
            ? Math.round(Object.entries(result.byKind).reduce((n, [, k]) => n + k.bytes, 0) / result.itemsWritten)
            : 0;
        if (!baseline.batch) {
          await runBaselines(averagePutBytes);
          result = { ...result, ratioToBatch: result.itemsPerSecond / baseline.batch!.itemsPerSecond };
        }
        process.stderr.write(
          `[import ${activities}] replay: the first load's items (up to ${whole(BASELINE.replayMaxItems)}) batch-written raw into a fresh table… `,
        );
        replay = await replayBaseline(client, table);
        process.stderr.write(
          `${whole(replay.items)} items of ${replay.itemBytes} B in ${replay.seconds.toFixed(2)} s, ${whole(replay.itemsPerSecond)} items/s\n`,
        );
      }
      scenarios.push(result);
    }
    const first = scenarios.find((x) => x.name === 'first')!;
    return {
      activities,
      generator,
      file: relative(ROOT, file),
      bytes,
      onboardSeconds,
      averagePutBytes,
      replay: replay!,
      firstLoadRatioToReplay: first.itemsPerSecond / replay!.itemsPerSecond,
      scenarios,
    };
  } finally {
    await dropTable(client, table);
    rmSync(objects, { recursive: true, force: true });
  }
}

// --- the part -------------------------------------------------------------------------------------------------

function targetsOf(sizes: readonly ImportSizeResult[]): ImportTarget[] {
  const targets: ImportTarget[] = [];
  for (const size of sizes) {
    const of = (name: ScenarioName) => size.scenarios.find((s) => s.name === name)!;
    const first = of('first');
    if (size.activities === 100_000) {
      targets.push({
        what: 'first load seconds',
        activities: size.activities,
        value: first.seconds,
        target: `< ${IMPORT_TARGETS.firstLoadSeconds100k} s`,
        met: first.seconds < IMPORT_TARGETS.firstLoadSeconds100k,
      });
      targets.push({
        what: 'first load peak RSS MB',
        activities: size.activities,
        value: first.peakRssMB,
        target: `< ${IMPORT_TARGETS.firstLoadPeakRssMB100k}`,
        met: first.peakRssMB < IMPORT_TARGETS.firstLoadPeakRssMB100k,
      });
    }
    targets.push({
      what: 'first load items/s / raw batch items/s',
      activities: size.activities,
      value: first.ratioToBatch,
      target: `>= ${IMPORT_TARGETS.ratioToBatch}`,
      met: first.ratioToBatch >= IMPORT_TARGETS.ratioToBatch,
    });
    const resend = of('resend');
    targets.push({
      what: 'unchanged re-send: register items written (ledger aside)',
      activities: size.activities,
      value: resend.registerItems,
      target: '= 0',
      met: resend.registerItems === 0,
    });
    const change = of('change');
    const perChange = change.registerItemsPerChangedRecord ?? Infinity;
    targets.push({
      what: '1 % changed: register items written per changed record',
      activities: size.activities,
      value: perChange,
      target: `<= ${IMPORT_TARGETS.registerItemsPerChange}`,
      met: change.changedRecords > 0 && perChange <= IMPORT_TARGETS.registerItemsPerChange,
    });
  }
  return targets;
}

export async function runImportBench(sizes: readonly number[], today: string): Promise<ImportSection> {
  const files = await installDynamoDbLocal(join(ROOT, '.cache'));
  progress('[import] starting DynamoDB Local (in memory)…');
  const local = await startDynamoDbLocal(files);
  const client = clientOf(local);
  const tally = emptyTally();
  countCommands(client, () => tally);
  try {
    progress(`[import] warming up: ${whole(BASELINE.warmupItems)} items batch-written to a throwaway table…`);
    const warmupSeconds = await warmUp(client);
    progress(`[import] warm-up took ${warmupSeconds.toFixed(2)} s`);
    const baseline: { batch?: BaselineFigures; transact?: BaselineFigures } = {};
    const runBaselines = async (averagePutBytes: number) => {
      const bytes = Math.max(100, averagePutBytes);
      process.stderr.write(
        `[import] baseline: BatchWriteItem, ${whole(BASELINE.batchItems)} items of ${bytes} bytes, ${BASELINE.batchInFlight} in flight… `,
      );
      baseline.batch = await batchBaseline(client, bytes, () => tally);
      process.stderr.write(`${baseline.batch.seconds.toFixed(2)} s, ${whole(baseline.batch.itemsPerSecond)} items/s\n`);
      process.stderr.write(
        `[import] baseline: TransactWriteItems, ${whole(BASELINE.transactItems)} items, ${BASELINE.perTransaction} per transaction, ${BASELINE.transactInFlight} in flight… `,
      );
      baseline.transact = await transactBaseline(client, bytes, () => tally);
      process.stderr.write(
        `${baseline.transact.seconds.toFixed(2)} s, ${whole(baseline.transact.itemsPerSecond)} items/s\n`,
      );
    };
    const results: ImportSizeResult[] = [];
    for (const activities of sizes)
      results.push(await measureSize(local, client, activities, today, baseline, runBaselines));
    return {
      settings: {
        evaluationDate: today,
        vendor: VENDOR,
        seed: SEED,
        badShare: BAD_SHARE,
        dynamoDbLocal: 'in memory, one process for the whole import part',
        baseline: BASELINE,
        units:
          "seconds: wall time of runImport in its worker (Node start-up excluded); items: items written (puts and deletes); write units: ceil(item bytes / 1 KiB) per put, 1 per delete/update, twice that in a transaction; peakRssMB: the worker's maxRSS, MB = 10^6 bytes",
      },
      baseline: { warmupSeconds, batch: baseline.batch!, transact: baseline.transact! },
      sizes: results,
      targets: targetsOf(results),
    };
  } finally {
    client.destroy();
    await local.stop();
  }
}

// --- report ---------------------------------------------------------------------------------------------------

const fixed = (n: number | undefined, digits: number): string =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);

export function importReport(section: ImportSection): string {
  const { batch, transact } = section.baseline;
  const lines: string[] = [
    'Import pipeline on DynamoDB Local (one process, in memory; each upload in a worker of its own)',
    '',
    `baseline  raw BatchWriteItem:   ${whole(batch.items)} items of ${batch.itemBytes} B, ${batch.perRequest} per request, ${batch.inFlight} in flight: ${batch.seconds.toFixed(2)} s, ${whole(batch.itemsPerSecond)} items/s, ${whole(batch.writeUnits)} write units`,
    `baseline  TransactWriteItems:   ${whole(transact.items)} items of ${transact.itemBytes} B, ${transact.perRequest} per transaction, ${transact.inFlight} in flight: ${transact.seconds.toFixed(2)} s, ${whole(transact.itemsPerSecond)} items/s, ${whole(transact.writeUnits)} write units`,
  ];
  for (const size of section.sizes) {
    const r = size.replay;
    lines.push(
      `replay    ${whole(size.activities)} first load's own items: ${whole(r.items)} items of ${r.itemBytes} B (average), BatchWriteItem, ${r.inFlight} in flight: ${r.seconds.toFixed(2)} s, ${whole(r.itemsPerSecond)} items/s; first load / replay = ${size.firstLoadRatioToReplay.toFixed(3)}`,
    );
  }
  lines.push('');
  const rows: string[][] = [
    [
      'activities',
      'upload',
      'wall s',
      'activities/s',
      'changed',
      'items written',
      'items/s',
      'x batch',
      'write req',
      'write units',
      'items/chg',
      'units/chg',
      'register items',
      'peak RSS MB',
    ],
  ];
  for (const [size, s] of eachOfSizes(section.sizes, (size) => size.scenarios)) {
    rows.push([
      s.name === 'first'
        ? `${whole(size.activities)} (${(size.bytes / 1e6).toFixed(1)} MB, ${size.generator.clubs} clubs)`
        : '',
      SCENARIO_LABELS[s.name],
      s.seconds.toFixed(2),
      s.activitiesPerSecond === undefined ? '-' : whole(s.activitiesPerSecond),
      whole(s.changedRecords),
      whole(s.itemsWritten),
      whole(s.itemsPerSecond),
      fixed(s.ratioToBatch, 3),
      whole(s.writeRequests),
      whole(s.writeUnits),
      fixed(s.itemsPerChangedRecord, 2),
      fixed(s.unitsPerChangedRecord, 2),
      whole(s.registerItems),
      s.peakRssMB.toFixed(0),
    ]);
  }
  lines.push(table(rows, [false, false, true, true, true, true, true, true, true, true, true, true, true, true]), '');

  const stepNames = ['register', 'apply', 'judge', 'totals', 'receipt'];
  const stepRows: string[][] = [['activities', 'upload', ...stepNames.map((s) => `${s} s`), 'worker CPU s']];
  for (const [size, s] of eachOfSizes(section.sizes, (size) => size.scenarios)) {
    stepRows.push([
      s.name === 'first' ? whole(size.activities) : '',
      SCENARIO_LABELS[s.name],
      ...stepNames.map((name) => fixed(s.steps.find((x) => x.step === name)?.seconds, 2)),
      s.cpuSeconds.toFixed(2),
    ]);
  }
  lines.push(
    'Seconds per step (runImport onStep)',
    table(stepRows, [false, false, true, true, true, true, true, true]),
    '',
  );

  const detailRows: string[][] = [
    [
      'activities',
      'upload',
      'step',
      'wall s',
      'CPU s',
      'peak RSS MB',
      'read req',
      'items read',
      'write req',
      'items written',
      'write units',
      'DynamoDB s (summed)',
    ],
  ];
  for (const [size, s] of eachOfSizes(section.sizes, (size) => size.scenarios)) {
    for (const [i, st] of s.steps.entries()) {
      detailRows.push([
        i === 0 ? whole(size.activities) : '',
        i === 0 ? SCENARIO_LABELS[s.name] : '',
        st.step,
        st.seconds.toFixed(2),
        st.cpuSeconds.toFixed(2),
        whole(st.peakRssMB),
        whole(st.readRequests),
        whole(st.itemsRead),
        whole(st.writeRequests),
        whole(st.itemsWritten),
        whole(st.writeUnits),
        (st.dynamoMs / 1000).toFixed(2),
      ]);
    }
  }
  lines.push(
    'Per step: wall and worker CPU seconds, DynamoDB requests and items, time spent waiting on DynamoDB (summed over requests in flight)',
    table(detailRows, [false, false, false, true, true, true, true, true, true, true, true, true]),
    '',
  );

  const kindNames = [
    ...new Set(section.sizes.flatMap((size) => size.scenarios.flatMap((s) => Object.keys(s.byKind)))),
  ].sort();
  const kindRows: string[][] = [['activities', 'upload', ...kindNames]];
  for (const [size, s] of eachOfSizes(section.sizes, (size) => size.scenarios)) {
    kindRows.push([
      s.name === 'first' ? whole(size.activities) : '',
      SCENARIO_LABELS[s.name],
      ...kindNames.map((k) => whole(s.byKind[k]?.items ?? 0)),
    ]);
  }
  lines.push('Items written by kind (key prefix)', table(kindRows, [false, false, ...kindNames.map(() => true)]), '');

  const surprises = section.sizes.flatMap((size) =>
    size.scenarios.flatMap((s) =>
      s.surprises.map((text) => `${whole(size.activities)} ${SCENARIO_LABELS[s.name]}: ${text}`),
    ),
  );
  if (surprises.length > 0) lines.push('Not as intended', ...surprises.map((s) => `  ${s}`), '');
  for (const size of section.sizes) {
    const person = size.scenarios.find((s) => s.name === 'person');
    if (person) lines.push(`${whole(size.activities)}: one person corrected: ${person.what}`);
  }
  lines.push('');

  const targetRows: string[][] = [['activities', 'what', 'value', 'target', 'met']];
  for (const t of section.targets) {
    targetRows.push([
      whole(t.activities),
      t.what,
      Number.isInteger(t.value) ? whole(t.value) : fixed(t.value, 3),
      t.target,
      t.met ? 'yes' : 'NO',
    ]);
  }
  if (!section.sizes.some((s) => s.activities === 100_000))
    targetRows.push([
      '100,000',
      'first load seconds',
      '-',
      `< ${IMPORT_TARGETS.firstLoadSeconds100k} s`,
      'not measured',
    ]);
  lines.push('Import targets', table(targetRows, [false, false, true, false, false]), '');
  return lines.join('\n');
}
