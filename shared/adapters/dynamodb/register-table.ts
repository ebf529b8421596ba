import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The register table: one table, items told apart by key prefixes (pk, sk), and one index (gsi1) for the
 * reverse look-ups. Admin items so far:
 *   VENDOR#<vendor> / META             the vendor, its licence and its count of active clubs
 *   CLUB#<club>     / META             the club
 *   CLUB#<club>     / ACTIVATION#<v>   the club's activation of a vendor (from, to);
 *                                      gsi1: VENDOR#<v> / CLUB#<club> while active
 */
export function registerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' }, { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: 'gsi1',
      KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    }],
  };
}

export const key = {
  vendor: (vendor: string) => ({ pk: `VENDOR#${vendor}`, sk: 'META' }),
  club: (club: string) => ({ pk: `CLUB#${club}`, sk: 'META' }),
  activation: (club: string, vendor: string) => ({ pk: `CLUB#${club}`, sk: `ACTIVATION#${vendor}` }),
};
