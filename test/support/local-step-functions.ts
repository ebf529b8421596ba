import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { StateMachine as CdkStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { ImporterFunction } from '../../cdk/constructs/importer-function.js';
import type { ImporterStack } from '../../cdk/importer-stack.js';
import { inParallel } from '../../shared/core/pipeline/in-parallel.js';
import { ACCOUNT, lambdaContext, REGION, type Handler } from './cloud.js';
import { synthApp } from './cdk-app.js';
import { taskTokens, type ExecutionRunner } from './step-functions-fake.js';

/**
 * The state machines production runs, executed here: the definitions of the synthesized `test` stack (tokens
 * resolved for one local deployment) run by aws-local-stepfunctions, whose Task states are bound to the real
 * handlers (`functions/*.ts`) on DynamoDB Local and s3rver. Retry, Catch, Choice, ResultPath, Parameters and
 * the paths between the states run as written; retry waits are shortened only through the tool's own option
 * (`retryIntervalOverrides`), never by editing the definition.
 *
 * One exception, because the tool has no Distributed Map (it runs inline Maps over an array in the input): a
 * Distributed Map state is run by `distributedMap` here, as the service does it: its ItemReader read from the
 * bucket (JSON Lines), its ItemBatcher's batches, its ItemSelector evaluated with `$$.Map.Item`, each item's
 * ItemProcessor run by the tool as a child execution with the same bindings, MaxConcurrency of them at once,
 * and a failed child failing the state with `States.ExceedToleratedFailureThreshold` (with ToleratedFailurePercentage,
 * every child runs to its end first, and only more failures than tolerated fail it). The state's own Retry,
 * Catch, ResultPath and Next stay as synthesized: only its `Type` is handed to us (with a day's TimeoutSeconds:
 * the service puts no limit on a Map, the tool 60 s on any Task without one). Fields of a Distributed Map this
 * runner does not emulate (a tolerated failure path or count, ResultWriter, ItemsPath, MaxItems) are refused, not ignored.
 *
 * A task that waits for a task token (`.waitForTaskToken`) is run by `tokenTask`: the tool has no task tokens.
 *
 * Limits: the tool gives every Task without TimeoutSeconds 60 s (the service: none; Lambda's own time-out, which
 * is not emulated, ends the call), so a handler slower than a minute here fails with States.Timeout; child
 * executions share the parent's context object.
 */

/** Amazon States Language, as far as the tests read it. */
export type Definition = StateMachineDefinition & { readonly States: Record<string, AslState> };
type AslState = Record<string, unknown> & { readonly Type: string };

/** One synthesized state machine, resolved for a deployment. */
export interface SynthesizedMachine {
  readonly definition: Definition;
  /** Every Task state's name (the Distributed Maps' item processors' included) → its handler file under functions/. */
  readonly tasks: Readonly<Record<string, string>>;
  /** The Task states that wait for a task token (`.waitForTaskToken`). */
  readonly tokenTasks: readonly string[];
}

export interface SynthesizedMachines {
  readonly import: SynthesizedMachine;
  readonly reconciliation: SynthesizedMachine;
}

/** What a deployment substitutes for the template's references. */
export interface LocalResources {
  readonly bucket: string;
}

const functionArn = (logicalId: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;

/** A CloudFormation value with its intrinsic functions resolved (`Ref`, `Fn::GetAtt …Arn`, `Fn::Join`). */
function resolve(value: unknown, refs: Readonly<Record<string, string>>): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((part) => resolve(part, refs)).join('');
  const object = (value ?? {}) as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(part, refs)).join(separator);
  }
  if ('Ref' in object || 'Fn::GetAtt' in object) {
    const name = 'Ref' in object ? String(object.Ref) : (object['Fn::GetAtt'] as string[]).join('.');
    const resolved = refs[name];
    if (resolved === undefined)
      throw new Error(`the state machine refers to ${name}, which the local deployment does not provide`);
    return resolved;
  }
  throw new Error(`an intrinsic function the local deployment cannot resolve: ${JSON.stringify(object)}`);
}

/** Every state by name, in the machine and in every Map's item processor. */
function allStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]): [string, AslState][] => {
    const processor = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, AslState> } | undefined;
    return [[name, state], ...(processor ? allStates(processor.States) : [])];
  });
}

