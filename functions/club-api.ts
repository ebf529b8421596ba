import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { systemClock } from '../shared/adapters/clock/system-clock.js';
import { DynamoDbApplicationStore } from '../shared/adapters/dynamodb/application-store-dynamodb.js';
import { DynamoDbRegisterStore } from '../shared/adapters/dynamodb/register-store-dynamodb.js';
import { handleClubApi } from '../shared/web/club-api.js';
import { FIXES } from '../shared/web/fixes.js';
import { grantOfClaims } from '../shared/web/grants.js';
import { dynamodb } from './commons/clients.js';
import { ENV, requiredEnv } from './commons/environment.js';
import { logger, tracer } from './commons/powertools.js';

const table = requiredEnv(ENV.registerTable);
const ports = {
  store: new DynamoDbRegisterStore(dynamodb(), table),
  applications: new DynamoDbApplicationStore(DynamoDBDocumentClient.from(dynamodb()), table),
  fixes: FIXES,
};
/** The API's routes are under /api on the site's own domain (CloudFront sends /api/* here). */
const PREFIX = '/api';

function bodyOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): unknown {
  if (event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The club's web API in AWS (cdk/constructs/club-site.ts): API Gateway's HTTP API has checked the Cognito ID token
 * (a JWT authorizer) and hands its claims on; the grant comes from them (RF support by group, officials by
 * `custom:clubs`) and club-api.ts checks every club against it, as local mode does. Logs the method and status
 * only: paths and bodies name clubs, activities and persons.
 */
export const handler = middy(
  async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
    const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
    const grant = grantOfClaims(claims);
    const path = event.rawPath.startsWith(PREFIX) ? event.rawPath.slice(PREFIX.length) : event.rawPath;
    const query = Object.fromEntries(Object.entries(event.queryStringParameters ?? {}));
    const body = bodyOf(event);
    const answer = await handleClubApi(
      { ...ports, clock: systemClock() },
      {
        method: event.requestContext.http.method,
        path,
        query,
        ...(body !== undefined ? { body } : {}),
        ...(grant ? { grant } : {}),
      },
    );
    logger.info('club-api', { method: event.requestContext.http.method, status: answer.status });
    const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (answer.text) {
      return {
        statusCode: answer.status,
        headers: {
          ...headers,
          'content-type': answer.text.contentType,
          'content-disposition': `attachment; filename="${answer.text.filename}"`,
        },
        body: String(answer.body),
      };
    }
    return {
      statusCode: answer.status,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(answer.body),
    };
  },
)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }));
