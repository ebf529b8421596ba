import { BatchWriteItemCommand, type BatchWriteItemCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { inParallel } from '../../core/pipeline/in-parallel.js';

/** What sends a BatchWriteItem: a DynamoDBClient's `send`, or a wrapper around it (tests inject faults there). */
export type SendBatch = (command: BatchWriteItemCommand) => Promise<BatchWriteItemCommandOutput>;

/** How often, and how patiently, what DynamoDB returns unprocessed is sent again. */
export interface RetryOptions {
  /** Attempts per batch before giving up on items DynamoDB keeps returning unprocessed. */
  readonly maxAttempts?: number;
  /** First backoff; doubled each attempt, with full jitter. */
  readonly baseDelayMs?: number;
}

export interface BatchWriteOptions extends RetryOptions {
  /** Batches in flight at once (DynamoDB Local writes fastest at about 16 on this 2-core machine). */
  readonly concurrency?: number;
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

/** Cuts `items` into batches of at most `size`. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * Sends `batch`, then what each attempt returns unprocessed, with exponential backoff and full jitter between
 * attempts (a batch call of DynamoDB: BatchWriteItem, BatchGetItem). What is still unprocessed after the last
 * attempt is returned (empty when all went through): the caller says how that fails.
 */
export async function sendUntilProcessed<T>(
  batch: readonly T[],
  attempt: (pending: readonly T[]) => Promise<readonly T[]>,
  options: RetryOptions = {},
): Promise<readonly T[]> {
  const { maxAttempts = 8, baseDelayMs = 25 } = options;
  let pending = batch;
  for (let n = 1; ; n++) {
    pending = await attempt(pending);
    if (pending.length === 0 || n >= maxAttempts) return pending;
    await sleep(Math.random() * baseDelayMs * 2 ** (n - 1));
  }
}

/**
 * Writes any number of put/delete requests to one table: 25 per BatchWriteItem, `concurrency` in flight
 * (`inParallel`: every batch in flight settles before an error is passed on, so that a retry of the step does not
 * race writes of the attempt it retries), and the items DynamoDB returns unprocessed sent again.
 */
export async function batchWriteAll(
  send: SendBatch,
  table: string,
  requests: readonly WriteRequest[],
  options: BatchWriteOptions = {},
): Promise<BatchWriteResult> {
  let sent = 0;
  let retriedItems = 0;
  await inParallel(batchesOf(requests, BATCH_LIMIT), options.concurrency ?? 16, async (batch) => {
    let first = true;
    const left = await sendUntilProcessed(
      batch,
      async (pending) => {
        if (!first) retriedItems += pending.length;
        first = false;
        sent++;
        const output = await send(new BatchWriteItemCommand({ RequestItems: { [table]: [...pending] } }));
        return output.UnprocessedItems?.[table] ?? [];
      },
      options,
    );
    if (left.length > 0) throw new UnprocessedItemsError(left.length);
  });
  return { requests: sent, retriedItems };
}
