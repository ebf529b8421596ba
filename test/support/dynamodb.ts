import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { installDynamoDbLocal } from '../../shared/adapters/dynamodb-local/install-dynamodb-local.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../shared/adapters/dynamodb-local/start-dynamodb-local.js';
import { forFile } from './for-file.js';
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

/**
 * DynamoDB Local for the tests of one file: started before them (before the file's own `beforeAll`, when called
 * first), stopped after them. Read `client` and `endpoint` inside a hook or a test, once it is started.
 */
export function dynamoDbForFile(): { readonly client: DynamoDBClient; readonly endpoint: string } {
  const running = forFile(
    'DynamoDB Local',
    dynamoDbForTests,
    async ({ local, client }) => {
      client.destroy();
      await local.stop();
    },
    120_000,
  );
  return {
    get client() {
      return running().client;
    },
    get endpoint() {
      return running().local.endpoint;
    },
  };
}
