import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { registerTableDefinition } from './register-table.js';

/**
 * Creates the register table when it is missing (DynamoDB Local: the CLI and local mode need no extra step) and
 * waits until it is ACTIVE. False when it did not become ACTIVE within 60 s.
 */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<boolean> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return true;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    try {
      await client.send(new CreateTableCommand(registerTableDefinition(table)));
    } catch (createError) {
      // Another process created it at the same moment: wait for it like for ours.
      if (!(createError instanceof ResourceInUseException)) throw createError;
    }
  }
  try {
    await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: table });
    return true;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return false;
    throw error;
  }
}
