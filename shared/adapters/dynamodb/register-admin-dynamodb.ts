import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  LICENCE_CLUB_LIMIT,
  type ActivateOutcome,
  type Club,
  type DeactivateOutcome,
  type RegisterAdminStore,
  type Vendor,
} from '../../core/admin/register-admin.js';
import { conditionFailed } from './conditions.js';
import { activationItem, ACTIVE_CLUBS, clubItem, vendorItem, vendorOf } from './register-items.js';
import { allPages } from './pages.js';
import { indexRange, key, KEY_NAMES, keyCondition, parse } from './register-table.js';

/** RegisterAdminStore on the register table (see register-table.ts for its keys). */
export class DynamoDbRegisterAdmin implements RegisterAdminStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async putNew(item: Record<string, unknown>): Promise<'added' | 'exists'> {
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return 'added';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  addVendor(vendor: Vendor): Promise<'added' | 'exists'> {
    return this.putNew(vendorItem(vendor));
  }

  addClub(club: Club): Promise<'added' | 'exists'> {
    return this.putNew(clubItem(club));
  }

  async activate(club: string, vendor: string, from: string): Promise<ActivateOutcome> {
    try {
      // One transaction: the club exists, the vendor has room under its licence (counted, so that two clubs
      // racing for the 100th place cannot both win), and the activation is new.
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.table,
                Key: key.club(club),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: key.vendor(vendor),
                UpdateExpression: 'SET #activeClubs = #activeClubs + :one',
                ConditionExpression: 'attribute_exists(pk) AND (licence = :unlimited OR #activeClubs < :limit)',
                ExpressionAttributeNames: { '#activeClubs': ACTIVE_CLUBS },
                ExpressionAttributeValues: { ':one': 1, ':unlimited': 'unlimited', ':limit': LICENCE_CLUB_LIMIT },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: activationItem(club, vendor, from),
                ConditionExpression: 'attribute_not_exists(pk) OR active = :false',
                ExpressionAttributeValues: { ':false': false },
              },
            },
          ],
        }),
      );
      return 'activated';
    } catch (error) {
      if (conditionFailed(error, 0)) return 'unknown-club';
      if (conditionFailed(error, 2)) return 'already-active';
      if (conditionFailed(error, 1)) {
        const found = await this.documents.send(
          new GetCommand({ TableName: this.table, Key: key.vendor(vendor), ConsistentRead: true }),
        );
        return found.Item ? 'licence-limit' : 'unknown-vendor';
      }
      throw error;
    }
  }

  async deactivate(club: string, vendor: string, to: string): Promise<DeactivateOutcome> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: key.activation(club, vendor),
                // Out of the vendor's index of active clubs.
                UpdateExpression: `SET active = :false, #to = :to REMOVE ${KEY_NAMES.index.join(', ')}`,
                ConditionExpression: 'active = :true',
                ExpressionAttributeNames: { '#to': 'to' },
                ExpressionAttributeValues: { ':false': false, ':true': true, ':to': to },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: key.vendor(vendor),
                UpdateExpression: 'SET #activeClubs = #activeClubs - :one',
                ConditionExpression: 'attribute_exists(#activeClubs)',
                ExpressionAttributeNames: { '#activeClubs': ACTIVE_CLUBS },
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
      return 'deactivated';
    } catch (error) {
      if (conditionFailed(error, 0)) return 'not-active';
      throw error;
    }
  }

  async vendor(id: string): Promise<Vendor | undefined> {
    const found = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: key.vendor(id), ConsistentRead: true }),
    );
    return found.Item ? vendorOf(found.Item) : undefined;
  }

  async activeClubs(vendor: string): Promise<string[]> {
    const items = await allPages<Record<string, unknown>, Record<string, unknown>>((start) =>
      this.documents.send(
        new QueryCommand({
          TableName: this.table,
          ...keyCondition(indexRange.activeClubsOf(vendor), 'index'),
          ...start,
        }),
      ),
    );
    return items.map((item) => parse.activeClub(String(item.gsi1sk))).sort();
  }
}
