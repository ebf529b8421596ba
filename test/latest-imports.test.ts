import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { importsLimit, latestImports } from '../shared/core/queries/latest-imports.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { freshRegister } from './support/pipeline.js';

// Issue 15: `imports --limit` stopped at 1 000, and a page of the ledger ends at 1 MB.
describe('lok-importer imports --limit', () => {
  const db = dynamoDbForFile();

  /** The items DynamoDB read for the ledger queries sent while `run` runs. */
  async function scanned<T>(
    client: DynamoDBClient,
    run: () => Promise<T>,
  ): Promise<{ result: T; items: number; pages: number }> {
    let items = 0;
    let pages = 0;
    const send = client.send.bind(client);
    const spy = async (command: unknown) => {
      const output = await (send as (c: unknown) => Promise<{ ScannedCount?: number }>)(command);
      if (command instanceof QueryCommand) {
        items += output.ScannedCount ?? 0;
        pages++;
      }
      return output;
    };
    (client as { send: unknown }).send = spy;
    try {
      return { result: await run(), items, pages };
    } finally {
      (client as { send: unknown }).send = send;
    }
  }

  it("lists more than 1 000 when asked, across the ledger's 1 MB pages, newest first, reading no more than it lists", async () => {
    const register = await freshRegister(db.client);
    const padding = 'p'.repeat(900); // ~1 KB an entry: 1 400 of them fill more than one 1 MB page
    for (let batch = 0; batch < 14; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const n = batch * 100 + i;
          const completedAt = new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString();
          return register.ports.store.putUpload({
            vendor: 'v',
            uploadId: `u${String(n).padStart(5, '0')}`,
            file: `${padding}-${n}.xml`,
            completedAt,
            receivedAt: completedAt,
            stage: 'queued',
          });
        }),
      );
    }
    const { result, items, pages } = await scanned(db.client, () =>
      latestImports(register.ports.store, { vendor: 'v' }, 1_200),
    );
    expect(result).toHaveLength(1_200);
    expect(result[0]!.uploadId).toBe('u01399');
    expect(result.at(-1)!.uploadId).toBe('u00200');
    expect(items).toBeLessThanOrEqual(1_200);
    expect(pages, 'more than one 1 MB page').toBeGreaterThan(1);
    const few = await scanned(db.client, () => latestImports(register.ports.store, { vendor: 'v' }, 3));
    expect(few.result.map((e) => e.uploadId)).toEqual(['u01399', 'u01398', 'u01397']);
    expect(few.items).toBe(3);
    register.dispose();
  }, 120_000);

  it('takes any whole number from 1, and 20 when not given', () => {
    expect(importsLimit(undefined)).toBe(20);
    expect(importsLimit('1')).toBe(1);
    expect(importsLimit('5000')).toBe(5000);
    for (const bad of ['0', '-1', '1.5', 'ten', '', '99999999999999999999'])
      expect(importsLimit(bad), bad).toBeUndefined();
  });
});
