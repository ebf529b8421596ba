import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  Choice, Condition, DefinitionBody, DistributedMap, Fail, IntegrationPattern, JitterType, JsonPath, LogLevel, S3JsonLItemReader, StateMachine, Succeed,
  TaskInput, Timeout, type IChainable, type INextable, type State,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
// The one definition of the steps and their retry policy, shared with the local runner (plain constants).
import {
  IMPORT_STEPS, APPLY_UNITS_IN_PARALLEL, JUDGE_CHUNKS_IN_PARALLEL, LARGE_FILE_BYTES, RETRY_POLICY, WAIT_FOR_TURN_SECONDS, type ImportStepName, type RetryPolicy,
} from '../../shared/core/pipeline/import-steps.js';
import { ENV } from '../../functions/commons/environment.js';
import { ImporterFunction } from './importer-function.js';
import { grantStepAccess, manifestsOnly, STEP_ACCESS, type AccessTargets, type StepHandlerFile } from './step-access.js';

/**
 * Errors a retry can cure: our handlers' TransientError and Lambda's own service errors. Not a function's
 * time-out (`Sandbox.Timedout`): the steps are deterministic, so the same file would time out again.
 */
export const TRANSIENT_ERRORS = [
  'TransientError', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException',
];
export const BLOCKED_ERROR = 'UploadBlocked';

/** The import state machine's name in a stack: its own steps (and their grants) name it, never refer to it. */
export function importStateMachineNameOf(stack: Stack): string {
  return `${stack.stackName}-import`;
}

