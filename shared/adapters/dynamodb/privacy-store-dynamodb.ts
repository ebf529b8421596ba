import { QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import type { StoredMembership, StoredPersonLink } from '../../core/pipeline/stored.js';
import type { LedgerEntry } from '../../core/pipeline/upload.js';
import type { PrivacyStore } from '../../core/privacy/ports.js';
import { itemKey } from './register-table.js';

type Item = Record<string, AttributeValue>;
const S = (value: string): AttributeValue => ({ S: value });
const valueOf = <T>(item: Item): T => JSON.parse(item.d!.S!) as T;

/**
 * The privacy use-cases' reads on the register table (register-table.ts): a person's memberships by query; links,
 * persons and the ledger by a consistent scan with a filter (an erasure by hand, the nightly purge).
 */
export class DynamoDbPrivacyStore implements PrivacyStore {
  constructor(private readonly client: DynamoDBClient, private readonly table: string) {}

  async membershipsOf(pid: string): Promise<StoredMembership[]> {
    const { pk } = itemKey({ kind: 'person', pid });
    const items = await this.pages((start) => this.client.send(new QueryCommand({
      TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
      ExpressionAttributeValues: { ':pk': S(pk), ':member': S('MEMBER#') }, ConsistentRead: true, ...start,
    } satisfies QueryCommandInput)));
    return items.map((i) => valueOf<StoredMembership>(i));
  }

  async linksTo(pid: string): Promise<StoredPersonLink[]> {
    const items = await this.scan('begins_with(pk, :link) AND begins_with(sk, :p) AND contains(d, :pid)', { ':link': S('LINK#'), ':p': S('P#'), ':pid': S(`"pid":"${pid}"`) });
    return items.map((i) => valueOf<StoredPersonLink>(i));
  }

  async personsWithLinks(): Promise<Map<string, StoredPersonLink[]>> {
    const items = await this.scan('(begins_with(pk, :person) AND sk = :meta) OR (begins_with(pk, :link) AND begins_with(sk, :p))', {
      ':person': S('PERSON#'), ':meta': S('META'), ':link': S('LINK#'), ':p': S('P#'),
    });
    const persons = new Map<string, StoredPersonLink[]>();
    for (const item of items) if (item.sk!.S === 'META') persons.set(item.pk!.S!.slice('PERSON#'.length), []);
    for (const item of items) {
      if (item.sk!.S === 'META') continue;
      const link = valueOf<StoredPersonLink>(item);
      persons.get(link.pid)?.push(link);
    }
    return persons;
  }

  async uploadsCompletedBefore(time: string): Promise<LedgerEntry[]> {
    const items = await this.scan('begins_with(pk, :vendor) AND begins_with(sk, :upload) AND sk < :before', {
      ':vendor': S('VENDOR#'), ':upload': S('UPLOAD#'), ':before': S(`UPLOAD#${time}`),
    });
    return items.map((i) => valueOf<LedgerEntry>(i)).sort((a, b) => (a.completedAt < b.completedAt ? -1 : a.completedAt > b.completedAt ? 1 : 0));
  }

  private scan(filter: string, values: Record<string, AttributeValue>): Promise<Item[]> {
    return this.pages((start) => this.client.send(new ScanCommand({
      TableName: this.table, FilterExpression: filter, ExpressionAttributeValues: values, ConsistentRead: true, ...start,
    } satisfies ScanCommandInput)));
  }

  private async pages(read: (start: { ExclusiveStartKey?: Item }) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await read(start ? { ExclusiveStartKey: start } : {});
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
