import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DocKey } from '../../core/pipeline/ports.js';

/**
 * The register table: one table, items told apart by key prefixes (pk, sk), and one index (gsi1) for the
 * reverse look-ups. docs/architecture.md has the table of items and access patterns; in short:
 *   VENDOR#<vendor>        / META | UPLOAD#<completedAt>#<upload> | FILE#<sha256> | WAITER#<upload>#<waiting upload>
 *   CLUB#<club>            / META | ACTIVATION#<vendor> | UPLOAD#<completedAt>#<upload> | SUBMISSION#<period>#<main|supplementary>
 *   PERSON#<pid>           / META | MEMBER#<club>#<vendor>
 *   ID#<identity key>      / ID
 *   LINK#<vendor>#<club>   / P#<vendor person id> | A#<vendor activity id>
 *   CAL#<person or group>  / <period>#<vendor>#<club>
 *   HEAD#<person or group> / HEAD
 *   VERDICTS#<club>#<period> / <vendor>#<activity id>
 *   TOTALS#<club>          / <period>
 * gsi1: VENDOR#<v> / CLUB#<club> (active activations), CLUBS / <club>, MEMBERS#<club> / <pid>#<vendor>,
 *       OPEN-UPLOADS / <vendor>#<completedAt>#<upload> (uploads not done).
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
  /** After META (a club's META query never reads it): the application of a period, main or supplementary. */
  submission: (club: string, period: string, kind: string) => ({ pk: `CLUB#${club}`, sk: `SUBMISSION#${period}#${kind}` }),
};

/** The key of a pipeline document in the register table. */
export function itemKey(key: DocKey): { pk: string; sk: string } {
  switch (key.kind) {
    case 'person': return { pk: `PERSON#${key.pid}`, sk: 'META' };
    case 'membership': return { pk: `PERSON#${key.pid}`, sk: `MEMBER#${key.club}#${key.vendor}` };
    case 'identity': return { pk: `ID#${key.key}`, sk: 'ID' };
    case 'person-link': return { pk: `LINK#${key.vendor}#${key.club}`, sk: `P#${key.ref}` };
    case 'activity': return { pk: `LINK#${key.vendor}#${key.club}`, sk: `A#${key.id}` };
    case 'calendar': return { pk: `CAL#${key.key}`, sk: `${key.period}#${key.vendor}#${key.club}` };
    case 'verdict': return { pk: `VERDICTS#${key.club}#${key.period}`, sk: `${key.vendor}#${key.id}` };
  }
}

/** The head of a calendar key (`RegisterStore.bumpHeads`): plain attributes v, first, last. */
export function headKey(calendarKey: string): { pk: string; sk: string } {
  return { pk: `HEAD#${calendarKey}`, sk: 'HEAD' };
}
