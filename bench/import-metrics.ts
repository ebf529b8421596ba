/**
 * What the import bench counts on a DynamoDBClient: a middleware (step `initialize`) that sees every command the
 * client sends, and tallies requests, time spent waiting on them, items written (by item kind, from the key
 * prefixes of register-table.ts), approximate write units and items read. Used by the import worker on the
 * pipeline's client, and by the baselines on theirs, so both are counted the same way.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { performance } from 'node:perf_hooks';
import { PREFIX } from '../shared/adapters/dynamodb/register-table.js';

type Item = Record<string, AttributeValue>;

/** Per command name (`BatchWriteItem`, `Query`, …): requests, milliseconds spent in them (summed, they overlap), items. */
export interface CommandTally {
  requests: number;
  ms: number;
  /** Items written (writes), keys asked for (BatchGetItem, GetItem) or items returned (Query, Scan). */
  items: number;
  /** Requests that failed (a conditional write whose condition did not hold, for one): not counted in `items`. */
  failed: number;
  /** Items BatchWriteItem returned unprocessed (sent again by the caller, so counted again in `items`). */
  unprocessed: number;
}

/** Items written of one kind, and their approximate write units. */
export interface KindTally {
  items: number;
  units: number;
  bytes: number;
}

export interface Tally {
  readonly commands: Record<string, CommandTally>;
  readonly kinds: Record<string, KindTally>;
}

export const emptyTally = (): Tally => ({ commands: {}, kinds: {} });

/** Commands that write. Their `items` count the items written (each PutRequest/DeleteRequest, each transaction item). */
export const WRITE_COMMANDS = new Set(['BatchWriteItem', 'PutItem', 'DeleteItem', 'UpdateItem', 'TransactWriteItems']);

/**
 * Kinds of ledger items (receipt and bookkeeping of an upload, not the register's data): the vendor's and the
 * clubs' UPLOAD# entries, the vendor's FILE# claim, its OPENCLUB# marks and WAITER# words.
 */
export const LEDGER_KINDS = new Set(['ledger', 'club-ledger', 'file-claim', 'open-mark', 'waiter']);

/** The item kind of a key, by the prefixes of register-table.ts. */
export function kindOf(pk: string, sk: string): string {
  if (pk.startsWith(PREFIX.vendor)) {
    if (sk.startsWith(PREFIX.upload)) return 'ledger';
    if (sk.startsWith(PREFIX.fileClaim)) return 'file-claim';
    // The order per club (OPENCLUB# marks) and the word left by waiting uploads (WAITER#): bookkeeping of uploads.
    if (sk.startsWith(PREFIX.openMark)) return 'open-mark';
    if (sk.startsWith(PREFIX.waiter)) return 'waiter';
    return 'vendor';
  }
  if (pk.startsWith(PREFIX.club))
    return sk.startsWith(PREFIX.upload) ? 'club-ledger' : sk.startsWith(PREFIX.activation) ? 'activation' : 'club';
  if (pk.startsWith(PREFIX.person)) return sk.startsWith(PREFIX.membership) ? 'membership' : 'person';
  if (pk.startsWith(PREFIX.link)) return sk.startsWith(PREFIX.activity) ? 'activity' : 'person-link';
  if (pk.startsWith(PREFIX.identity)) return 'identity';
  if (pk.startsWith(PREFIX.calendar)) return 'calendar';
  if (pk.startsWith(PREFIX.verdicts)) return 'verdict';
  if (pk.startsWith(PREFIX.totals)) return 'totals';
  if (pk.startsWith('BENCH#')) return 'baseline';
  return 'other';
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** DynamoDB's size of a value (docs: "Item sizes and formats"), close enough for write units. */
function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueBytes(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + utf8(k) + valueBytes(v), 0);
  return 0;
}

/** The size of an item: attribute names and values. */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8(name) + valueBytes(value);
  return bytes;
}

const unitsOf = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

function addKind(tally: Tally, item: Item, units: number, bytes: number): void {
  const kind = kindOf(item.pk?.S ?? '', item.sk?.S ?? '');
  const k = (tally.kinds[kind] ??= { items: 0, units: 0, bytes: 0 });
  k.items++;
  k.units += units;
  k.bytes += bytes;
}

/**
 * Counts the writes of one command: each put by its size (ceil(bytes / 1 KiB) write units), each delete, update
 * or condition check as one unit (the size of what they touch is not known here); transactional writes cost twice
 * (DynamoDB charges two write units per KiB in a transaction). Returns the number of items written.
 */
