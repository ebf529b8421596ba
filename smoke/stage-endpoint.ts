import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFTP_ENDPOINT_OUTPUT, stackNameOf } from '../cdk/config.js';
import { SmokeFailed } from './smoke-failed.js';

export { SFTP_ENDPOINT_OUTPUT, stackNameOf };

/**
 * The SFTP host of a deployed stage, from its stack's outputs (DescribeStacks with the SDK's default
 * credentials and region: `AWS_PROFILE`, `AWS_REGION`). A stack that is missing, or has no such output, fails
 * the smoke test: the deployment is not what the test expects.
 */
export async function sftpHostOf(stage: string): Promise<string> {
  const stackName = stackNameOf(stage);
  const client = new CloudFormationClient({});
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const host = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === SFTP_ENDPOINT_OUTPUT)?.OutputValue;
    if (!host)
      throw new SmokeFailed(
        `stack ${stackName} has no ${SFTP_ENDPOINT_OUTPUT} output (is it deployed? npx cdk deploy ${stackName})`,
      );
    return host;
  } catch (error) {
    if (error instanceof SmokeFailed) throw error;
    const { name, message } = error as Error;
    if (name === 'ValidationError' && /does not exist/.test(message)) {
      throw new SmokeFailed(
        `no stack ${stackName} in this account and region (AWS_PROFILE, AWS_REGION): deploy it, or check the stage name`,
      );
    }
    if (name === 'CredentialsProviderError')
      throw new SmokeFailed(
        `no AWS credentials to read stack ${stackName} with: set AWS_PROFILE to the stage's account`,
      );
    throw new SmokeFailed(`could not read stack ${stackName}'s outputs: ${name}: ${message}`);
  } finally {
    client.destroy();
  }
}
