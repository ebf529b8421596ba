import { dynamoDbForFile } from './dynamodb.js';
import { TEST_KEY } from './pipeline.js';
import { cleanEnv } from './run-cli.js';

/** The built CLI pointed, by environment variables as a newcomer sets them, at a table of its own on DynamoDB Local. */
export interface CliRegister {
  /** The environment for `runCli`; read inside a hook or a test, once DynamoDB Local is started. */
  readonly env: NodeJS.ProcessEnv;
  readonly endpoint: string;
}

/**
 * DynamoDB Local for the CLI tests of one file (see dynamoDbForFile) and the environment that sends the CLI there:
 * the register `table` (created by the CLI on first use), the test identity key and `objectsDir` for the files.
 */
export function cliRegisterForFile(table: string, objectsDir: string): CliRegister {
  const db = dynamoDbForFile();
  return {
    get endpoint() {
      return db.endpoint;
    },
    get env() {
      return {
        ...cleanEnv(),
        LOK_DYNAMODB_ENDPOINT: db.endpoint,
        LOK_REGISTER_TABLE: table,
        LOK_IDENTITY_KEY: TEST_KEY,
        LOK_OBJECTS_DIR: objectsDir,
      };
    },
  };
}
