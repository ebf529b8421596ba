import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Task tokens of states that wait for one (`.waitForTaskToken`): the runner of executions (local-step-functions.ts)
 * issues a token before it invokes the task's function and waits for it; SendTaskSuccess on the fake settles it.
 * One registry per process, as the service is one per account.
 */
export class TaskTokens {
  private readonly open = new Map<string, (output: unknown) => void>();
  private issued = 0;

  /** A fresh token and the promise of its output (rejected with `States.Timeout` after `timeoutMs`). */
  issue(prefix: string, timeoutMs: number): { token: string; output: Promise<unknown> } {
    const token = `${prefix}#${++this.issued}`;
    const output = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.open.delete(token);
        const timeout = new Error(`no SendTaskSuccess for ${token} in ${timeoutMs} ms`);
        timeout.name = 'States.Timeout';
        reject(timeout);
      }, timeoutMs);
      this.open.set(token, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
    // The state awaits the output only once its function has returned: a timeout before that is its to see then,
    // not an unhandled rejection (a slow function under load did that to a CI run).
    output.catch(() => undefined);
    return { token, output };
  }

  /** The task failed before it could wait (its function threw): the token waits no more. */
  withdraw(token: string): void {
    this.succeed(token, undefined);
  }

  /** SendTaskSuccess: false when the token waits no more (or never did), as the service answers TaskTimedOut / InvalidToken. */
  succeed(token: string, output: unknown): boolean {
    const settle = this.open.get(token);
    this.open.delete(token);
    settle?.(output);
    return settle !== undefined;
  }
}

export const taskTokens = new TaskTokens();

/** A StartExecution as the fake received it (the input parsed). */
export interface StartedExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
}

/**
 * Runs an execution the fake accepted; settles when the execution ends (rejects when it fails). Without one, the
 * fake runs nothing and every execution stays "running". What it resolves with decides how DescribeExecution
 * reports the end: an object with a `status` (`SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`) and optionally an
 * `error` ({ Error } as an ExecutionRecord has it, or a string) is taken as it says; anything else is SUCCEEDED, a
 * rejection FAILED.
 */
export type ExecutionRunner = (execution: StartedExecution & { readonly executionArn: string }) => Promise<unknown>;

