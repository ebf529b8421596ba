import { ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DistributedMap,
  Errors,
  Fail,
  IntegrationPattern,
  JsonPath,
  S3JsonLItemReader,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
  type IChainable,
  type INextable,
  type State,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENV } from '../../functions/commons/environment.js';
import { STEP_FAILURE } from '../../shared/core/errors/step-failures.js';
// The one definition of the steps, shared with the local runner (plain constants).
import {
  IMPORT_STEPS,
  APPLY_UNITS_IN_PARALLEL,
  JUDGE_CHUNKS_IN_PARALLEL,
  LARGE_FILE_BYTES,
  WAIT_FOR_TURN_SECONDS,
  type ImportStepName,
} from '../../shared/core/pipeline/import-steps.js';
import { ImporterFunction } from './importer-function.js';
import { loggedStateMachine } from './logged-state-machine.js';
import { retriedWhenTransient } from './retry-policies.js';
import { bindToRegister, manifestsOnly, STEP_ACCESS, type AccessTargets, type StepHandlerFile } from './step-access.js';
import { UploadTrigger } from './upload-trigger.js';

/** The import state machine's name in a stack: its own steps (and their grants) name it, never refer to it. */
export function importStateMachineNameOf(stack: Stack): string {
  return `${stack.stackName}-import`;
}

export interface ImportWorkflowProps {
  /**
   * The bucket, table and keys, which each step reaches only as its entry in STEP_ACCESS says.
   *
   * @default - none (required)
   */
  readonly access: AccessTargets;
  /**
   * The SFTP server whose completed uploads start imports (`UploadTrigger`).
   *
   * @default - none (required)
   */
  readonly sftpServerId: string;
  /**
   * Retention of the steps' log groups and of the executions' log group.
   *
   * @default - none (required)
   */
  readonly logRetention: RetentionDays;
  /**
   * What becomes of the log groups when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
}

/** Where a part of the workflow is entered and where the next part follows it. */
interface Segment {
  readonly start: State;
  readonly end: INextable;
}

/** A Distributed Map's item: a task of a function of its own over the JSON Lines manifest a state wrote. */
interface FanOut {
  readonly task: string;
  readonly fn: string;
  readonly handlerFile: StepHandlerFile;
  readonly item: 'unit' | 'chunk';
  /** The state whose result names the manifest (`{"<item>":i}` per line). */
  readonly manifestOf: string;
  readonly maxConcurrency: number;
  /** The map waits for every item, failed or not (the step after it finds what is missing). */
  readonly waitForAll?: boolean;
}

const FIFTEEN_MINUTES = Duration.minutes(15);
/** Every step gets the execution's name beside the upload: its log lines carry vendor, upload id and execution. */
const EXECUTION = JsonPath.stringAt('$$.Execution.Name');
const UPLOAD = { upload: JsonPath.objectAt('$.upload') };

/**
 * The import workflow: a completed upload (Transfer Family's event, `UploadTrigger`) starts one execution, named
 * by the upload id; its states are the pipeline's steps (`import-steps.ts`), each a Lambda function, retried on
 * transient errors only (`retry-policies.ts`). A large file's apply and judge fan out in Distributed Maps. Any step
 * failing for good goes to `MarkFailed` (ledger failed, IMPORT_FAILED receipt), then the execution fails (alarm).
 */
export class ImportWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  /** Every function of the workflow, its starter's too (the alarms watch them). */
  readonly functions: ImporterFunction[] = [];
  /** The upload event's rule, the starter and its dead-letter queue. */
  readonly trigger: UploadTrigger;
  private readonly props: ImportWorkflowProps;
  /** `MarkFailed` → `ImportFailed`: where every step failing for good goes. */
  private readonly failed: IChainable;

