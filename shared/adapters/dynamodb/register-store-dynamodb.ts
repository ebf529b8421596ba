import {
  BatchGetItemCommand, ConditionalCheckFailedException, GetItemCommand, PutItemCommand, QueryCommand, TransactionCanceledException,
  TransactWriteItemsCommand, UpdateItemCommand,
  type AttributeValue, type DynamoDBClient, type QueryCommandInput, type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Club } from '../../core/admin/register-admin.js';
import { TransientError } from '../../core/errors/step-failures.js';
import { inParallel } from '../../core/pipeline/in-parallel.js';
import { docId, type Activation, type ClubState, type Doc, type DocKey, type FileClaim, type Head, type RegisterStore } from '../../core/pipeline/ports.js';
import type { StoredActivity, StoredCalendar, StoredPersonLink, StoredTotals, StoredVerdict } from '../../core/pipeline/stored.js';
import { isEarlier, orderKeyOf, type LedgerEntry, type Upload } from '../../core/pipeline/upload.js';
import { batchesOf, batchWriteAll, sendUntilProcessed, type BatchWriteOptions } from './batch-write.js';
import { headKey, itemKey } from './register-table.js';

type Item = Record<string, AttributeValue>;

const S = (value: string): AttributeValue => ({ S: value });

/** The item of a document: its key, its value as one JSON string (`d`), and index keys where it has them. */
function itemOf(doc: Doc): Item {
  const item: Item = { ...keyItem({ kind: doc.kind, ...doc.value } as DocKey), d: S(JSON.stringify(doc.value)) };
  if (doc.kind === 'membership') {
    item.gsi1pk = S(`MEMBERS#${doc.value.club}`);
    item.gsi1sk = S(`${doc.value.pid}#${doc.value.vendor}`);
  }
  return item;
}

function keyItem(key: DocKey): Item {
  const { pk, sk } = itemKey(key);
  return { pk: S(pk), sk: S(sk) };
}

function valueOf<T>(item: Item): T {
  return JSON.parse(item.d!.S!) as T;
}

const GET_LIMIT = 100;
/** The index partition of the uploads not yet done. */
const OPEN_UPLOADS = 'OPEN-UPLOADS';
/** An open upload's mark per club it applies (`OPENCLUB#<club>#<completedAt>#<upload>` under the vendor): the per-club order. */
const OPEN_MARK = 'OPENCLUB#';
/** Head updates in flight: single conditional writes, so more of them than batches. */
const HEAD_UPDATES_IN_FLIGHT = 64;
const HEAD_TRANSACTIONS_IN_FLIGHT = 8;
/** Items in one TransactWriteItems. */
const TRANSACTION_ITEMS = 100;
/** The mark of an upload whose clubs are not known yet (its file not read): every later upload waits for it. */
const UNKNOWN_CLUBS = '?';

function openMarkKey(upload: Upload, club: string): Item {
  return { pk: S(`VENDOR#${upload.vendor}`), sk: S(`${OPEN_MARK}${club}#${orderKeyOf(upload)}`) };
}

function openMark(upload: Upload, club: string): Item {
  return { ...openMarkKey(upload, club), uploadId: S(upload.uploadId), completedAt: S(upload.completedAt) };
}

/** Word left with an upload by those waiting for it: `WAITER#<upload>#<waiter>` under the vendor. */
const WAITER_PREFIX = 'WAITER#';

/**
 * The register on DynamoDB: one table (register-table.ts), documents as one JSON attribute each so that a
 * document costs one small item, bulk writes through BatchWriteItem (25 per request, several in flight), and
 * conditional writes only where two writers can meet (ledger entries, file claims, totals).
 */
export class DynamoDbRegisterStore implements RegisterStore {
  constructor(private readonly client: DynamoDBClient, private readonly table: string, private readonly options: BatchWriteOptions = {}) {}