export interface StepFunctionsFake {
  readonly endpoint: string;
  /** Every StartExecution that started an execution, in order. */
  readonly started: StartedExecution[];
  /** StartExecution calls refused as ExecutionAlreadyExists. */
  readonly refused: string[];
  /** Every DescribeExecution's execution ARN, in order. */
  readonly described: string[];
  /** Every SendTaskSuccess's token, in order. */
  readonly tokensSent: string[];
  /** The runner's end of the execution named `name` (started by then), when a runner is given. */
  finished(name: string): Promise<unknown>;
  stop(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

interface Execution {
  readonly input: string;
  readonly arn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly startDate: number;
  running: boolean;
  /** Once ended: how, as DescribeExecution reports it. */
  ended?: { readonly status: string; readonly stopDate: number; readonly error?: string };
  readonly end: Promise<unknown>;
}

/** How an ended execution is described, from what its runner settled with. */
function endOf(outcome: { value: unknown } | { error: unknown }): { status: string; stopDate: number; error?: string } {
  const stopDate = Date.now() / 1000;
  if ('error' in outcome)
    return { status: 'FAILED', stopDate, error: (outcome.error as { name?: string }).name ?? 'Error' };
  const { status, error } = (outcome.value ?? {}) as { status?: unknown; error?: unknown };
  if (typeof status !== 'string') return { status: 'SUCCEEDED', stopDate };
  const name = typeof error === 'string' ? error : (error as { Error?: unknown } | undefined)?.Error;
  return { status, stopDate, ...(typeof name === 'string' ? { error: name } : {}) };
}

/**
 * A fake of AWS Step Functions on loopback, because Step Functions cannot run here: it speaks the service's JSON
 * protocol (awsJson1_0) for StartExecution, DescribeExecution and SendTaskSuccess (`TaskTokens`), as the service documents them: a name is unique
 * per state machine; the same name with the same input while the execution runs answers as the first call did,
 * with another input or once the execution has ended it is `ExecutionAlreadyExists`. DescribeExecution answers
 * from the executions it started (RUNNING until its runner settles, then as `ExecutionRunner` says), and
 * `ExecutionDoesNotExist` for any other ARN. Given a `runner`, it runs each execution it
 * starts (`local-step-functions.ts` runs the synthesized definitions); without one, executions stay running and
 * the tests invoke the steps themselves.
 */
export async function stepFunctionsFake(runner?: ExecutionRunner): Promise<StepFunctionsFake> {
  const started: StartedExecution[] = [];
  const refused: string[] = [];
  const executions = new Map<string, Execution>();
  const byName = new Map<string, Execution>();
  const byArn = new Map<string, Execution>();
  const described: string[] = [];
  const tokensSent: string[] = [];

  const describe = (call: { executionArn: string }): { status: number; reply: unknown } => {
    described.push(call.executionArn);
    const execution = byArn.get(call.executionArn);
    if (!execution)
      return {
        status: 400,
        reply: { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${call.executionArn}'` },
      };
    const ended = execution.running ? undefined : execution.ended;
    return {
      status: 200,
      reply: {
        executionArn: execution.arn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        input: execution.input,
        startDate: execution.startDate,
        status: ended?.status ?? 'RUNNING',
        ...(ended ? { stopDate: ended.stopDate } : {}),
        ...(ended?.error ? { error: ended.error } : {}),
      },
    };
  };

  const start = (call: {
    stateMachineArn: string;
    name: string;
    input?: string;
  }): { status: number; reply: unknown } => {
    const key = `${call.stateMachineArn}|${call.name}`;
    const input = call.input ?? '{}';
    const existing = executions.get(key);
    if (existing && (existing.input !== input || !existing.running)) {
      refused.push(call.name);
      return {
        status: 400,
        reply: { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${existing.arn}'` },
      };
    }
    if (existing) return { status: 200, reply: { executionArn: existing.arn, startDate: existing.startDate } };
    const arn = `${call.stateMachineArn.replace(':stateMachine:', ':execution:')}:${call.name}`;
    const execution = {
      input,
      arn,
      name: call.name,
      stateMachineArn: call.stateMachineArn,
      startDate: Date.now() / 1000,
      running: true,
    } as Execution;
    const parsed = { stateMachineArn: call.stateMachineArn, name: call.name, input: JSON.parse(input) as unknown };
    // Started after this call returns, as the service answers before the first state runs.
    const end = runner
      ? new Promise((resolve) => setImmediate(resolve)).then(() => runner({ ...parsed, executionArn: arn }))
      : new Promise(() => undefined);
    end.then(
      (value) => {
        execution.ended = endOf({ value });
      },
      (error: unknown) => {
        execution.ended = endOf({ error });
      },
    );
    Object.assign(execution, {
      end: end.finally(() => {
        execution.running = false;
      }),
    });
    execution.end.catch(() => undefined); // read through finished(); an unread failure is no crash
    executions.set(key, execution);
    byArn.set(arn, execution);
    byName.set(call.name, execution);
    started.push(parsed);
    return { status: 200, reply: { executionArn: arn, startDate: execution.startDate } };
  };

  const server = createServer((request, response) => {
    void (async () => {
      const target = request.headers['x-amz-target'];
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(value));
      };
      const served = [
        'AWSStepFunctions.StartExecution',
        'AWSStepFunctions.DescribeExecution',
        'AWSStepFunctions.SendTaskSuccess',
      ];
      if (request.method !== 'POST' || !served.includes(String(target))) {
        reply(400, {
          __type: 'UnknownOperationException',
          message: `the fake serves StartExecution, DescribeExecution and SendTaskSuccess only, not ${String(target)}`,
        });
        return;
      }
      const call = JSON.parse(await body(request)) as {
        stateMachineArn: string;
        name: string;
        input?: string;
        executionArn: string;
        taskToken: string;
        output: string;
      };
      if (target === 'AWSStepFunctions.SendTaskSuccess') {
        tokensSent.push(call.taskToken);
        if (taskTokens.succeed(call.taskToken, JSON.parse(call.output) as unknown)) reply(200, {});
        else reply(400, { __type: 'TaskTimedOut', message: `Task Timed Out: '${call.taskToken}'` });
        return;
      }
      const { status, reply: value } = target === 'AWSStepFunctions.StartExecution' ? start(call) : describe(call);
      reply(status, value);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    started,
    refused,
    described,
    tokensSent,
    finished: (name) => {
      const execution = byName.get(name);
      return execution ? execution.end : Promise.reject(new Error(`no execution named ${name} was started`));
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
