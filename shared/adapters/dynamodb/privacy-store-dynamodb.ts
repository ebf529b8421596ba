import {
  QueryCommand,
  ScanCommand,
  type DynamoDBClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { StoredMembership, StoredPersonLink } from '../../core/pipeline/stored.js';
import type { LedgerEntry } from '../../core/pipeline/upload.js';
import type { PrivacyStore } from '../../core/privacy/ports.js';
import { documentField, itemDocument, itemKeyCondition, S, type Item } from './register-items.js';
import { allPages } from './pages.js';
import { key, META, parse, PREFIX, range } from './register-table.js';

/**
 * The privacy use-cases' reads on the register table (register-table.ts): a person's memberships by query; links,
 * persons and the ledger by a consistent scan with a filter (an erasure by hand, the nightly purge).
 */
export class DynamoDbPrivacyStore implements PrivacyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async membershipsOf(pid: string): Promise<StoredMembership[]> {
    const items = await allPages<Item, Item>((start) =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          ...itemKeyCondition(range.membershipsOf(pid)),
          ConsistentRead: true,
          ...start,
        } satisfies QueryCommandInput),
      ),
    );
    return items.map((i) => itemDocument<StoredMembership>(i));
  }

  async linksTo(pid: string): Promise<StoredPersonLink[]> {
    const naming = documentField('pid', pid);
    const items = await this.scan(
      `begins_with(pk, :link) AND begins_with(sk, :p) AND contains(${naming.attribute}, :pid)`,
      {
        ':link': S(PREFIX.link),
        ':p': S(PREFIX.personLink),
        ':pid': S(naming.text),
      },
    );
    return items.map((i) => itemDocument<StoredPersonLink>(i));
  }

  async personsWithLinks(): Promise<Map<string, StoredPersonLink[]>> {
    const items = await this.scan(
      '(begins_with(pk, :person) AND sk = :meta) OR (begins_with(pk, :link) AND begins_with(sk, :p))',
      {
        ':person': S(PREFIX.person),
        ':meta': S(META),
        ':link': S(PREFIX.link),
        ':p': S(PREFIX.personLink),
      },
    );
    const persons = new Map<string, StoredPersonLink[]>();
    for (const item of items) if (parse.isMeta(item.sk!.S!)) persons.set(parse.person(item.pk!.S!), []);
    for (const item of items) {
      if (parse.isMeta(item.sk!.S!)) continue;
      const link = itemDocument<StoredPersonLink>(item);
      persons.get(link.pid)?.push(link);
    }
    return persons;
  }

  async uploadsCompletedBefore(time: string): Promise<LedgerEntry[]> {
    const items = await this.scan('begins_with(pk, :vendor) AND begins_with(sk, :upload) AND sk < :before', {
      ':vendor': S(PREFIX.vendor),
      ':upload': S(PREFIX.upload),
      ':before': S(key.uploadSortKey(time)),
    });
    return items
      .map((i) => itemDocument<LedgerEntry>(i))
      .sort((a, b) => (a.completedAt < b.completedAt ? -1 : a.completedAt > b.completedAt ? 1 : 0));
  }

  private scan(filter: string, values: Item): Promise<Item[]> {
    return allPages<Item, Item>((start) =>
      this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: filter,
          ExpressionAttributeValues: values,
          ConsistentRead: true,
          ...start,
        } satisfies ScanCommandInput),
      ),
    );
  }
}