/** A Lambda task that waits for a task token: its function is named in its Parameters. */
const WAIT_FOR_TOKEN = /^arn:aws:states:::lambda:invoke\.waitForTaskToken$/;

function machineOf(
  stack: Stack,
  template: Template,
  machine: CdkStateMachine,
  refs: Record<string, string>,
  handlerOf: Map<string, string>,
): SynthesizedMachine {
  const resource = template.toJSON().Resources[stack.getLogicalId(machine.node.defaultChild as CfnElement)] as {
    Properties: { DefinitionString: unknown };
  };
  const definition = JSON.parse(resolve(resource.Properties.DefinitionString, refs)) as Definition;
  const tokenTasks: string[] = [];
  const tasks = Object.fromEntries(
    allStates(definition.States)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name, state]) => {
        const waits = WAIT_FOR_TOKEN.test(String(state.Resource));
        if (waits) tokenTasks.push(name);
        const functionArn = waits
          ? String((state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName)
          : String(state.Resource);
        const file = handlerOf.get(functionArn);
        if (!file)
          throw new Error(`Task state ${name} calls ${functionArn}, which is none of the Importer's functions`);
        return [name, file];
      }),
  );
  return { definition, tasks, tokenTasks };
}

let synthesized: { stack: ImporterStack; template: Template } | undefined;

/**
 * The `test` stage's import and reconciliation state machines as `npm run synth` writes them, resolved for a
 * deployment: functions by ARN (bound to their handler files), the bucket by name, the partition, region and
 * account as the local cloud's. The app is synthesized once per test file.
 */
export function synthesizedMachines(resources: LocalResources): SynthesizedMachines {
  const { stack, template } = (synthesized ??= (() => {
    const { stacks } = synthApp();
    return { stack: stacks.test, template: Template.fromStack(stacks.test) };
  })());
  const refs: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    [stack.getLogicalId(stack.files.bucket.node.defaultChild as CfnElement)]: resources.bucket,
  };
  const handlerOf = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof ImporterFunction)) continue;
    const logicalId = stack.getLogicalId(construct.node.defaultChild as CfnElement);
    refs[`${logicalId}.Arn`] = functionArn(logicalId);
    handlerOf.set(functionArn(logicalId), construct.handlerFile.replace(/\.ts$/, ''));
  }
  return {
    import: machineOf(stack, template, stack.imports.stateMachine, refs, handlerOf),
    reconciliation: machineOf(stack, template, stack.reconciliation.stateMachine, refs, handlerOf),
  };
}

/** A task about to run: the test may act first (delete an object, …) or hand in another handler for this call. */
export type TaskHook = (call: {
  readonly state: string;
  readonly input: unknown;
  readonly attempt: number;
}) => Promise<Handler | void> | Handler | void;

export interface LocalExecutionOptions {
  /** The handlers by file name under functions/ (cold-started by the test in the deployment's environment). */
  readonly handlers: Readonly<Record<string, Handler>>;
  /** For the Distributed Map's ItemReader. */
  readonly s3: S3Client;
  /** Milliseconds to wait before each retry, for every state (the tool's `retryIntervalOverrides`); default 10. */
  readonly retryWaitMs?: number;
  /** Waits per state, overriding `retryWaitMs`: a number, or one per retrier in the state's Retry order. */
  readonly retryWaits?: Readonly<Record<string, number | number[]>>;
  /** How long a task waits for its token before States.Timeout, per state (default: the state's TimeoutSeconds). */
  readonly tokenTimeoutMs?: Readonly<Record<string, number>>;
  readonly hook?: TaskHook;
}

/** One event of an execution's history; `mapRun` names the Distributed Map state whose child execution logged it. */
export interface ExecutionEvent {
  readonly type: string;
  readonly state?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly mapRun?: string;
}

/** What an execution did: how it ended and the states it went through, in order. */
export interface ExecutionRecord {
  readonly name: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: { readonly Error: string; readonly Cause: string };
  /** `StateEntered`, `StateRetried`, `StateCaught`, … with the state's name, as the tool logs them. */
  readonly events: readonly ExecutionEvent[];
}

