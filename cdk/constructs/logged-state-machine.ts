import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface LoggedStateMachineProps {
  /**
   * The owning construct's id: the executions' log group is `/aws/vendedlogs/states/<id>-<address>`.
   *
   * @default - none (required)
   */
  readonly id: string;
  /**
   * The states, from the first.
   *
   * @default - none (required)
   */
  readonly definition: IChainable;
  /**
   * How long an execution may run.
   *
   * @default - none (required)
   */
  readonly timeout: Duration;
  /**
   * What the state machine does, in the console.
   *
   * @default - none (required)
   */
  readonly comment: string;
  /**
   * Its name, when others must know it before it exists (the import workflow's steps name it).
   *
   * @default - a name CloudFormation generates
   */
  readonly stateMachineName?: string;
  /**
   * Retention of the executions' log group.
   *
   * @default - none (required)
   */
  readonly logRetention: RetentionDays;
  /**
   * What becomes of the log group when the stack is deleted.
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A state machine of `scope` (construct ids `ExecutionLogs` and `StateMachine`), as both workflows have it:
 * traced, every execution logged without execution data (ids and states only, never a person's data).
 */
export function loggedStateMachine(scope: Construct, props: LoggedStateMachineProps): StateMachine {
  const logGroup = new LogGroup(scope, 'ExecutionLogs', {
    logGroupName: `/aws/vendedlogs/states/${props.id}-${scope.node.addr.slice(0, 8)}`,
    retention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  return new StateMachine(scope, 'StateMachine', {
    ...(props.stateMachineName !== undefined ? { stateMachineName: props.stateMachineName } : {}),
    definitionBody: DefinitionBody.fromChainable(props.definition),
    tracingEnabled: true,
    logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    timeout: props.timeout,
    comment: props.comment,
  });
}
