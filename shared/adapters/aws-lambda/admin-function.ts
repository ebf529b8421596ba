import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { AdminResult } from '../../core/admin/admin-use-cases.js';
import type { AdminRequest } from '../../core/admin/admin-request.js';

/** The deployed admin function failed (not a refusal: those come back as codes). */
export class AdminFunctionError extends Error {
  override readonly name = 'AdminFunctionError';
}

/**
 * Sends an admin request to the cloud's admin function (credentials and region from the usual AWS settings:
 * AWS_PROFILE, AWS_REGION, …) and returns its answer: the use-case's result, refusals included.
 */
export async function invokeAdminFunction(
  functionName: string,
  request: AdminRequest,
  client = new LambdaClient({}),
): Promise<AdminResult<unknown>> {
  try {
    const response = await client.send(
      new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(request)) }),
    );
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) {
      const { errorType } = JSON.parse(text || '{}') as { errorType?: string };
      throw new AdminFunctionError(
        `the admin function ${functionName} failed (${errorType ?? response.FunctionError}); its log group has the details`,
      );
    }
    return JSON.parse(text) as AdminResult<unknown>;
  } finally {
    client.destroy();
  }
}
