// Starts DynamoDB Local as local mode does (dist/, built by `npm test`'s pretest), prints its java pid as one JSON
// line, and waits to be killed: test/dynamodb-local.test.ts kills this process with SIGKILL and watches the java.
import { installDynamoDbLocal } from '../../dist/shared/adapters/dynamodb-local/install-dynamodb-local.js';
import { setInterval } from 'node:timers';
import { startDynamoDbLocal } from '../../dist/shared/adapters/dynamodb-local/start-dynamodb-local.js';

const files = await installDynamoDbLocal(process.argv[2]);
const local = await startDynamoDbLocal(files);
process.stdout.write(`${JSON.stringify({ pid: local.pid, listensOn: local.listensOn })}\n`);
setInterval(() => undefined, 60_000);
