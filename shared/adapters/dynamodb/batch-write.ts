import { BatchWriteItemCommand, type BatchWriteItemCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';

/** What sends a BatchWriteItem: a DynamoDBClient's `send`, or a wrapper around it (tests inject faults there). */
export type SendBatch = (command: BatchWriteItemCommand) => Promise<BatchWriteItemCommandOutput>;

export interface BatchWriteOptions {
  /** Batches in flight at once (DynamoDB Local writes fastest at about 16 on this 2-core machine). */
  readonly concurrency?: number;
  /** Attempts per batch before giving up on items DynamoDB keeps returning unprocessed. */
  readonly maxAttempts?: number;
  /** First backoff; doubled each attempt, with full jitter. */
  readonly baseDelayMs?: number;
}

export interface BatchWriteResult {
  /** BatchWriteItem requests sent, retries included. */
  readonly requests: number;
  /** Items that had to be sent again because DynamoDB returned them unprocessed. */
  readonly retriedItems: number;
}

/** DynamoDB kept returning items unprocessed (throttling): transient, so a workflow step may retry it whole. */
export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
  constructor(readonly unprocessed: number) {
    super(`DynamoDB left ${unprocessed} items unprocessed after every attempt`);
  }
}

/** BatchWriteItem takes at most 25 requests. */
export const BATCH_LIMIT = 25;

/**
 * Writes any number of put/delete requests to one table: 25 per BatchWriteItem, `concurrency` in flight, and
 * the items DynamoDB returns unprocessed sent again with exponential backoff and full jitter.
 */
export async function batchWriteAll(send: SendBatch, table: string, requests: readonly WriteRequest[], options: BatchWriteOptions = {}): Promise<BatchWriteResult> {
  const { concurrency = 16, maxAttempts = 8, baseDelayMs = 25 } = options;
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_LIMIT) batches.push(requests.slice(i, i + BATCH_LIMIT));
  let sent = 0;
  let retriedItems = 0;

  async function writeOne(batch: WriteRequest[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      sent++;
      const output = await send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      const unprocessed = output.UnprocessedItems?.[table] ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= maxAttempts) throw new UnprocessedItemsError(unprocessed.length);
      retriedItems += unprocessed.length;
      pending = unprocessed;
      await sleep(Math.random() * baseDelayMs * 2 ** (attempt - 1));
    }
  }

  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(concurrency, batches.length) }, async () => {
    while (next < batches.length && !failed) {
      try {
        await writeOne(batches[next++]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  // Every batch in flight settles before an error is passed on: a retry of the step must not race writes of
  // the attempt it retries.
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return { requests: sent, retriedItems };
}