function countWrites(tally: Tally, command: string, input: Record<string, unknown>): number {
  let items = 0;
  const put = (item: Item, factor = 1) => {
    const bytes = itemBytes(item);
    addKind(tally, item, factor * unitsOf(bytes), bytes);
    items++;
  };
  const keyed = (key: Item, factor = 1) => {
    addKind(tally, key, factor, 0);
    items++;
  };
  switch (command) {
    case 'BatchWriteItem':
      for (const requests of Object.values(
        (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>,
      )) {
        for (const r of requests) {
          if (r.PutRequest) put(r.PutRequest.Item);
          else if (r.DeleteRequest) keyed(r.DeleteRequest.Key);
        }
      }
      break;
    case 'PutItem':
      put(input.Item as Item);
      break;
    case 'DeleteItem':
    case 'UpdateItem':
      keyed(input.Key as Item);
      break;
    case 'TransactWriteItems':
      for (const t of (input.TransactItems ?? []) as {
        Put?: { Item: Item };
        Delete?: { Key: Item };
        Update?: { Key: Item };
        ConditionCheck?: { Key: Item };
      }[]) {
        if (t.Put) put(t.Put.Item, 2);
        else keyed((t.Delete ?? t.Update ?? t.ConditionCheck)!.Key, 2);
      }
      break;
  }
  return items;
}

function readItems(
  command: string,
  input: Record<string, unknown>,
  output: Record<string, unknown> | undefined,
): number {
  switch (command) {
    case 'BatchGetItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).reduce(
        (n, r) => n + (r.Keys?.length ?? 0),
        0,
      );
    case 'GetItem':
      return 1;
    case 'Query':
    case 'Scan':
      return Number(output?.Count ?? 0);
    default:
      return 0;
  }
}

/**
 * Adds the counting middleware to a client. `target()` says which tally a command goes to when it is sent (the
 * import worker switches tallies as the pipeline's steps start).
 */
export function countCommands(client: DynamoDBClient, target: () => Tally): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const tally = target();
      const input = args.input as Record<string, unknown>;
      const started = performance.now();
      const c = (tally.commands[command] ??= { requests: 0, ms: 0, items: 0, failed: 0, unprocessed: 0 });
      c.requests++;
      try {
        const result = await next(args);
        const output = result.output as unknown as Record<string, unknown>;
        c.items += WRITE_COMMANDS.has(command) ? countWrites(tally, command, input) : readItems(command, input, output);
        if (command === 'BatchWriteItem') {
          for (const r of Object.values((output.UnprocessedItems ?? {}) as Record<string, unknown[]>))
            c.unprocessed += r.length;
        }
        return result;
      } catch (error) {
        c.failed++;
        throw error;
      } finally {
        c.ms += performance.now() - started;
      }
    },
    { step: 'initialize', name: 'benchCountCommands' },
  );
}

/** Sums of a tally: writes (requests, items, units), and items written outside the ledger. */
export function writeTotals(tally: Tally): {
  writeRequests: number;
  itemsWritten: number;
  writeUnits: number;
  writeBytes: number;
  registerItems: number;
  ledgerItems: number;
} {
  let writeRequests = 0;
  for (const [command, c] of Object.entries(tally.commands))
    if (WRITE_COMMANDS.has(command)) writeRequests += c.requests;
  let itemsWritten = 0;
  let writeUnits = 0;
  let writeBytes = 0;
  let ledgerItems = 0;
  for (const [kind, k] of Object.entries(tally.kinds)) {
    itemsWritten += k.items;
    writeUnits += k.units;
    writeBytes += k.bytes;
    if (LEDGER_KINDS.has(kind)) ledgerItems += k.items;
  }
  return {
    writeRequests,
    itemsWritten,
    writeUnits,
    writeBytes,
    registerItems: itemsWritten - ledgerItems,
    ledgerItems,
  };
}

/** Adds `from` into `into`. */
export function mergeTally(into: Tally, from: Tally): void {
  for (const [command, c] of Object.entries(from.commands)) {
    const t = (into.commands[command] ??= { requests: 0, ms: 0, items: 0, failed: 0, unprocessed: 0 });
    t.requests += c.requests;
    t.ms += c.ms;
    t.items += c.items;
    t.failed += c.failed;
    t.unprocessed += c.unprocessed;
  }
  for (const [kind, k] of Object.entries(from.kinds)) {
    const t = (into.kinds[kind] ??= { items: 0, units: 0, bytes: 0 });
    t.items += k.items;
    t.units += k.units;
    t.bytes += k.bytes;
  }
}

/** A tally in a few figures: read and write requests, items read and written, seconds waiting on DynamoDB (summed). */
export function tallySummary(tally: Tally): {
  readRequests: number;
  itemsRead: number;
  writeRequests: number;
  itemsWritten: number;
  dynamoSeconds: number;
} {
  let readRequests = 0;
  let itemsRead = 0;
  let ms = 0;
  for (const [command, c] of Object.entries(tally.commands)) {
    ms += c.ms;
    if (!WRITE_COMMANDS.has(command)) {
      readRequests += c.requests;
      itemsRead += c.items;
    }
  }
  const w = writeTotals(tally);
  return {
    readRequests,
    itemsRead,
    writeRequests: w.writeRequests,
    itemsWritten: w.itemsWritten,
    dynamoSeconds: ms / 1000,
  };
}
