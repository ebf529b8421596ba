import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApplicationStore, RecordOutcome, Submission } from '../../core/application/ports.js';
import { conditionFailed } from './conditions.js';
import { CLUB_PERIODS, documentItem, documentOf } from './register-items.js';
import { key, keyCondition, range } from './register-table.js';

/**
 * Submissions on the register table: `CLUB#<club>` / `SUBMISSION#<period>#<kind>`, the document in `d`. Recording
 * one is one transaction with the club's META (the period appended to `submittedPeriods` or `supplementedPeriods`),
 * conditioned on the submission being new: it happens once, and a retry reads the one recorded.
 */
export class DynamoDbApplicationStore implements ApplicationStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async submissions(club: string, period: string): Promise<Submission[]> {
    const found = await this.documents.send(
      new QueryCommand({
        TableName: this.table,
        ...keyCondition(range.submissionsOf(club, period)),
        ConsistentRead: true,
      }),
    );
    return (found.Items ?? []).map((item) => documentOf<Submission>(item));
  }

  async record(submission: Submission): Promise<RecordOutcome> {
    const { club, period, kind } = submission;
    const put = {
      Put: {
        TableName: this.table,
        Item: documentItem(key.submission(club, period, kind), submission),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const main = {
      ConditionCheck: {
        TableName: this.table,
        Key: key.submission(club, period, 'main'),
        ConditionExpression: 'attribute_exists(pk)',
      },
    };
    const close = {
      Update: {
        TableName: this.table,
        Key: key.club(club),
        ConditionExpression: 'attribute_exists(pk)',
        UpdateExpression: 'SET #periods = list_append(if_not_exists(#periods, :none), :period)',
        ExpressionAttributeNames: { '#periods': CLUB_PERIODS[kind] },
        ExpressionAttributeValues: { ':none': [], ':period': [period] },
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
