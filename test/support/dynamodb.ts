import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { installDynamoDbLocal } from '../../shared/adapters/dynamodb-local/install-dynamodb-local.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { ROOT } from './run-cli.js';

/** A fresh DynamoDB Local, in memory, on a free loopback port, with a client for it. */
export async function dynamoDbForTests(): Promise<{ local: DynamoDbLocal; client: DynamoDBClient }> {
  const files = await installDynamoDbLocal(join(ROOT, '.cache'));
  const local = await startDynamoDbLocal(files);
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { local, client };
}