  constructor(scope: Construct, id: string, props: ImportWorkflowProps) {
    super(scope, id);
    this.props = props;
    const markFailed = this.task('MarkFailed', this.stepFunction('Fail', 'fail-step.ts'), {
      ...UPLOAD,
      error: JsonPath.objectAt('$.error'),
    });
    this.failed = markFailed.next(
      new Fail(this, 'ImportFailed', {
        error: 'ImportFailed',
        cause: 'a step failed for good; the vendor has an IMPORT_FAILED receipt',
      }),
    );
    const apply = this.applySteps();
    const judge = this.judgeSteps();
    const single = (name: string, fn: ImporterFunction): Segment => {
      const state = this.caught(this.task(name, fn));
      return { start: state, end: state };
    };
    const steps: Record<ImportStepName, Segment> = {
      register: single('Register', this.stepFunction('RegisterStep', 'register-step.ts')),
      apply,
      judge,
      totals: single('Totals', this.stepFunction('TotalsStep', 'totals-step.ts', 1024, FIFTEEN_MINUTES)),
      receipt: single('Receipt', this.stepFunction('ReceiptStep', 'receipt-step.ts', 2048, FIFTEEN_MINUTES)),
    };
    this.stateMachine = this.stateMachineOf(id, this.inOrder(steps));
    // Its Distributed Maps read their manifests under work/, nothing else of the bucket.
    manifestsOnly(this.stateMachine, 'work', props.access);
    // Id `Default`: the trigger's resources keep the logical ids they had as this construct's own.
    this.trigger = new UploadTrigger(this, 'Default', {
      access: props.access,
      stateMachine: this.stateMachine,
      sftpServerId: props.sftpServerId,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.functions.push(this.trigger.starter);
  }

  /** A step's function, bound to the register (each reaches what its step needs: STEP_ACCESS). */
  private stepFunction(
    name: string,
    handlerFile: StepHandlerFile,
    memorySize = 1024,
    timeout = Duration.minutes(5),
  ): ImporterFunction {
    const { access, logRetention, removalPolicy } = this.props;
    const fn = bindToRegister(
      new ImporterFunction(this, name, { handlerFile, memorySize, timeout, logRetention, removalPolicy }),
      STEP_ACCESS[handlerFile],
      access,
    );
    this.functions.push(fn);
    return fn;
  }

  /** A step's task: its function given the upload and the execution's name, its result kept under `$.results`. */
  private task(name: string, fn: ImporterFunction, payload: Record<string, unknown> = UPLOAD): LambdaInvoke {
    return retriedWhenTransient(
      new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject({ ...payload, execution: payload.execution ?? EXECUTION }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath: `$.results.${name}`,
      }),
    );
  }

  /** A state whose failure for good (after its retries) fails the upload. */
  private caught<T extends LambdaInvoke | DistributedMap>(state: T): T {
    state.addCatch(this.failed, { errors: [Errors.ALL], resultPath: '$.error' });
    return state;
  }

  /**
   * A Distributed Map over the JSON Lines manifest that the state `manifestOf` wrote; each item a task of a function
   * of its own (2 GB, 15 minutes). An item runs in a child execution: the import's own execution name comes with it.
   */
  private fanOut(name: string, step: FanOut): DistributedMap {
    const child = this.task(step.task, this.stepFunction(step.fn, step.handlerFile, 2048, FIFTEEN_MINUTES), {
      ...UPLOAD,
      [step.item]: JsonPath.numberAt(`$.${step.item}`),
      execution: JsonPath.stringAt('$.execution'),
    });
    const map = this.caught(
      new DistributedMap(this, name, {
        itemReader: new S3JsonLItemReader({
          bucket: this.props.access.bucket,
          key: JsonPath.stringAt(`$.results.${step.manifestOf}.manifest`),
        }),
        itemSelector: {
          ...UPLOAD,
          [step.item]: JsonPath.numberAt(`$$.Map.Item.Value.${step.item}`),
          execution: EXECUTION,
        },
        maxConcurrency: step.maxConcurrency,
        resultPath: JsonPath.DISCARD,
        label: name,
        ...(step.waitForAll ? { toleratedFailurePercentage: 100 } : {}),
      }),
    );
    map.itemProcessor(child);
    return map;
  }

  /**
   * Files above LARGE_FILE_BYTES take the fanned-out branch. A missing size would fail the Choice itself (no catch
   * there): such an upload takes the single-function branch.
   */
  private largeFile(name: string, what: string, large: IChainable, small: IChainable): Choice {
    return new Choice(this, name, { comment: `files above ${LARGE_FILE_BYTES} bytes are ${what}` })
      .when(
        Condition.and(
          Condition.isPresent('$.upload.bytes'),
          Condition.isNumeric('$.upload.bytes'),
          Condition.numberGreaterThan('$.upload.bytes', LARGE_FILE_BYTES),
        ),
        large,
      )
      .otherwise(small);
  }

  /**
   * Apply works club by club (file-parts.ts): a file up to LARGE_FILE_BYTES in one function (its units side by side
   * in it); a larger one read and cut into parts by ApplyRead, its units applied by the ApplyUnits Distributed Map,
   * each retried on its own, then joined. Memory is bounded by the units in flight, not the file. Blocked (an earlier
   * upload unfinished), it waits in WaitForTurn.
   */
  private applySteps(): Segment {
    const applyFunction = this.stepFunction('ApplyStep', 'apply-step.ts', 2048, FIFTEEN_MINUTES);
    const apply = this.task('Apply', applyFunction);
    const applyReadFunction = this.stepFunction('ApplyReadStep', 'apply-read-step.ts', 1024, FIFTEEN_MINUTES);
    const applyRead = this.task('ApplyRead', applyReadFunction);
    // A unit failing for good must not fail the map while other units still write (stopping a child execution does
    // not stop its function): every unit ends, then ApplyJoin fails on the club without a staged result.
    const applyUnits = this.fanOut('ApplyUnits', {
      task: 'ApplyUnit',
      fn: 'ApplyUnitStep',
      handlerFile: 'apply-unit-step.ts',
      item: 'unit',
      manifestOf: 'ApplyRead',
      maxConcurrency: APPLY_UNITS_IN_PARALLEL,
      waitForAll: true,
    });
    const applyJoin = this.caught(
      this.task('ApplyJoin', this.stepFunction('ApplyJoinStep', 'apply-join-step.ts', 2048, FIFTEEN_MINUTES)),
    );
    const applyChoice = this.largeFile(
      'LargeFileApply',
      'read whole, then applied in units by a Distributed Map',
      this.caught(applyRead).next(applyUnits).next(applyJoin),
      this.caught(apply),
    );
    const waitFunction = this.stepFunction('WaitTurnStep', 'wait-turn-step.ts', 512, Duration.minutes(1));
    const waitForTurn = this.waitForTurn(waitFunction, applyChoice);
    for (const reader of [apply, applyRead])
      reader.addCatch(waitForTurn, { errors: [STEP_FAILURE.blocked], resultPath: JsonPath.DISCARD });
    // Apply may start an upload whose event is late; the upload ending wakes the one waiting for it (STEP_ACCESS).
    // By name: referring to the state machine would be a cycle.
    for (const fn of [applyFunction, applyReadFunction, waitFunction])
      fn.addEnvironment(ENV.importStateMachineArn, this.importStateMachineArn());
    return { start: applyChoice, end: applyChoice.afterwards() };
  }

  /** Blocked: wait, without polling, until the upload before it hands on (turns.ts), then apply again. */
  private waitForTurn(waitFunction: ImporterFunction, applyChoice: Choice): LambdaInvoke {
    const waitForTurn = retriedWhenTransient(
      new LambdaInvoke(this, 'WaitForTurn', {
        lambdaFunction: waitFunction,
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        retryOnServiceExceptions: false,
        payload: TaskInput.fromObject({ ...UPLOAD, token: JsonPath.taskToken, execution: EXECUTION }),
        // Word lost (a predecessor that died between ending and handing on): after a while Apply looks again anyway.
        taskTimeout: Timeout.duration(Duration.seconds(WAIT_FOR_TURN_SECONDS)),
        resultPath: JsonPath.DISCARD,
      }),
    );
    waitForTurn.addCatch(applyChoice, { errors: [Errors.TIMEOUT], resultPath: JsonPath.DISCARD });
    this.caught(waitForTurn).next(applyChoice);
    return waitForTurn;
  }

  /** Judge: in one function, or a large file split into chunks judged by a Distributed Map, then joined. */
  private judgeSteps(): Segment {
    const judgeSmall = this.caught(
      this.task('Judge', this.stepFunction('JudgeStep', 'judge-step.ts', 2048, FIFTEEN_MINUTES)),
    );
    const judgeSplit = this.caught(this.task('JudgeSplit', this.stepFunction('JudgeSplitStep', 'judge-split-step.ts')));
    const judgeChunks = this.fanOut('JudgeChunks', {
      task: 'JudgeChunk',
      fn: 'JudgeChunkStep',
      handlerFile: 'judge-chunk-step.ts',
      item: 'chunk',
      manifestOf: 'JudgeSplit',
      maxConcurrency: JUDGE_CHUNKS_IN_PARALLEL,
    });
    const judgeJoin = this.caught(
      this.task('JudgeJoin', this.stepFunction('JudgeJoinStep', 'judge-join-step.ts'), {
        ...UPLOAD,
        chunks: JsonPath.numberAt('$.results.JudgeSplit.chunks'),
      }),
    );
    const choice = this.largeFile(
      'LargeFile',
      'judged in chunks',
      judgeSplit.next(judgeChunks).next(judgeJoin),
      judgeSmall,
    );
    return { start: choice, end: choice.afterwards() };
  }

  /** The steps chained in the pipeline's order (IMPORT_STEPS), ending in `Imported`. */
  private inOrder(steps: Record<ImportStepName, Segment>): IChainable {
    let last: INextable | undefined;
    for (const { name } of IMPORT_STEPS) {
      last?.next(steps[name].start);
      last = steps[name].end;
    }
    last!.next(new Succeed(this, 'Imported'));
    return steps[IMPORT_STEPS[0]!.name].start;
  }

  /** The import workflow's ARN, by its name (its own steps cannot refer to the state machine: a cycle). */
  private importStateMachineArn(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.props.access.importStateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The state machine: traced, logged without execution data (ids and states only), 24 hours at most. */
  private stateMachineOf(id: string, definition: IChainable): StateMachine {
    const { logRetention, removalPolicy, access } = this.props;
    return loggedStateMachine(this, {
      id,
      definition,
      stateMachineName: access.importStateMachineName,
      timeout: Duration.hours(24),
      comment:
        'lok-importer: one execution per upload (named by its upload id): register, apply, judge, totals, receipt',
      logRetention,
      removalPolicy,
    });
  }
}
