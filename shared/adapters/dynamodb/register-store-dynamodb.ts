import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { TransientError } from '../../core/errors/step-failures.js';
import { inParallel } from '../../core/pipeline/in-parallel.js';
import {
  docId,
  type ClubState,
  type Doc,
  type DocKey,
  type FileClaim,
  type Head,
  type RegisterStore,
} from '../../core/pipeline/ports.js';
import type {
  StoredActivity,
  StoredCalendar,
  StoredPersonLink,
  StoredTotals,
  StoredVerdict,
} from '../../core/pipeline/stored.js';
import { isEarlier, type LedgerEntry, type Upload } from '../../core/pipeline/upload.js';
import { batchesOf, batchWriteAll, sendUntilProcessed, type BatchWriteOptions } from './batch-write.js';
import {
  clubStateOf,
  clubUploadItem,
  docItem,
  FILE_CLAIM,
  fileClaimOf,
  fromItem,
  HEAD,
  headOf,
  itemDocument,
  itemKeyCondition,
  keyItem,
  ledgerItem,
  openMarkItem,
  openMarkOf,
  REVISION,
  S,
  toItem,
  tokenOf,
  totalsItem,
  totalsOf,
  waiterItem,
  type Item,
} from './register-items.js';
import { conditionFailed } from './conditions.js';
import { allPages, type Page } from './pages.js';
import {
  INDEX,
  indexKey,
  KEY_NAMES,
  indexRange,
  key,
  parse,
  range,
  UNKNOWN_CLUBS,
  type KeyRange,
  type TableKey,
} from './register-table.js';

const GET_LIMIT = 100;
/** Head updates in flight: single conditional writes, so more of them than batches. */
const HEAD_UPDATES_IN_FLIGHT = 64;
const HEAD_TRANSACTIONS_IN_FLIGHT = 8;
/** Items in one TransactWriteItems. */
const TRANSACTION_ITEMS = 100;

/**
 * The register on DynamoDB: one table (its keys in register-table.ts, its items' encoding in register-items.ts),
 * documents as one JSON attribute each so that a document costs one small item, bulk writes through
 * BatchWriteItem (25 per request, several in flight), and conditional writes only where two writers can meet
 * (ledger entries, file claims, totals).
 */
