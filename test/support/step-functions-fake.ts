import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A StartExecution as the fake received it (the input parsed). */
export interface StartedExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
}

export interface StepFunctionsFake {
  readonly endpoint: string;
  /** Every StartExecution that started an execution, in order. */
  readonly started: StartedExecution[];
  /** StartExecution calls refused as ExecutionAlreadyExists. */
  readonly refused: string[];
  stop(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * A fake of AWS Step Functions on loopback, because Step Functions cannot run here: it speaks the service's JSON
 * protocol (awsJson1_0) for StartExecution only, as the service documents it: a name is unique per state machine;
 * the same name with the same input while the execution runs answers as the first call did (every execution stays
 * "running" here), with another input it is `ExecutionAlreadyExists`. It runs no workflow: the tests invoke the
 * steps themselves.
 */
export async function stepFunctionsFake(): Promise<StepFunctionsFake> {
  const started: StartedExecution[] = [];
  const refused: string[] = [];
  const executions = new Map<string, { input: string; arn: string; startDate: number }>();
  const server = createServer((request, response) => {
    void (async () => {
      const target = request.headers['x-amz-target'];
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(value));
      };
      if (request.method !== 'POST' || target !== 'AWSStepFunctions.StartExecution') {
        reply(400, { __type: 'UnknownOperationException', message: `the fake serves StartExecution only, not ${String(target)}` });
        return;
      }
      const call = JSON.parse(await body(request)) as { stateMachineArn: string; name: string; input?: string };
      const key = `${call.stateMachineArn}|${call.name}`;
      const input = call.input ?? '{}';
      const existing = executions.get(key);
      if (existing && existing.input !== input) {
        refused.push(call.name);
        reply(400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${existing.arn}'` });
        return;
      }
      const execution = existing ?? { input, arn: `${call.stateMachineArn.replace(':stateMachine:', ':execution:')}:${call.name}`, startDate: Date.now() / 1000 };
      if (!existing) {
        executions.set(key, execution);
        started.push({ stateMachineArn: call.stateMachineArn, name: call.name, input: JSON.parse(input) as unknown });
      }
      reply(200, { executionArn: execution.arn, startDate: execution.startDate });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    started,
    refused,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
