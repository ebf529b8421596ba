import type { Context } from 'aws-lambda';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lambdaContext } from './cloud.js';

/** The function name the CLI's --cloud tests set as LOK_ADMIN_FUNCTION. */
export const ADMIN_FUNCTION = 'LokImporter-test-VendorAdminFunction';

/** A loopback stand-in for the Lambda service, which cannot run here: it speaks only Invoke, of one function. */
export interface LambdaStandIn {
  /** For AWS_ENDPOINT_URL_LAMBDA. */
  readonly endpoint: string;
  /** The name of each function an Invoke asked for, in order (another than the stand-in's is answered 404). */
  readonly invocations: readonly string[];
  close(): Promise<void>;
}

/**
 * Starts the stand-in on a free loopback port: an Invoke of `functionName` (POST /2015-03-31/functions/<name>/invocations)
 * calls `handler` with the request's event and answers its result; a handler that throws is answered as Lambda answers
 * an unhandled error (x-amz-function-error, errorType and errorMessage). Any other request: 404.
 */
export async function startLambdaStandIn(
  functionName: string,
  handler: (event: unknown, context: Context) => Promise<unknown>,
): Promise<LambdaStandIn> {
  const invocations: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const invoked = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.url ?? '')?.[1];
      const name = invoked === undefined ? undefined : decodeURIComponent(invoked);
      if (name !== undefined) invocations.push(name);
      if (request.method !== 'POST' || name !== functionName) {
        response.writeHead(404).end();
        return;
      }
      handler(JSON.parse(Buffer.concat(chunks).toString('utf8')), lambdaContext(functionName)).then(
        (result) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
        (error: Error) =>
          response
            .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
            .end(JSON.stringify({ errorType: error.name, errorMessage: error.message })),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invocations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