export interface ImportWorkflowProps {
  /** The bucket, table and keys, which each step reaches only as its entry in STEP_ACCESS says. */
  readonly access: AccessTargets;
  readonly sftpServerId: string;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Retry as the shared policy says (Step Functions counts retries, the policy counts attempts). */
export function retryOf(policy: RetryPolicy) {
  return {
    maxAttempts: policy.maxAttempts - 1,
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    maxDelay: Duration.seconds(policy.maxDelaySeconds),
    jitterStrategy: policy.jitter === 'FULL' ? JitterType.FULL : JitterType.NONE,
  };
}

/**
 * The import workflow: a completed upload (Transfer Family's event) starts one execution, named by the
 * upload id; its states are the pipeline's steps (`import-steps.ts`), each a Lambda function, retried on
 * transient errors only. A large file's judge fans out over JSON Lines chunks in a Distributed Map. Any step
 * failing for good goes to `MarkFailed` (ledger failed, IMPORT_FAILED receipt), then the execution fails (alarm).
 */
export class ImportWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: ImporterFunction[] = [];
  readonly starter: ImporterFunction;
  readonly starterDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: ImportWorkflowProps) {
    super(scope, id);
    const { access, logRetention, removalPolicy } = props;
    const { bucket, table } = access;
    // Each step's role reaches what its step needs (STEP_ACCESS), the identity key only where identities are hashed.
    const stepFunction = (name: string, handlerFile: StepHandlerFile, memorySize = 1024, timeout = Duration.minutes(5)) => {
      const fn = new ImporterFunction(this, name, {
        handlerFile, memorySize, timeout, logRetention, removalPolicy,
        environment: { [ENV.registerTable]: table.tableName, [ENV.bucket]: bucket.bucketName },
      });
      grantStepAccess(fn, STEP_ACCESS[handlerFile], access);
      this.functions.push(fn);
      return fn;
    };
    // Every step gets the execution's name beside the upload: its log lines carry vendor, upload id and execution.
    const execution = JsonPath.stringAt('$$.Execution.Name');
    const task = (name: string, fn: ImporterFunction, payload: Record<string, unknown> = { upload: JsonPath.objectAt('$.upload') }) => {
      const invoke = new LambdaInvoke(this, name, {
        lambdaFunction: fn, payload: TaskInput.fromObject({ ...payload, execution: payload.execution ?? execution }), payloadResponseOnly: true, retryOnServiceExceptions: false,
        resultPath: `$.results.${name}`,
      });
      invoke.addRetry({ errors: TRANSIENT_ERRORS, ...retryOf(RETRY_POLICY) });
      return invoke;
    };

    const markFailed = task('MarkFailed', stepFunction('Fail', 'fail-step.ts'), { upload: JsonPath.objectAt('$.upload'), error: JsonPath.objectAt('$.error') });
    const failedChain = markFailed.next(new Fail(this, 'ImportFailed', { error: 'ImportFailed', cause: 'a step failed for good; the vendor has an IMPORT_FAILED receipt' }));
    const catchFailure = <T extends LambdaInvoke | DistributedMap>(state: T): T => {
      state.addCatch(failedChain, { errors: ['States.ALL'], resultPath: '$.error' });
      return state;
    };

    // A Distributed Map over the JSON Lines manifest (`{"<item>":i}` per line) that the state `manifestOf` wrote; each
    // item a task of a function of its own (2 GB, 15 minutes). An item runs in a child execution: the import's own
    // execution name comes with the item.
    const fanOut = (name: string, step: {
      task: string; fn: string; handlerFile: StepHandlerFile; item: 'unit' | 'chunk'; manifestOf: string; maxConcurrency: number;
      /** The map waits for every item, failed or not (the step after it finds what is missing). */
      waitForAll?: boolean;
    }) => {
      const child = task(step.task, stepFunction(step.fn, step.handlerFile, 2048, Duration.minutes(15)), {
        upload: JsonPath.objectAt('$.upload'), [step.item]: JsonPath.numberAt(`$.${step.item}`), execution: JsonPath.stringAt('$.execution'),
      });
      const map = catchFailure(new DistributedMap(this, name, {
        itemReader: new S3JsonLItemReader({ bucket, key: JsonPath.stringAt(`$.results.${step.manifestOf}.manifest`) }),
        itemSelector: { upload: JsonPath.objectAt('$.upload'), [step.item]: JsonPath.numberAt(`$$.Map.Item.Value.${step.item}`), execution },
        maxConcurrency: step.maxConcurrency, resultPath: JsonPath.DISCARD, label: name,
        ...(step.waitForAll ? { toleratedFailurePercentage: 100 } : {}),
      }));
      map.itemProcessor(child);
      return map;
    };
    // Files above LARGE_FILE_BYTES take the fanned-out branch. A missing size would fail the Choice itself (no
    // catch there): such an upload takes the single-function branch.
    const largeFile = (name: string, what: string, large: IChainable, small: IChainable) => new Choice(this, name, { comment: `files above ${LARGE_FILE_BYTES} bytes are ${what}` })
      .when(Condition.and(Condition.isPresent('$.upload.bytes'), Condition.isNumeric('$.upload.bytes'), Condition.numberGreaterThan('$.upload.bytes', LARGE_FILE_BYTES)), large)
      .otherwise(small);

    // Apply starts an earlier upload whose event is late (by name: referring to the state machine would be a cycle).
    const stateMachineName = access.importStateMachineName;
    const stateMachineArn = Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // Apply works club by club (file-parts.ts): a file up to LARGE_FILE_BYTES in one function (its units side by
    // side in it); a larger one read and cut into parts by ApplyRead, its units applied by the ApplyUnits
    // Distributed Map, each retried on its own, then joined. Memory is bounded by the units in flight, not the file.
    const applyFunction = stepFunction('ApplyStep', 'apply-step.ts', 2048, Duration.minutes(15));
    const apply = task('Apply', applyFunction);
    const applyReadFunction = stepFunction('ApplyReadStep', 'apply-read-step.ts', 1024, Duration.minutes(15));
    const applyRead = task('ApplyRead', applyReadFunction);
    // A unit failing for good must not fail the map while other units still write (stopping a child execution does
    // not stop its function): every unit ends, then ApplyJoin fails on the club without a staged result.
    const applyUnits = fanOut('ApplyUnits', {
      task: 'ApplyUnit', fn: 'ApplyUnitStep', handlerFile: 'apply-unit-step.ts', item: 'unit', manifestOf: 'ApplyRead', maxConcurrency: APPLY_UNITS_IN_PARALLEL, waitForAll: true,
    });
    const applyJoin = catchFailure(task('ApplyJoin', stepFunction('ApplyJoinStep', 'apply-join-step.ts', 2048, Duration.minutes(15))));
    const applyChoice = largeFile('LargeFileApply', 'read whole, then applied in units by a Distributed Map', catchFailure(applyRead).next(applyUnits).next(applyJoin), catchFailure(apply));
    // Blocked: wait, without polling, until the upload before it hands on (turns.ts), then look again.
    const waitFunction = stepFunction('WaitTurnStep', 'wait-turn-step.ts', 512, Duration.minutes(1));
    const waitForTurn = new LambdaInvoke(this, 'WaitForTurn', {
      lambdaFunction: waitFunction, integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN, retryOnServiceExceptions: false,
      payload: TaskInput.fromObject({ upload: JsonPath.objectAt('$.upload'), token: JsonPath.taskToken, execution }),
      // Word lost (a predecessor that died between ending and handing on): after a while Apply looks again anyway.
      taskTimeout: Timeout.duration(Duration.seconds(WAIT_FOR_TURN_SECONDS)),
      resultPath: JsonPath.DISCARD,
    });
    waitForTurn.addRetry({ errors: TRANSIENT_ERRORS, ...retryOf(RETRY_POLICY) });
    waitForTurn.addCatch(applyChoice, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
    catchFailure(waitForTurn).next(applyChoice);
    for (const reader of [apply, applyRead]) reader.addCatch(waitForTurn, { errors: [BLOCKED_ERROR], resultPath: JsonPath.DISCARD });
    // Apply may start an upload whose event is late; the upload ending wakes the one waiting for it (STEP_ACCESS).
    for (const fn of [applyFunction, applyReadFunction, waitFunction]) fn.addEnvironment(ENV.importStateMachineArn, stateMachineArn);

    const judgeSmall = catchFailure(task('Judge', stepFunction('JudgeStep', 'judge-step.ts', 2048, Duration.minutes(15))));
    const judgeSplit = catchFailure(task('JudgeSplit', stepFunction('JudgeSplitStep', 'judge-split-step.ts')));
    const judgeChunks = fanOut('JudgeChunks', { task: 'JudgeChunk', fn: 'JudgeChunkStep', handlerFile: 'judge-chunk-step.ts', item: 'chunk', manifestOf: 'JudgeSplit', maxConcurrency: JUDGE_CHUNKS_IN_PARALLEL });
    const judgeJoin = catchFailure(task('JudgeJoin', stepFunction('JudgeJoinStep', 'judge-join-step.ts'), {
      upload: JsonPath.objectAt('$.upload'), chunks: JsonPath.numberAt('$.results.JudgeSplit.chunks'),
    }));

    const steps: Record<ImportStepName, { start: State; end: INextable }> = {
      register: single(catchFailure(task('Register', stepFunction('RegisterStep', 'register-step.ts')))),
      apply: { start: applyChoice, end: applyChoice.afterwards() },
      judge: (() => {
        const choice = largeFile('LargeFile', 'judged in chunks', judgeSplit.next(judgeChunks).next(judgeJoin), judgeSmall);
        return { start: choice, end: choice.afterwards() };
      })(),
      totals: single(catchFailure(task('Totals', stepFunction('TotalsStep', 'totals-step.ts', 1024, Duration.minutes(15))))),
      receipt: single(catchFailure(task('Receipt', stepFunction('ReceiptStep', 'receipt-step.ts', 2048, Duration.minutes(15))))),
    };
    let definition: IChainable | undefined;
    let last: INextable | undefined;
    for (const { name } of IMPORT_STEPS) {
      const { start, end } = steps[name];
      if (last) last.next(start);
      definition ??= start;
      last = end;
    }
    last!.next(new Succeed(this, 'Imported'));

    const logGroup = new LogGroup(this, 'ExecutionLogs', { logGroupName: `/aws/vendedlogs/states/${id}-${this.node.addr.slice(0, 8)}`, retention: logRetention, removalPolicy });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      definitionBody: DefinitionBody.fromChainable(definition!),
      tracingEnabled: true,
      // Execution data stays out of the logs: ids and states only.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.hours(24),
      comment: 'lok-importer: one execution per upload (named by its upload id): register, apply, judge, totals, receipt',
    });
    // Its Distributed Maps read their manifests under work/, nothing else of the bucket.
    manifestsOnly(this.stateMachine, 'work', access);

    // SQS-managed encryption: EventBridge cannot use the AWS-managed SQS KMS key to deliver dead letters.
    this.starterDeadLetters = new Queue(this, 'StarterDeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.starter = new ImporterFunction(this, 'StartUpload', {
      handlerFile: 'start-upload.ts', logRetention, removalPolicy, timeout: Duration.seconds(30), memorySize: 512,
      environment: { [ENV.importStateMachineArn]: this.stateMachine.stateMachineArn, [ENV.bucket]: bucket.bucketName },
      retryAttempts: 2, onFailure: new SqsDestination(this.starterDeadLetters),
    });
    // The starter looks at the inbox version the event names and starts its execution: no archive, no register.
    grantStepAccess(this.starter, STEP_ACCESS['start-upload.ts'], access);
    this.functions.push(this.starter);
    const uploadCompleted = new Rule(this, 'UploadCompleted', {
      description: 'A vendor\'s SFTP upload completed: start its import',
      eventPattern: { source: ['aws.transfer'], detailType: ['SFTP Server File Upload Completed'], detail: { 'server-id': [props.sftpServerId] } },
      targets: [new LambdaFunction(this.starter, { deadLetterQueue: this.starterDeadLetters, retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });
    // EventBridge may invoke the starter for this rule (its ARN) of this account only.
    for (const permission of uploadCompleted.node.children.filter((c): c is CfnPermission => c instanceof CfnPermission)) permission.sourceAccount = Stack.of(this).account;
  }
}

function single(state: LambdaInvoke): { start: State; end: INextable } {
  return { start: state, end: state };
}