/**
 * A handler invoked as Step Functions' Lambda task invokes it: the payload and the result cross as JSON, an error
 * arrives as Lambda reports it (its name as the error, `{ errorType, errorMessage }` as the cause).
 */
function lambdaTask(handler: Handler, functionName: string) {
  return async (input: unknown) => {
    try {
      const result = await handler(JSON.parse(JSON.stringify(input)) as unknown, lambdaContext(functionName));
      return (result === undefined ? null : JSON.parse(JSON.stringify(result))) as never;
    } catch (error) {
      const e = error as Error;
      const failure = new Error(JSON.stringify({ errorType: e.name, errorMessage: e.message }));
      failure.name = e.name;
      throw failure;
    }
  };
}

/**
 * A task that waits for a token, as the service runs `lambda:invoke.waitForTaskToken`: a fresh token for each
 * entry into the state (the definition's `$$.Task.Token` in the payload is replaced by it: the tool has no task
 * tokens), the function invoked with the payload, then the state waits for SendTaskSuccess on the Step Functions
 * fake (`taskTokens`), or ends in States.Timeout after the state's TimeoutSeconds (or `tokenTimeoutMs`).
 */
function tokenTask(
  machine: SynthesizedMachine,
  state: string,
  options: LocalExecutionOptions,
  invoke: (payload: unknown) => Promise<unknown>,
) {
  const timeoutMs =
    options.tokenTimeoutMs?.[state] ??
    Number(allStates(machine.definition.States).find(([name]) => name === state)![1].TimeoutSeconds ?? 99_999_999) *
      1000;
  return async (input: unknown) => {
    const { Payload } = input as { Payload: Record<string, unknown> };
    const { token, output } = taskTokens.issue(state, timeoutMs);
    const payload = Object.fromEntries(
      Object.entries(Payload).map(([key, value]) => [key, value === TOKEN_PLACEHOLDER ? token : value]),
    );
    try {
      await invoke(payload);
    } catch (error) {
      // As the service: a task whose function fails fails with it, and its token is good for nothing after.
      taskTokens.withdraw(token);
      await output;
      throw error;
    }
    return output as never;
  };
}

/** What `$$.Task.Token` evaluates to in the tool (`tokenTask` hands out the real token). */
const TOKEN_PLACEHOLDER = 'task-token-issued-per-entry';

function taskBindings(machine: SynthesizedMachine, options: LocalExecutionOptions) {
  const attempts = new Map<string, number>();
  return Object.fromEntries(
    Object.entries(machine.tasks).map(([state, file]) => {
      const invoke = async (input: unknown) => {
        const handler = options.handlers[file];
        if (!handler) throw new Error(`no handler given for ${file} (state ${state})`);
        const attempt = (attempts.get(state) ?? 0) + 1;
        attempts.set(state, attempt);
        const replacement = await options.hook?.({ state, input, attempt });
        return lambdaTask(replacement ?? handler, file)(input);
      };
      return [state, machine.tokenTasks.includes(state) ? tokenTask(machine, state, options, invoke) : invoke];
    }),
  );
}

/** The tool's retry wait override for every state that retries. */
function retryOverrides(
  machine: SynthesizedMachine,
  options: LocalExecutionOptions,
): Record<string, number | number[]> {
  return Object.fromEntries(
    allStates(machine.definition.States)
      .filter(([, state]) => state.Retry)
      .map(([name]) => [name, options.retryWaits?.[name] ?? options.retryWaitMs ?? 10]),
  );
}

/** A one-state machine that evaluates a payload template (Parameters, ItemSelector, BatchInput) as the service does. */
async function evaluate(template: unknown, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  const machine = new StateMachine({
    StartAt: 'Evaluate',
    States: { Evaluate: { Type: 'Pass', Parameters: template as never, End: true } },
  } as StateMachineDefinition);
  return machine.run(input as never, { context: context as never }).result;
}

interface DistributedMapState {
  readonly ItemReader: {
    readonly Resource: string;
    readonly ReaderConfig?: { readonly InputType?: string };
    readonly Parameters: unknown;
  };
  readonly ItemSelector?: unknown;
  readonly ItemBatcher?: { readonly MaxItemsPerBatch?: number; readonly BatchInput?: unknown };
  readonly ItemProcessor: { readonly StartAt: string; readonly States: Record<string, AslState> };
  readonly MaxConcurrency?: number;
  readonly ToleratedFailurePercentage?: number;
}

