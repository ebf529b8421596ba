import {
  CreateTableCommand,
  ScanCommand,
  type BatchWriteItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchWriteAll, UnprocessedItemsError, type SendBatch } from '../shared/adapters/dynamodb/batch-write.js';
import { dynamoDbForFile } from './support/dynamodb.js';

function puts(prefix: string, n: number): WriteRequest[] {
  return Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: { S: `${prefix}#${i}` } } } }));
}

describe('batchWriteAll against DynamoDB Local', () => {
  const db = dynamoDbForFile();
  const send: SendBatch = (command) => db.client.send(command);

  async function count(table: string): Promise<number> {
    let total = 0;
    let start: Record<string, never> | undefined;
    do {
      const page = await db.client.send(
        new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return total;
  }

  async function table(name: string): Promise<string> {
    await db.client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    return name;
  }

  it('writes 1 001 items in batches of 25, several in flight', async () => {
    const name = await table('many');
    const result = await batchWriteAll(send, name, puts('A', 1001), { concurrency: 4 });
    expect(result).toEqual({ requests: 41, retriedItems: 0 });
    expect(await count(name)).toBe(1001);
  });

  it('sends again what DynamoDB returns unprocessed, until all is written', async () => {
    const name = await table('throttled');
    // DynamoDB Local never throttles: this sender lets only the first 10 items of each call through and returns
    // the rest as unprocessed, as DynamoDB does under throttling; the writes themselves are real.
    const throttled: SendBatch = async (command: BatchWriteItemCommand) => {
      const items = command.input.RequestItems?.[name] ?? [];
      command.input.RequestItems = { [name]: items.slice(0, 10) };
      const output = await db.client.send(command);
      return { ...output, UnprocessedItems: items.length > 10 ? { [name]: items.slice(10) } : {} };
    };
    const result = await batchWriteAll(throttled, name, puts('B', 50), { baseDelayMs: 1 });
    expect(await count(name)).toBe(50);
    // Two batches of 25: each goes 25 → 15 → 5 unprocessed, so 3 calls each and 20 items sent again each.
    expect(result).toEqual({ requests: 6, retriedItems: 40 });
  });

  it('gives up with UnprocessedItemsError after the last attempt', async () => {
    const name = await table('stuck');
    const stuck: SendBatch = async (command) => ({ $metadata: {}, UnprocessedItems: command.input.RequestItems });
    await expect(batchWriteAll(stuck, name, puts('C', 3), { maxAttempts: 3, baseDelayMs: 1 })).rejects.toBeInstanceOf(
      UnprocessedItemsError,
    );
  });
});