export class DynamoDbRegisterStore implements RegisterStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly options: BatchWriteOptions = {},
  ) {}

  async clubs(ids: readonly string[]): Promise<Map<string, ClubState>> {
    const result = new Map<string, ClubState>();
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        // META and ACTIVATION#… sort before the club's UPLOAD#… and SUBMISSION#… items: only they are read.
        const { pk, sk } = key.club(id);
        const items = (
          await this.queryAll({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk <= :meta',
            ExpressionAttributeValues: { ':pk': S(pk), ':meta': S(sk) },
            ConsistentRead: true,
          })
        ).map(fromItem);
        const meta = items.find((i) => parse.isMeta(i.sk as string));
        if (!meta) return;
        result.set(
          id,
          clubStateOf(
            meta,
            items.filter((i) => parse.isActivation(i.sk as string)),
          ),
        );
      }),
    );
    return result;
  }

  async get(keys: readonly DocKey[]): Promise<Map<string, Doc>> {
    const unique = new Map(keys.map((k) => [docId(k), k]));
    const kinds = new Map<string, DocKey['kind']>();
    const items: Item[] = [];
    for (const doc of unique.values()) {
      const { pk, sk } = key.doc(doc);
      kinds.set(`${pk}\u0000${sk}`, doc.kind);
      items.push(keyItem({ pk, sk }));
    }
    const found = new Map<string, Doc>();
    for (const item of await this.batchGet(items)) {
      const doc = { kind: kinds.get(`${item.pk!.S}\u0000${item.sk!.S}`)!, value: itemDocument(item) } as Doc;
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
          await this.client.send(
            new TransactWriteItemsCommand({
              TransactItems: batch.map((head) => ({ Update: this.headMove(head, uploadId) })),
            }),
          );
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
      await inParallel(batch, HEAD_UPDATES_IN_FLIGHT, (head) => this.bumpHead(head, uploadId));
    });
  }

  private async bumpHead(calendarKey: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand(this.headMove(calendarKey, uploadId)));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** One head moved by an upload: its count up by one, `first` kept, `last` = the upload; not again by the upload that moved it last. */
  private headMove(calendarKey: string, uploadId: string) {
    return {
      TableName: this.table,
      Key: keyItem(key.head(calendarKey)),
      UpdateExpression: 'SET #v = if_not_exists(#v, :zero) + :one, #last = :me, #first = if_not_exists(#first, :me)',
      // A retry of the upload that moved it last changes nothing a judge could have missed.
      ConditionExpression: 'attribute_not_exists(#last) OR #last <> :me',
      ExpressionAttributeNames: { '#v': HEAD.version, '#last': HEAD.last, '#first': HEAD.first },
      ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':me': S(uploadId) },
    };
  }

  async heads(keys: readonly string[]): Promise<Map<string, Head>> {
    const byPk = new Map([...new Set(keys)].map((calendarKey) => [key.head(calendarKey).pk, calendarKey]));
    const heads = new Map<string, Head>();
    const items = await this.batchGet([...byPk.values()].map((calendarKey) => keyItem(key.head(calendarKey))));
    for (const item of items) heads.set(byPk.get(item.pk!.S!)!, headOf(fromItem(item)));
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
        const output = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: [...pending], ConsistentRead: true } } }),
        );
        found.push(...((output.Responses?.[this.table] ?? []) as Item[]));
        return (output.UnprocessedKeys?.[this.table]?.Keys ?? []) as Item[];
      });
      if (left.length > 0)
        throw new TransientError(`DynamoDB left ${left.length} keys unprocessed after every attempt`);
    });
    return found;
  }

  async write(puts: readonly Doc[], deletes: readonly DocKey[] = []): Promise<void> {
    await this.writeRequests([
      ...puts.map((doc) => ({ PutRequest: { Item: toItem(docItem(doc)) } })),
      ...deletes.map((doc) => ({ DeleteRequest: { Key: keyItem(key.doc(doc)) } })),
    ]);
  }

  async linksOf(vendor: string, club: string): Promise<{ persons: StoredPersonLink[]; activities: StoredActivity[] }> {
    const items = await this.queryRange(range.linksOf(vendor, club));
    const persons: StoredPersonLink[] = [];
    const activities: StoredActivity[] = [];
    for (const item of items) {
      if (parse.isPersonLink(item.sk!.S!)) persons.push(itemDocument(item));
      else activities.push(itemDocument(item));
    }
    return { persons, activities };
  }

  async calendarsOf(calendarKey: string, period?: string): Promise<StoredCalendar[]> {
    return (await this.queryRange(range.calendarsOf(calendarKey, period))).map((i) => itemDocument<StoredCalendar>(i));
  }

  async verdictsOf(club: string, period: string): Promise<StoredVerdict[]> {
    return (await this.queryRange(range.verdictsOf(club, period))).map((i) => itemDocument<StoredVerdict>(i));
  }

  async membersOf(club: string): Promise<{ pid: string; vendor: string }[]> {
    return (await this.queryIndex(indexRange.membersOf(club))).map((i) => parse.member(i.gsi1sk!.S!));
  }

  async totals(club: string, period: string): Promise<{ value?: StoredTotals; revision: number }> {
    const output = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: keyItem(key.totals(club, period)), ConsistentRead: true }),
    );
    return output.Item ? totalsOf(fromItem(output.Item)) : { revision: 0 };
  }

  async putTotals(club: string, period: string, value: StoredTotals, expected: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: toItem(totalsItem(club, period, value, expected + 1)),
          ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : '#rev = :expected',
          ...(expected === 0
            ? {}
            : {
                ExpressionAttributeNames: { '#rev': REVISION },
                ExpressionAttributeValues: { ':expected': { N: String(expected) } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async totalsOf(club: string): Promise<StoredTotals[]> {
    return (await this.queryRange(range.totalsOf(club))).map((i) => itemDocument<StoredTotals>(i));
  }

  async allClubs(): Promise<string[]> {
    return (await this.queryIndex(indexRange.clubs())).map((i) => i.gsi1sk!.S!).sort();
  }

  async createUpload(entry: LedgerEntry): Promise<LedgerEntry> {
    try {
      // With its open mark for clubs not known yet, in one transaction: no moment when the upload is in the ledger
      // and invisible to a later upload's look for its predecessor.
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: toItem(ledgerItem(entry)),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: this.table, Item: toItem(openMarkItem(entry, UNKNOWN_CLUBS)) } },
          ],
        }),
      );
      return entry;
    } catch (error) {
      if (!conditionFailed(error, 0)) throw error;
      return (await this.upload(entry.vendor, entry.uploadId, entry.completedAt))!;
    }
  }

  async openClubs(upload: Upload, clubs: readonly string[]): Promise<void> {
    // The clubs' marks first, then the unknown one goes: the upload is never unmarked while open.
    await this.writeRequests(clubs.map((club) => ({ PutRequest: { Item: toItem(openMarkItem(upload, club)) } })));
    await this.writeRequests([{ DeleteRequest: { Key: keyItem(key.openMark(upload, UNKNOWN_CLUBS)) } }]);
  }

  async upload(vendor: string, uploadId: string, completedAt: string): Promise<LedgerEntry | undefined> {
    return this.getDocument<LedgerEntry>(key.ledger({ vendor, uploadId, completedAt }));
  }

  async putUpload(entry: LedgerEntry): Promise<void> {
    if (entry.stage !== 'done') {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: toItem(ledgerItem(entry)) }));
      return;
    }
    // Done, and its open marks gone, in one transaction (up to a transaction's 100 items; the marks of clubs beyond
    // go after it, and one left by a crash then is found done and removed by the next look).
    const marks = [UNKNOWN_CLUBS, ...(entry.clubsInFile ?? [])].map((club) => keyItem(key.openMark(entry, club)));
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: toItem(ledgerItem(entry)) } },
          ...marks.slice(0, TRANSACTION_ITEMS - 1).map((Key) => ({ Delete: { TableName: this.table, Key } })),
        ],
      }),
    );
    await this.writeRequests(marks.slice(TRANSACTION_ITEMS - 1).map((Key) => ({ DeleteRequest: { Key } })));
  }

  private async writeRequests(requests: WriteRequest[]): Promise<void> {
    if (requests.length > 0)
      await batchWriteAll((command) => this.client.send(command), this.table, requests, this.options);
  }

  async findUpload(vendor: string, uploadId: string): Promise<LedgerEntry | undefined> {
    // The ledger's sort key starts with the completion time: the id alone is found among the keys of the vendor's
    // ledger (an operator's look-up, not a pipeline path), then the entry is read.
    const keys = await this.queryAll({
      TableName: this.table,
      ...itemKeyCondition(range.uploadsOf({ vendor })),
      ProjectionExpression: 'sk',
    });
    const found = keys.map((k) => k.sk?.S ?? '').find((sk) => parse.isLedgerOf(sk, uploadId));
    if (found === undefined) return undefined;
    const entry = await this.getDocument<LedgerEntry>({ pk: key.vendor(vendor).pk, sk: found });
    return entry?.uploadId === uploadId ? entry : undefined;
  }

  async uploadsOf(owner: { vendor: string } | { club: string }, limit: number): Promise<LedgerEntry[]> {
    // Page by page from the newest (a page ends at 1 MB), each asking only for what is still missing.
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          ...itemKeyCondition(range.uploadsOf(owner)),
          ScanIndexForward: false,
          Limit: limit - items.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey as Item | undefined;
    } while (start && items.length < limit);
    return items.map((i) => itemDocument<LedgerEntry>(i));
  }

  async unfinishedUploads(vendor: string): Promise<LedgerEntry[]> {
    return this.openUploads(vendor);
  }

  async allUnfinishedUploads(): Promise<LedgerEntry[]> {
    return (await this.openUploads()).sort((a, b) => (isEarlier(a, b) ? -1 : 1));
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
      TableName: this.table,
      ...itemKeyCondition(range.openMarksOf(vendor)),
      ConsistentRead: true,
      ProjectionExpression: 'uploadId',
    });
    return new Set(marks.map((m) => openMarkOf(fromItem(m)).uploadId));
  }

  /** The nearest earlier upload of the vendor still open with a mark for `club` (a mark left by a crash is removed). */
  private nearestMarked(upload: Upload, club: string): Promise<LedgerEntry | undefined> {
    const mark = key.openMark(upload, club);
    return this.nearestUnfinishedBelow({
      on: 'table',
      pk: mark.pk,
      floor: range.openMarksOf(upload.vendor, club).skPrefix!,
      below: mark.sk,
      entryOf: (item) => {
        const { uploadId, completedAt } = openMarkOf(fromItem(item));
        return this.upload(upload.vendor, uploadId, completedAt);
      },
      passedDone: (item) => this.writeRequests([{ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } }]),
    });
  }

  /** The nearest earlier upload of the vendor not done, whatever its clubs (the open-uploads index). */
  private nearestOpen(upload: Upload): Promise<LedgerEntry | undefined> {
    const open = indexKey.openUpload(upload);
    return this.nearestUnfinishedBelow({
      on: 'index',
      pk: open.gsi1pk,
      floor: indexRange.openUploads(upload.vendor).skPrefix!,
      below: open.gsi1sk,
      // The index's keys are the ledger entry's; it is eventually consistent in AWS and holds done uploads still to
      // re-judge (stale): the entry itself says whether it is unfinished.
      entryOf: (item) => this.getDocument<LedgerEntry>(fromItem(item) as TableKey),
    });
  }

  /**
   * Walks a key range down from just below `below` (the range holds `below` itself, hence two items a page): the
   * ledger entry of the first item whose upload is not done. `passedDone` is told of each item passed whose upload
   * is done.
   */
  private async nearestUnfinishedBelow(walk: {
    readonly on: keyof typeof KEY_NAMES;
    readonly pk: string;
    readonly floor: string;
    readonly below: string;
    readonly entryOf: (item: Item) => Promise<LedgerEntry | undefined>;
    readonly passedDone?: (item: Item) => Promise<void>;
  }): Promise<LedgerEntry | undefined> {
    const [pk, sk] = KEY_NAMES[walk.on];
    let below = walk.below;
    for (;;) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          ...(walk.on === 'index' ? { IndexName: INDEX } : { ConsistentRead: true }),
          KeyConditionExpression: `${pk} = :pk AND ${sk} BETWEEN :floor AND :below`,
          ExpressionAttributeValues: { ':pk': S(walk.pk), ':floor': S(walk.floor), ':below': S(below) },
          ScanIndexForward: false,
          Limit: 2,
        }),
      );
      const item = (page.Items ?? []).find((i) => i[sk]?.S !== below);
      if (!item) return undefined;
      const entry = await walk.entryOf(item);
      if (entry && entry.stage !== 'done') return entry;
      if (entry) await walk.passedDone?.(item);
      below = item[sk]!.S!;
    }
  }

  async addWaiter(predecessor: Upload, waiter: string, token: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({ TableName: this.table, Item: toItem(waiterItem(predecessor, waiter, token)) }),
    );
  }

  async takeWaiters(upload: Upload): Promise<{ waiter: string; token: string }[]> {
    const items = await this.queryRange(range.waitersOf(upload));
    await this.writeRequests(items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })));
    return items.map((i) => ({ waiter: parse.waiter(i.sk!.S!, upload), token: tokenOf(fromItem(i)) }));
  }

  /** The open uploads of one vendor or of all, by the index; each entry read again from the table, dropped if done. */
  private async openUploads(vendor?: string): Promise<LedgerEntry[]> {
    const keys = await this.queryIndex(indexRange.openUploads(vendor));
    // The index is eventually consistent in AWS: each entry is read again from the table, and dropped if done.
    const entries: LedgerEntry[] = [];
    for (const found of keys) {
      const output = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: { pk: found.pk!, sk: found.sk! }, ConsistentRead: true }),
      );
      if (output.Item && KEY_NAMES.index[0] in output.Item) entries.push(itemDocument<LedgerEntry>(output.Item));
    }
    return entries;
  }

  async claimFile(vendor: string, sha256: string, uploadId: string): Promise<FileClaim> {
    const claim = keyItem(key.fileClaim(vendor, sha256));
    try {
      // Free, ours already, or released by a failed upload (whose list of failures it keeps).
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: claim,
          UpdateExpression: 'SET #owner = :me REMOVE #released',
          ConditionExpression: 'attribute_not_exists(pk) OR #owner = :me OR #released = :yes',
          ExpressionAttributeNames: { '#owner': FILE_CLAIM.owner, '#released': FILE_CLAIM.released },
          ExpressionAttributeValues: { ':me': S(uploadId), ':yes': { BOOL: true } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { owner: uploadId, failed: fileClaimOf(fromItem(output.Attributes ?? {})).failed };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const output = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: claim, ConsistentRead: true }),
      );
      const { owner } = fileClaimOf(fromItem(output.Item ?? {}));
      return owner === undefined ? this.claimFile(vendor, sha256, uploadId) : { owner, failed: [] };
    }
  }

  async releaseFile(vendor: string, sha256: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: keyItem(key.fileClaim(vendor, sha256)),
          // A list, in the order of the failures: the next owner takes over their writes.
          UpdateExpression: 'SET #released = :yes, #failed = list_append(if_not_exists(#failed, :none), :me)',
          ConditionExpression: '#owner = :id AND (attribute_not_exists(#released) OR #released = :no)',
          ExpressionAttributeNames: {
            '#owner': FILE_CLAIM.owner,
            '#released': FILE_CLAIM.released,
            '#failed': FILE_CLAIM.failed,
          },
          ExpressionAttributeValues: {
            ':id': S(uploadId),
            ':me': { L: [S(uploadId)] },
            ':none': { L: [] },
            ':yes': { BOOL: true },
            ':no': { BOOL: false },
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async putClubUpload(club: string, entry: LedgerEntry): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.table, Item: toItem(clubUploadItem(club, entry)) }));
  }

  /** A document read consistently by its key. */
  private async getDocument<T>({ pk, sk }: TableKey): Promise<T | undefined> {
    const output = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: keyItem({ pk, sk }), ConsistentRead: true }),
    );
    return output.Item ? itemDocument<T>(output.Item) : undefined;
  }

  /** Every item of a range of the table, read consistently. */
  private queryRange(keys: KeyRange): Promise<Item[]> {
    return this.queryAll({ TableName: this.table, ...itemKeyCondition(keys), ConsistentRead: true });
  }

  /** Every key of a range of the index (eventually consistent in AWS). */
  private queryIndex(keys: KeyRange): Promise<Item[]> {
    return this.queryAll({ TableName: this.table, ...itemKeyCondition(keys, 'index') });
  }

  private queryAll(input: QueryCommandInput): Promise<Item[]> {
    return allPages<Item, Item>(
      (start) => this.client.send(new QueryCommand({ ...input, ...start })) as Promise<Page<Item, Item>>,
    );
  }
}