/** The items the ItemReader hands out: a JSON Lines object in the bucket, as the S3 JSONL reader reads it. */
async function readItems(
  state: DistributedMapState,
  input: unknown,
  context: Record<string, unknown>,
  s3: S3Client,
): Promise<unknown[]> {
  const reader = state.ItemReader;
  if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSONL') {
    throw new Error(
      `an ItemReader the local runner does not read: ${reader.Resource} ${reader.ReaderConfig?.InputType ?? ''}`,
    );
  }
  const { Bucket, Key } = (await evaluate(reader.Parameters, input, context)) as { Bucket: string; Key: string };
  const text = await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/** The Distributed Map state run as the service runs it (see the top of this file). */
interface MapRun {
  readonly name: string;
  readonly state: DistributedMapState;
  readonly context: Record<string, unknown>;
  readonly options: LocalExecutionOptions;
  readonly runOptions: RunOptions;
  /** The parent's history, which gets the child executions' events too (the service keeps them apart). */
  readonly events: ExecutionEvent[];
}

function distributedMap({ name, state, context, options, runOptions, events }: MapRun) {
  return async (input: unknown) => {
    const items = await readItems(state, input, context, options.s3);
    const selected = await Promise.all(
      items.map((value, index) =>
        state.ItemSelector
          ? evaluate(state.ItemSelector, input, { ...context, Map: { Item: { Index: index, Value: value } } })
          : value,
      ),
    );
    const batchSize = state.ItemBatcher?.MaxItemsPerBatch;
    const batchInput =
      state.ItemBatcher?.BatchInput === undefined
        ? undefined
        : await evaluate(state.ItemBatcher.BatchInput, input, context);
    const children =
      batchSize === undefined
        ? selected
        : Array.from({ length: Math.ceil(selected.length / batchSize) }, (_, i) => ({
            ...(batchInput === undefined ? {} : { BatchInput: batchInput }),
            Items: selected.slice(i * batchSize, (i + 1) * batchSize),
          }));
    // The child executions' machine: the processor's states (its ProcessorConfig is the Map's, not theirs).
    const { StartAt, States } = state.ItemProcessor;
    const processor = new StateMachine({ StartAt, States } as StateMachineDefinition);
    const runChild = async (child: unknown) => {
      const run = processor.run(child as never, runOptions);
      const logged = collect(run.eventLogs, events, name);
      const result = await run.result;
      await logged;
      return result;
    };
    // MaxConcurrency 0 or absent: as many as the service runs at once (10 000).
    const concurrency = state.MaxConcurrency || 10_000;
    if (state.ToleratedFailurePercentage !== undefined) {
      // Every child runs to its end; the state fails only when more than the tolerated share of them failed.
      const failed: unknown[] = [];
      const results = await inParallel(children, concurrency, (child) =>
        runChild(child).catch((error: unknown) => {
          failed.push(error);
          return undefined;
        }),
      );
      if (failed.length * 100 > state.ToleratedFailurePercentage * children.length) {
        const failure = new Error(`${failed.length} of ${children.length} child executions failed`);
        failure.name = 'States.ExceedToleratedFailureThreshold';
        throw failure;
      }
      return results;
    }
    try {
      return await inParallel(children, concurrency, runChild);
    } catch (error) {
      const failure = new Error(`a child execution failed: ${(error as Error).message}`);
      failure.name = 'States.ExceedToleratedFailureThreshold';
      throw failure;
    }
  };
}

/** What a Distributed Map may hold that `distributedMap` does not do. */
const UNEMULATED = [
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ResultWriter',
  'ItemsPath',
  'MaxItems',
];

