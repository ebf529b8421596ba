import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { INDEX, KEY_NAMES } from '../../shared/adapters/dynamodb/register-table.js';

/** The register's one index (keys only): the ledger by vendor and club, the open uploads (register-table.ts names it). */
export const REGISTER_INDEX = INDEX;

export interface RegisterTablesProps {
  /**
   * A production stage: the table's deletion protection on.
   *
   * @default - none (required)
   */
  readonly production: boolean;
  /**
   * What becomes of the table, its key and the identity key when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The register: one table (docs/architecture.md, "The register": persons, links, activities, calendars,
 * verdicts, totals, the file ledger; keys `pk`/`sk`, index `gsi1` keys-only), on demand, encrypted with its own
 * KMS key, point-in-time recovery on; deletion protection in production. No item expires (no TTL): the
 * ledger and the verdicts are the record of what was applied and judged. Beside it the identity key: HMAC
 * key of every identity lookup, generated once, never rotated (that would orphan every stored identity),
 * retained in production like the table.
 */
export class RegisterTables extends Construct {
  readonly table: TableV2;
  readonly key: Key;
  readonly identityKey: Secret;

  constructor(scope: Construct, id: string, props: RegisterTablesProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'lok-importer register: table and identity key',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.table = new TableV2(this, 'Register', {
      partitionKey: { name: KEY_NAMES.table[0], type: AttributeType.STRING },
      sortKey: { name: KEY_NAMES.table[1], type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 35 },
      deletionProtection: props.production,
      removalPolicy: props.removalPolicy,
      globalSecondaryIndexes: [
        {
          indexName: REGISTER_INDEX,
          partitionKey: { name: KEY_NAMES.index[0], type: AttributeType.STRING },
          sortKey: { name: KEY_NAMES.index[1], type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
    });
    this.identityKey = new Secret(this, 'IdentityKey', {
      description:
        'lok-importer: HMAC key of identity lookups (personnummer, e-mail, member number are never stored in the clear)',
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // Retained with the table and its key (production): a kept secret whose key is gone could not be read.
      removalPolicy: props.removalPolicy,
    });
  }
}
