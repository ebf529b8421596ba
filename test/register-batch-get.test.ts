import {
  BatchGetItemCommand,
  CreateTableCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { stepError } from '../functions/commons/step-errors.js';
import { DynamoDbRegisterStore } from '../shared/adapters/dynamodb/register-store-dynamodb.js';
import { registerTableDefinition } from '../shared/adapters/dynamodb/register-table.js';
import { TransientError } from '../shared/core/errors/step-failures.js';
import { dynamoDbForFile } from './support/dynamodb.js';

/**
 * DynamoDB Local never throttles, so it never leaves a BatchGetItem's keys unprocessed. This thin wrapper of a
 * real client does, for this one edge case: its first `unprocessedCalls` BatchGetItem calls read nothing and hand
 * every key back as UnprocessedKeys, as DynamoDB does under throttling; every other request, and every call after
 * those, goes to DynamoDB Local as it is.
 */
function throttlingReads(
  client: DynamoDBClient,
  unprocessedCalls: number,
): { client: DynamoDBClient; calls: () => number } {
  let calls = 0;
  const send = async (command: unknown): Promise<unknown> => {
    if (!(command instanceof BatchGetItemCommand)) return client.send(command as never);
    calls++;
    if (calls > unprocessedCalls) return client.send(command);
    const output: BatchGetItemCommandOutput = {
      $metadata: {},
      Responses: {},
      UnprocessedKeys: command.input.RequestItems,
    };
    return output;
  };
  return { client: { send } as unknown as DynamoDBClient, calls: () => calls };
}

describe("the register store's batch reads (DynamoDB Local)", () => {
  const db = dynamoDbForFile();
  let tables = 0;

  async function storeOn(unprocessedCalls: number): Promise<{ store: DynamoDbRegisterStore; calls: () => number }> {
    const table = `batch-get-${++tables}`;
    await db.client.send(new CreateTableCommand(registerTableDefinition(table)));
    await new DynamoDbRegisterStore(db.client, table).bumpHeads(['p1', 'p2'], 'u1');
    const throttled = throttlingReads(db.client, unprocessedCalls);
    return { store: new DynamoDbRegisterStore(throttled.client, table), calls: throttled.calls };
  }

  it('reads again the keys DynamoDB leaves unprocessed, until all are read', async () => {
    const { store, calls } = await storeOn(3);
    const heads = await store.heads(['p1', 'p2']);
    expect(heads).toEqual(
      new Map([
        ['p1', { version: 1, first: 'u1' }],
        ['p2', { version: 1, first: 'u1' }],
      ]),
    );
    expect(calls()).toBe(4);
  });

  it('keys still unprocessed after the last attempt fail as a TransientError, which a step retries', async () => {
    const { store, calls } = await storeOn(Number.POSITIVE_INFINITY);
    const error = await store.heads(['p1', 'p2']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(calls()).toBe(8);
    // The step wrapper passes it on as transient (a plain Error would become StepFailed: the upload failed for good).
    expect(stepError(error).name).toBe('TransientError');
  }, 30_000);
});