/** The definition with each Distributed Map state handed to `distributedMap` (a Task state the tool calls back). */
function withDistributedMapsLocal(definition: Definition): {
  definition: Definition;
  maps: Record<string, DistributedMapState>;
} {
  const maps: Record<string, DistributedMapState> = {};
  const States = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      const mode = (state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig?.Mode;
      if (state.Type !== 'Map' || mode !== 'DISTRIBUTED') return [name, state];
      const unsupported = UNEMULATED.filter(
        (field) =>
          field in state ||
          (field === 'MaxItems' &&
            (state.ItemReader as { ReaderConfig?: object } | undefined)?.ReaderConfig !== undefined &&
            'MaxItems' in (state.ItemReader as { ReaderConfig: object }).ReaderConfig),
      );
      if (unsupported.length > 0)
        throw new Error(
          `Distributed Map ${name} uses ${unsupported.join(', ')}, which the local runner does not emulate`,
        );
      maps[name] = state as unknown as DistributedMapState;
      const {
        ItemReader: _r,
        ItemSelector: _s,
        ItemBatcher: _b,
        ItemProcessor: _p,
        MaxConcurrency: _m,
        Label: _l,
        ToleratedFailurePercentage: _t,
        ...kept
      } = state;
      return [
        name,
        {
          ...kept,
          Type: 'Task',
          TimeoutSeconds: 86_400,
          Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:DistributedMap-${name}`,
        },
      ];
    }),
  );
  return { definition: { ...definition, States } as Definition, maps };
}

/** Copies an execution's event log into `events` as it runs (tagged with the Map state of a child execution). */
async function collect(logs: AsyncGenerator<unknown>, events: ExecutionEvent[], mapRun?: string): Promise<void> {
  for await (const event of logs) {
    const e = event as { type: string; state?: { name: string }; Error?: string; Cause?: unknown };
    events.push({
      type: e.type,
      ...(e.state ? { state: e.state.name } : {}),
      ...(e.Error ? { error: e.Error, cause: String(e.Cause) } : {}),
      ...(mapRun ? { mapRun } : {}),
    });
  }
}

/** Runs one execution of a synthesized machine to its end, recording the states it passed through. */
export async function runExecution(
  machine: SynthesizedMachine,
  execution: { name: string; input: unknown; executionArn?: string; stateMachineArn?: string },
  options: LocalExecutionOptions,
): Promise<ExecutionRecord> {
  const { definition, maps } = withDistributedMapsLocal(machine.definition);
  const stateMachineArn = execution.stateMachineArn ?? `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:local`;
  const context = {
    Execution: {
      Id: execution.executionArn ?? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution.name}`,
      Name: execution.name,
      Input: execution.input,
      StartTime: new Date().toISOString(),
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/local`,
    },
    StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').pop() },
    Task: { Token: TOKEN_PLACEHOLDER },
  };
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: taskBindings(machine, options),
      retryIntervalOverrides: retryOverrides(machine, options),
    },
    context: context as never,
  };
  const events: ExecutionEvent[] = [];
  for (const [name, state] of Object.entries(maps)) {
    runOptions.overrides!.taskResourceLocalHandlers![name] = distributedMap({
      name,
      state,
      context,
      options,
      runOptions,
      events,
    }) as never;
  }
  const run = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } }).run(
    execution.input as never,
    runOptions,
  );
  const logged = collect(run.eventLogs, events);
  try {
    const output = await run.result;
    await logged;
    return { name: execution.name, status: 'SUCCEEDED', output, events };
  } catch (error) {
    await logged.catch(() => undefined);
    const failure = ((error as { cause?: unknown }).cause ?? error) as Error;
    return { name: execution.name, status: 'FAILED', error: { Error: failure.name, Cause: failure.message }, events };
  }
}

/**
 * Executions started through the Step Functions fake run here: each StartExecution for `stateMachineArn` runs
 * the synthesized machine; the record lands in `records` (by execution name) when it ends.
 */
export function executionRunner(
  machines: Readonly<Record<string, SynthesizedMachine>>,
  options: LocalExecutionOptions,
  records: Map<string, ExecutionRecord>,
): ExecutionRunner {
  return async ({ stateMachineArn, name, input, executionArn }) => {
    const machine = machines[stateMachineArn];
    if (!machine) throw new Error(`no state machine ${stateMachineArn} here`);
    const record = await runExecution(machine, { name, input, executionArn, stateMachineArn }, options);
    records.set(name, record);
    return record;
  };
}

/** The states an execution entered, in order (a state retried is entered once); a Distributed Map's children's with `mapRun`. */
export function statesEntered(record: ExecutionRecord, mapRun?: string): string[] {
  return record.events.filter((e) => e.type === 'StateEntered' && e.mapRun === mapRun).map((e) => e.state!);
}