  async clubs(ids: readonly string[]): Promise<Map<string, ClubState>> {
    const result = new Map<string, ClubState>();
    await Promise.all([...new Set(ids)].map(async (id) => {
      // META and ACTIVATION#… sort before the club's UPLOAD#… entries: only they are read.
      const items = await this.queryAll({
        TableName: this.table, KeyConditionExpression: 'pk = :pk AND sk <= :meta',
        ExpressionAttributeValues: { ':pk': S(`CLUB#${id}`), ':meta': S('META') }, ConsistentRead: true,
      });
      const meta = items.find((i) => i.sk?.S === 'META');
      if (!meta) return;
      const { submittedPeriods, supplementedPeriods, ...club } = unmarshall(meta) as Club & { submittedPeriods?: string[]; supplementedPeriods?: string[] };
      const activations: Activation[] = items.filter((i) => i.sk?.S?.startsWith('ACTIVATION#')).map((i) => {
        const a = unmarshall(i) as { vendor: string; from: string; to?: string; active: boolean };
        return { vendor: a.vendor, from: a.from, active: a.active, ...(a.to !== undefined ? { to: a.to } : {}) };
      });
      result.set(id, {
        club: { id: club.id, name: club.name, sports: club.sports, federation: club.federation, identityKey: club.identityKey, countsEveryoneAsDisabled: club.countsEveryoneAsDisabled },
        activations, submittedPeriods: submittedPeriods ?? [], supplementedPeriods: supplementedPeriods ?? [],
      });
    }));
    return result;
  }

  async get(keys: readonly DocKey[]): Promise<Map<string, Doc>> {
    const unique = new Map(keys.map((k) => [docId(k), k]));
    const kinds = new Map<string, DocKey['kind']>();
    const items: Item[] = [];
    for (const key of unique.values()) {
      const item = keyItem(key);
      kinds.set(`${item.pk!.S}\u0000${item.sk!.S}`, key.kind);
      items.push(item);
    }
    const found = new Map<string, Doc>();
    for (const item of await this.batchGet(items)) {
      const doc = { kind: kinds.get(`${item.pk!.S}\u0000${item.sk!.S}`)!, value: valueOf(item) } as Doc;
      found.set(docId(doc), doc);
    }
    return found;
  }

