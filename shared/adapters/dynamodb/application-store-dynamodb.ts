import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApplicationStore, RecordOutcome, Submission } from '../../core/application/ports.js';
import { key } from './register-table.js';

function conditionFailed(error: unknown, index: number): boolean {
  return error instanceof TransactionCanceledException && error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';
}

/** The club's list of periods a kind of submission closes (read by the judge through `RegisterStore.clubs`). */
const PERIODS_OF = { main: 'submittedPeriods', supplementary: 'supplementedPeriods' } as const;

/**
 * Submissions on the register table: `CLUB#<club>` / `SUBMISSION#<period>#<kind>`, the document in `d`. Recording
 * one is one transaction with the club's META (the period appended to `submittedPeriods` or `supplementedPeriods`),
 * conditioned on the submission being new: it happens once, and a retry reads the one recorded.
 */
export class DynamoDbApplicationStore implements ApplicationStore {
  constructor(private readonly documents: DynamoDBDocumentClient, private readonly table: string) {}

  async submissions(club: string, period: string): Promise<Submission[]> {
    const { pk, sk } = key.submission(club, period, '');
    const found = await this.documents.send(new QueryCommand({
      TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': pk, ':sk': sk }, ConsistentRead: true,
    }));
    return (found.Items ?? []).map((item) => JSON.parse(item.d as string) as Submission);
  }

  async record(submission: Submission): Promise<RecordOutcome> {
    const { club, period, kind } = submission;
    const put = {
      Put: {
        TableName: this.table, Item: { ...key.submission(club, period, kind), d: JSON.stringify(submission) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const main = { ConditionCheck: { TableName: this.table, Key: key.submission(club, period, 'main'), ConditionExpression: 'attribute_exists(pk)' } };
    const close = {
      Update: {
        TableName: this.table, Key: key.club(club), ConditionExpression: 'attribute_exists(pk)',
        UpdateExpression: 'SET #periods = list_append(if_not_exists(#periods, :none), :period)',
        ExpressionAttributeNames: { '#periods': PERIODS_OF[kind] }, ExpressionAttributeValues: { ':none': [], ':period': [period] },
      },
    };
    const items = kind === 'main' ? [put, close] : [put, close, main];
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
      return { outcome: 'recorded' };
    } catch (error) {
      if (conditionFailed(error, 0)) {
        const existing = (await this.submissions(club, period)).find((s) => s.kind === kind);
        if (existing) return { outcome: 'exists', existing };
      }
      if (conditionFailed(error, 1)) return { outcome: 'unknown-club' };
      if (conditionFailed(error, 2)) return { outcome: 'no-main' };
      throw error;
    }
  }
}
