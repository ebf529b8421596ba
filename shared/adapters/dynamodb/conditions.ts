import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** Whether a transaction was cancelled because the condition of its item at `index` failed. */
export function conditionFailed(error: unknown, index: number): boolean {
  return (
    error instanceof TransactionCanceledException &&
    error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed'
  );
}