  /**
   * Moves the heads in transactions of TRANSACTION_ITEMS (one request moves a hundred), HEAD_TRANSACTIONS_IN_FLIGHT
   * at once; what is left over (all of a small delta's few heads) one by one, since an item in a transaction costs
   * two write units and one alone one. A transaction is all or nothing: where one of its heads was moved by this
   * upload already (a retry), or another writer held one of them (a conflict), its heads are moved one by one.
   */
  async bumpHeads(keys: readonly string[], uploadId: string): Promise<void> {
    await inParallel(batchesOf([...new Set(keys)], TRANSACTION_ITEMS), HEAD_TRANSACTIONS_IN_FLIGHT, async (batch) => {
      if (batch.length === TRANSACTION_ITEMS) {
        try {
          await this.client.send(new TransactWriteItemsCommand({ TransactItems: batch.map((key) => ({ Update: this.headMove(key, uploadId) })) }));
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
      await inParallel(batch, HEAD_UPDATES_IN_FLIGHT, (key) => this.bumpHead(key, uploadId));
    });
  }

  private async bumpHead(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand(this.headMove(key, uploadId)));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** One head moved by an upload: its count up by one, `first` kept, `last` = the upload; not again by the upload that moved it last. */
  private headMove(key: string, uploadId: string) {
    return {
      TableName: this.table, Key: { pk: S(headKey(key).pk), sk: S(headKey(key).sk) },
      UpdateExpression: 'SET v = if_not_exists(v, :zero) + :one, #last = :me, #first = if_not_exists(#first, :me)',
      // A retry of the upload that moved it last changes nothing a judge could have missed.
      ConditionExpression: 'attribute_not_exists(#last) OR #last <> :me',
      ExpressionAttributeNames: { '#last': 'last', '#first': 'first' },
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':me': S(uploadId) },
    };
  }

  async heads(keys: readonly string[]): Promise<Map<string, Head>> {
    const byPk = new Map([...new Set(keys)].map((key) => [headKey(key).pk, key]));
    const heads = new Map<string, Head>();
    const items = await this.batchGet([...byPk.keys()].map((pk) => ({ pk: S(pk), sk: S(headKey('').sk) })));
    for (const item of items) heads.set(byPk.get(item.pk!.S!)!, { version: Number(item.v!.N), first: item.first!.S! });
    return heads;
  }

  /**
   * BatchGetItem over any number of keys, consistent, 100 per request and 8 in flight, unprocessed keys sent again
   * (`sendUntilProcessed`). Keys still unprocessed after the last attempt are throttling: a TransientError, which
   * the step wrapper and the local runner retry.
   */
  private async batchGet(keys: readonly Item[]): Promise<Item[]> {
    const found: Item[] = [];
    await inParallel(batchesOf(keys, GET_LIMIT), 8, async (request) => {
      const left = await sendUntilProcessed(request, async (pending) => {
        const output = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: [...pending], ConsistentRead: true } } }));
        found.push(...((output.Responses?.[this.table] ?? []) as Item[]));
        return (output.UnprocessedKeys?.[this.table]?.Keys ?? []) as Item[];
      });
      if (left.length > 0) throw new TransientError(`DynamoDB left ${left.length} keys unprocessed after every attempt`);
    });
    return found;
  }

  async write(puts: readonly Doc[], deletes: readonly DocKey[] = []): Promise<void> {
    const requests: WriteRequest[] = [
      ...puts.map((doc) => ({ PutRequest: { Item: itemOf(doc) } })),
      ...deletes.map((key) => ({ DeleteRequest: { Key: keyItem(key) } })),
    ];
    if (requests.length > 0) await batchWriteAll((command) => this.client.send(command), this.table, requests, this.options);
  }

  async linksOf(vendor: string, club: string): Promise<{ persons: StoredPersonLink[]; activities: StoredActivity[] }> {
    const items = await this.queryAll({
      TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': S(`LINK#${vendor}#${club}`) }, ConsistentRead: true,
    });
    const persons: StoredPersonLink[] = [];
    const activities: StoredActivity[] = [];
    for (const item of items) {
      if (item.sk!.S!.startsWith('P#')) persons.push(valueOf(item));
      else activities.push(valueOf(item));
    }
    return { persons, activities };
  }

  async calendarsOf(key: string, period?: string): Promise<StoredCalendar[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: period === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :period)',
      ExpressionAttributeValues: { ':pk': S(`CAL#${key}`), ...(period === undefined ? {} : { ':period': S(`${period}#`) }) },
      ConsistentRead: true,
    });
    return items.map((i) => valueOf<StoredCalendar>(i));
  }

  async verdictsOf(club: string, period: string): Promise<StoredVerdict[]> {
    const items = await this.queryAll({
      TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': S(`VERDICTS#${club}#${period}`) }, ConsistentRead: true,
    });
    return items.map((i) => valueOf<StoredVerdict>(i));
  }

  async membersOf(club: string): Promise<{ pid: string; vendor: string }[]> {
    const items = await this.queryAll({
      TableName: this.table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': S(`MEMBERS#${club}`) },
    });
    return items.map((i) => {
      const [pid, vendor] = i.gsi1sk!.S!.split('#') as [string, string];
      return { pid, vendor };
    });
  }

  async totals(club: string, period: string): Promise<{ value?: StoredTotals; revision: number }> {
    const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: S(`TOTALS#${club}`), sk: S(period) }, ConsistentRead: true }));
    if (!output.Item) return { revision: 0 };
    return { value: valueOf<StoredTotals>(output.Item), revision: Number(output.Item.rev!.N) };
  }

  async putTotals(club: string, period: string, value: StoredTotals, expected: number): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.table,
        Item: { pk: S(`TOTALS#${club}`), sk: S(period), d: S(JSON.stringify(value)), rev: { N: String(expected + 1) } },
        ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : 'rev = :expected',
        ...(expected === 0 ? {} : { ExpressionAttributeValues: { ':expected': { N: String(expected) } } }),
      }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async totalsOf(club: string): Promise<StoredTotals[]> {
    const items = await this.queryAll({
      TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': S(`TOTALS#${club}`) }, ConsistentRead: true,
    });
    return items.map((i) => valueOf<StoredTotals>(i));
  }

  async allClubs(): Promise<string[]> {
    const items = await this.queryAll({
      TableName: this.table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': S('CLUBS') },
    });
    return items.map((i) => i.gsi1sk!.S!).sort();
  }

  private ledgerItem(entry: LedgerEntry): Item {
    const item: Item = { pk: S(`VENDOR#${entry.vendor}`), sk: S(`UPLOAD#${orderKeyOf(entry)}`), d: S(JSON.stringify(entry)) };
    // Open uploads are indexed, so that "what is unfinished" never reads a vendor's whole history.
    if (entry.stage !== 'done' || entry.stale) {
      item.gsi1pk = S(OPEN_UPLOADS);
      item.gsi1sk = S(`${entry.vendor}#${orderKeyOf(entry)}`);
    }
    return item;
  }

  async createUpload(entry: LedgerEntry): Promise<LedgerEntry> {
    try {
      // With its open mark for clubs not known yet, in one transaction: no moment when the upload is in the ledger
      // and invisible to a later upload's look for its predecessor.
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: [
        { Put: { TableName: this.table, Item: this.ledgerItem(entry), ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: this.table, Item: openMark(entry, UNKNOWN_CLUBS) } },
      ] }));
      return entry;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || error.CancellationReasons?.[0]?.Code !== 'ConditionalCheckFailed') throw error;
      return (await this.upload(entry.vendor, entry.uploadId, entry.completedAt))!;
    }
  }

  async openClubs(upload: Upload, clubs: readonly string[]): Promise<void> {
    // The clubs' marks first, then the unknown one goes: the upload is never unmarked while open.
    await this.writeRequests(clubs.map((club) => ({ PutRequest: { Item: openMark(upload, club) } })));
    await this.writeRequests([{ DeleteRequest: { Key: openMarkKey(upload, UNKNOWN_CLUBS) } }]);
  }

  async upload(vendor: string, uploadId: string, completedAt: string): Promise<LedgerEntry | undefined> {
    const output = await this.client.send(new GetItemCommand({
      TableName: this.table, Key: { pk: S(`VENDOR#${vendor}`), sk: S(`UPLOAD#${completedAt}#${uploadId}`) }, ConsistentRead: true,
    }));
    return output.Item ? valueOf<LedgerEntry>(output.Item) : undefined;
  }

  async putUpload(entry: LedgerEntry): Promise<void> {
    if (entry.stage !== 'done') {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: this.ledgerItem(entry) }));
      return;
    }
    // Done, and its open marks gone, in one transaction (up to a transaction's 100 items; the marks of clubs beyond
    // go after it, and one left by a crash then is found done and removed by the next look).
    const marks = [UNKNOWN_CLUBS, ...(entry.clubsInFile ?? [])].map((club) => openMarkKey(entry, club));
    await this.client.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: this.table, Item: this.ledgerItem(entry) } },
      ...marks.slice(0, TRANSACTION_ITEMS - 1).map((Key) => ({ Delete: { TableName: this.table, Key } })),
    ] }));
    await this.writeRequests(marks.slice(TRANSACTION_ITEMS - 1).map((Key) => ({ DeleteRequest: { Key } })));
  }

  private async writeRequests(requests: WriteRequest[]): Promise<void> {
    if (requests.length > 0) await batchWriteAll((command) => this.client.send(command), this.table, requests, this.options);
  }

  async findUpload(vendor: string, uploadId: string): Promise<LedgerEntry | undefined> {
    // The ledger's sort key starts with the completion time: the id alone is found among the keys of the vendor's
    // ledger (an operator's look-up, not a pipeline path), then the entry is read.
    const keys = await this.queryAll({
      TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :upload)', ProjectionExpression: 'sk',
      ExpressionAttributeValues: { ':pk': S(`VENDOR#${vendor}`), ':upload': S('UPLOAD#') },
    });
    const key = keys.map((k) => k.sk?.S ?? '').find((sk) => sk.endsWith(`#${uploadId}`));
    if (key === undefined) return undefined;
    const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: S(`VENDOR#${vendor}`), sk: S(key) }, ConsistentRead: true }));
    const entry = output.Item ? valueOf<LedgerEntry>(output.Item) : undefined;
    return entry?.uploadId === uploadId ? entry : undefined;
  }

  async uploadsOf(owner: { vendor: string } | { club: string }, limit: number): Promise<LedgerEntry[]> {
    const pk = 'vendor' in owner ? `VENDOR#${owner.vendor}` : `CLUB#${owner.club}`;
    // Page by page from the newest (a page ends at 1 MB), each asking only for what is still missing.
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({
        TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :upload)',
        ExpressionAttributeValues: { ':pk': S(pk), ':upload': S('UPLOAD#') }, ScanIndexForward: false, Limit: limit - items.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey as Item | undefined;
    } while (start && items.length < limit);
    return items.map((i) => valueOf<LedgerEntry>(i));
  }

  async unfinishedUploads(vendor: string): Promise<LedgerEntry[]> {
    return this.openUploads(`${vendor}#`);
  }

  async allUnfinishedUploads(): Promise<LedgerEntry[]> {
    return (await this.openUploads('')).sort((a, b) => (orderKeyOf(a) < orderKeyOf(b) ? -1 : 1));
  }

  async predecessorOf(upload: Upload, clubs?: readonly string[]): Promise<LedgerEntry | undefined> {
    if (clubs === undefined) return this.nearestOpen(upload);
    // Per club of the file, and among uploads whose clubs are not known yet: the nearest open one below this one.
    const found = await Promise.all([UNKNOWN_CLUBS, ...new Set(clubs)].map((club) => this.nearestMarked(upload, club)));
    let nearest: LedgerEntry | undefined;
    for (const entry of found) if (entry && (nearest === undefined || isEarlier(nearest, entry))) nearest = entry;
    return nearest;
  }

  async openUploadIds(vendor: string): Promise<Set<string>> {
    const marks = await this.queryAll({
      TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :mark)', ConsistentRead: true, ProjectionExpression: 'uploadId',
      ExpressionAttributeValues: { ':pk': S(`VENDOR#${vendor}`), ':mark': S(OPEN_MARK) },
    });
    return new Set(marks.map((m) => m.uploadId!.S!));
  }

  /** The nearest earlier upload of the vendor still open with a mark for `club` (a mark left by a crash is removed). */
  private nearestMarked(upload: Upload, club: string): Promise<LedgerEntry | undefined> {
    return this.nearestUnfinishedBelow({
      pk: ['pk', `VENDOR#${upload.vendor}`], sortKey: 'sk', floor: `${OPEN_MARK}${club}#`, below: openMarkKey(upload, club).sk!.S!,
      entryOf: (mark) => this.upload(upload.vendor, mark.uploadId!.S!, mark.completedAt!.S!),
      passedDone: (mark) => this.writeRequests([{ DeleteRequest: { Key: { pk: mark.pk!, sk: mark.sk! } } }]),
    });
  }

  /** The nearest earlier upload of the vendor not done, whatever its clubs (the open-uploads index). */
  private nearestOpen(upload: Upload): Promise<LedgerEntry | undefined> {
    return this.nearestUnfinishedBelow({
      index: 'gsi1', pk: ['gsi1pk', OPEN_UPLOADS], sortKey: 'gsi1sk', floor: `${upload.vendor}#`, below: `${upload.vendor}#${orderKeyOf(upload)}`,
      // The index's keys are the ledger entry's; it is eventually consistent in AWS and holds done uploads still to
      // re-judge (stale): the entry itself says whether it is unfinished.
      entryOf: async (key) => {
        const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: key.pk!, sk: key.sk! }, ConsistentRead: true }));
        return output.Item ? valueOf<LedgerEntry>(output.Item) : undefined;
      },
    });
  }

  /**
   * Walks a key range down from just below `below` (the range holds `below` itself, hence two items a page): the
   * ledger entry of the first item whose upload is not done. `passedDone` is told of each item passed whose upload
   * is done.
   */
  private async nearestUnfinishedBelow(range: {
    readonly index?: string; readonly pk: readonly [string, string]; readonly sortKey: string; readonly floor: string; readonly below: string;
    readonly entryOf: (item: Item) => Promise<LedgerEntry | undefined>; readonly passedDone?: (item: Item) => Promise<void>;
  }): Promise<LedgerEntry | undefined> {
    let below = range.below;
    for (;;) {
      const page = await this.client.send(new QueryCommand({
        TableName: this.table, ...(range.index ? { IndexName: range.index } : { ConsistentRead: true }),
        KeyConditionExpression: `${range.pk[0]} = :pk AND ${range.sortKey} BETWEEN :floor AND :below`,
        ExpressionAttributeValues: { ':pk': S(range.pk[1]), ':floor': S(range.floor), ':below': S(below) }, ScanIndexForward: false, Limit: 2,
      }));
      const item = (page.Items ?? []).find((i) => i[range.sortKey]?.S !== below);
      if (!item) return undefined;
      const entry = await range.entryOf(item);
      if (entry && entry.stage !== 'done') return entry;
      if (entry) await range.passedDone?.(item);
      below = item[range.sortKey]!.S!;
    }
  }

  async addWaiter(predecessor: Upload, waiter: string, token: string): Promise<void> {
    await this.client.send(new PutItemCommand({
      TableName: this.table, Item: { pk: S(`VENDOR#${predecessor.vendor}`), sk: S(`${WAITER_PREFIX}${predecessor.uploadId}#${waiter}`), token: S(token) },
    }));
  }

  async takeWaiters(upload: Upload): Promise<{ waiter: string; token: string }[]> {
    const prefix = `${WAITER_PREFIX}${upload.uploadId}#`;
    const items = await this.queryAll({
      TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': S(`VENDOR#${upload.vendor}`), ':prefix': S(prefix) }, ConsistentRead: true,
    });
    if (items.length > 0) await batchWriteAll((command) => this.client.send(command), this.table, items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })), this.options);
    return items.map((i) => ({ waiter: i.sk!.S!.slice(prefix.length), token: i.token!.S! }));
  }

  private async openUploads(prefix: string): Promise<LedgerEntry[]> {
    const keys = await this.queryAll({
      TableName: this.table, IndexName: 'gsi1',
      KeyConditionExpression: prefix === '' ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':pk': S(OPEN_UPLOADS), ...(prefix === '' ? {} : { ':prefix': S(prefix) }) },
    });
    // The index is eventually consistent in AWS: each entry is read again from the table, and dropped if done.
    const entries: LedgerEntry[] = [];
    for (const key of keys) {
      const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: key.pk!, sk: key.sk! }, ConsistentRead: true }));
      if (output.Item && output.Item.gsi1pk) entries.push(valueOf<LedgerEntry>(output.Item));
    }
    return entries;
  }

  async claimFile(vendor: string, sha256: string, uploadId: string): Promise<FileClaim> {
    const key = { pk: S(`VENDOR#${vendor}`), sk: S(`FILE#${sha256}`) };
    try {
      // Free, ours already, or released by a failed upload (whose list of failures it keeps).
      const output = await this.client.send(new UpdateItemCommand({
        TableName: this.table, Key: key, UpdateExpression: 'SET uploadId = :me REMOVE released',
        ConditionExpression: 'attribute_not_exists(pk) OR uploadId = :me OR released = :yes',
        ExpressionAttributeValues: { ':me': S(uploadId), ':yes': { BOOL: true } }, ReturnValues: 'ALL_NEW',
      }));
      return { owner: uploadId, failed: output.Attributes?.failed?.L?.map((v) => v.S!) ?? [] };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
      const owner = output.Item?.released?.BOOL ? undefined : output.Item?.uploadId?.S;
      return owner === undefined ? this.claimFile(vendor, sha256, uploadId) : { owner, failed: [] };
    }
  }

  async releaseFile(vendor: string, sha256: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.table, Key: { pk: S(`VENDOR#${vendor}`), sk: S(`FILE#${sha256}`) },
        // A list, in the order of the failures: the next owner takes over their writes.
        UpdateExpression: 'SET released = :yes, failed = list_append(if_not_exists(failed, :none), :me)',
        ConditionExpression: 'uploadId = :id AND (attribute_not_exists(released) OR released = :no)',
        ExpressionAttributeValues: { ':id': S(uploadId), ':me': { L: [S(uploadId)] }, ':none': { L: [] }, ':yes': { BOOL: true }, ':no': { BOOL: false } },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async putClubUpload(club: string, entry: LedgerEntry): Promise<void> {
    await this.client.send(new PutItemCommand({
      TableName: this.table, Item: { pk: S(`CLUB#${club}`), sk: S(`UPLOAD#${orderKeyOf(entry)}`), d: S(JSON.stringify(entry)) },
    }));
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey as Item | undefined;
    } while (start);
    return items;
  }
}
