import { DescribeExecutionCommand, ExecutionDoesNotExist, type SFNClient } from '@aws-sdk/client-sfn';
import {
  EXECUTION_STATUSES,
  type ExecutionLookup,
  type ExecutionState,
  type ExecutionStatus,
} from '../../core/queries/upload-status.js';

/** The ARN of an execution of a state machine, by name: `arn:…:execution:<state machine>:<name>`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * The import state machine's executions, by name (the upload id, or a nightly restart's `<id>-r<YYYYMMDD>`), with
 * DescribeExecution: status, times and the error's name. Never the input, output or cause (they may name a
 * vendor's file or carry a step's message). A name with no execution is undefined.
 */
export class StepFunctionsExecutions implements ExecutionLookup {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async describe(name: string): Promise<ExecutionState | undefined> {
    try {
      const found = await this.sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArnOf(this.stateMachineArn, name) }),
      );
      const status = EXECUTION_STATUSES.includes(found.status as ExecutionStatus)
        ? (found.status as ExecutionStatus)
        : 'FAILED';
      return {
        name,
        status,
        ...(found.startDate ? { startedAt: found.startDate.toISOString() } : {}),
        ...(found.stopDate ? { stoppedAt: found.stopDate.toISOString() } : {}),
        ...(found.error ? { error: found.error } : {}),
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist || (error as { name?: string }).name === 'ExecutionDoesNotExist')
        return undefined;
      throw error;
    }
  }
}
