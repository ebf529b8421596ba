import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DistributedMap,
  Errors,
  Fail,
  ItemBatcher,
  JsonPath,
  S3JsonLItemReader,
  type StateMachine,
  TaskInput,
  type IStateMachine,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENV } from '../../functions/commons/environment.js';
import { ImporterFunction } from './importer-function.js';
import { loggedStateMachine } from './logged-state-machine.js';
import { retriedWhenTransient } from './retry-policies.js';
import { bindToRegister, manifestsOnly, STEP_ACCESS, type AccessTargets, type StepHandlerFile } from './step-access.js';

/** Clubs per Lambda invocation of the clubs' half, and batches at once. */
export const CLUBS_PER_BATCH = 100;
export const CLUB_BATCHES_IN_PARALLEL = 5;
/** Unfinished uploads reconciled at once in the uploads' half, each by its own Lambda invocation. */
export const UPLOADS_IN_PARALLEL = 10;

export interface ReconciliationProps {
  /**
   * The bucket, table and keys, which each function reaches only as its entry in STEP_ACCESS says.
   *
   * @default - none (required)
   */
  readonly access: AccessTargets;
  /**
   * The import workflow, which the sweep and the uploads' half start again for an upload.
   *
   * @default - none (required)
   */
  readonly importStateMachine: IStateMachine;
  /**
   * Hour of the night the job starts, Europe/Stockholm.
   *
   * @default - none (required)
   */
  readonly hour: number;
  /**
   * Retention of the functions' log groups and of the executions' log group.
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

/**
 * The nightly job (EventBridge Scheduler, Europe/Stockholm): sweep the inboxes for completed uploads that
 * never started (upload events are best-effort); per unfinished upload (Distributed Map over a JSON Lines list of
 * uploads, one upload per item, a failing one caught in its item and recorded) re-judge a failed upload's changes
 * or restart a stuck one; then per club (Distributed Map over a JSON Lines list of clubs, in batches) repair
 * totals drift and close periods; then the retention purge (register data past seven years: the archive is the
 * bucket's lifecycle rule's); last, the night's report to `reports/reconciliation/<run>.json`.
 */
export class Reconciliation extends Construct {
  readonly stateMachine: StateMachine;
  readonly functions: ImporterFunction[] = [];
  readonly schedule: Schedule;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const { access, importStateMachine, logRetention, removalPolicy } = props;
    const { bucket } = access;
    const fn = (name: string, handlerFile: StepHandlerFile, startsImports: boolean) => {
      const f = bindToRegister(
        new ImporterFunction(this, name, {
          handlerFile,
          logRetention,
          removalPolicy,
          memorySize: 2048,
          timeout: Duration.minutes(15),
          ...(startsImports
            ? { environment: { [ENV.importStateMachineArn]: importStateMachine.stateMachineArn } }
            : {}),
        }),
        STEP_ACCESS[handlerFile],
        access,
      );
      this.functions.push(f);
      return f;
    };
    const run = { runId: JsonPath.stringAt('$$.Execution.Name') };
    const step = (name: string, f: ImporterFunction, payload: Record<string, unknown> = run) =>
      retriedWhenTransient(
        new LambdaInvoke(this, name, {
          lambdaFunction: f,
          payload: TaskInput.fromObject(payload),
          payloadResponseOnly: true,
          retryOnServiceExceptions: false,
          resultPath: `$.${name}`,
        }),
      );
    const failed = new Fail(this, 'ReconciliationFailed', {
      error: 'ReconciliationFailed',
      cause: 'a reconciliation step failed for good',
    });

    const sweep = step('SweepInboxes', fn('Sweep', 'sweep-inbox.ts', true));
    const planUploads = step('PlanUploads', fn('UploadsPlan', 'reconcile-plan-uploads.ts', false));
    const uploads = this.uploadsMap(
      fn('Uploads', 'reconcile-upload.ts', true),
      fn('UploadErrors', 'reconcile-upload-failed.ts', false),
      bucket,
    );
    const plan = step('PlanClubs', fn('Plan', 'reconcile-plan-clubs.ts', false));
    const clubs = this.clubsMap(fn('Clubs', 'reconcile-clubs.ts', false), bucket);
    // The retention purge, after the clubs' half (which may still judge a period it removes) and before the report.
    const purge = step('Purge', fn('PurgeFn', 'reconcile-purge.ts', false));
    const report = step('Report', fn('ReportFn', 'reconcile-report.ts', false));
    purge.next(report);
    for (const s of [sweep, planUploads, plan, purge, report])
      s.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.error' });
    for (const map of [uploads, clubs]) map.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.error' });

    // Most nights no upload is unfinished, and a register may have no clubs: an empty manifest is not fanned out over.
    const anyClubs = new Choice(this, 'AnyClubs')
      .when(Condition.numberGreaterThan('$.PlanClubs.clubs', 0), clubs.next(purge))
      .otherwise(purge);
    plan.next(anyClubs);
    const anyUploads = new Choice(this, 'AnyUploads')
      .when(Condition.numberGreaterThan('$.PlanUploads.uploads', 0), uploads.next(plan))
      .otherwise(plan);
    this.stateMachine = loggedStateMachine(this, {
      id,
      definition: sweep.next(planUploads).next(anyUploads),
      timeout: Duration.hours(6),
      comment:
        'lok-importer nightly reconciliation: sweep, uploads (fanned out), clubs (fanned out), retention purge, report',
      logRetention,
      removalPolicy,
    });
    // Its Distributed Maps read their manifests under reports/, nothing else of the bucket.
    manifestsOnly(this.stateMachine, 'reports', access);

    // SQS-managed encryption: the Scheduler service cannot use the AWS-managed SQS KMS key.
    const deadLetters = (this.deadLetters = new Queue(this, 'ScheduleDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    }));
    this.schedule = new Schedule(this, 'Nightly', {
      description: 'lok-importer nightly reconciliation',
      schedule: ScheduleExpression.cron({
        minute: '0',
        hour: String(props.hour),
        timeZone: TimeZone.of('Europe/Stockholm'),
      }),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        input: ScheduleTargetInput.fromObject({}),
        retryAttempts: 3,
        deadLetterQueue: deadLetters,
        maxEventAge: Duration.hours(2),
      }),
    });
  }

  /**
   * The uploads' half: a Distributed Map over the plan's JSON Lines list of unfinished uploads, one invocation of
   * `reconcileFn` per upload, UPLOADS_IN_PARALLEL at once. An upload that fails (after the retries of a transient
   * error) is caught inside the item into `recordFn`, which keeps its error's name for the report: the item ends
   * well, and the night goes on with the others.
   */
  private uploadsMap(reconcileFn: ImporterFunction, recordFn: ImporterFunction, bucket: IBucket): DistributedMap {
    const map = new DistributedMap(this, 'ReconcileUploads', {
      itemReader: new S3JsonLItemReader({ bucket, key: JsonPath.stringAt('$.PlanUploads.manifest') }),
      // Each item: the night's run id (its result is kept under the run's reports) and the upload's ledger key.
      itemSelector: { runId: JsonPath.stringAt('$$.Execution.Name'), upload: JsonPath.objectAt('$$.Map.Item.Value') },
      maxConcurrency: UPLOADS_IN_PARALLEL,
      resultPath: JsonPath.DISCARD,
      label: 'ReconcileUploads',
    });
    const reconcileOne = retriedWhenTransient(
      new LambdaInvoke(this, 'ReconcileUpload', {
        lambdaFunction: reconcileFn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      }),
    );
    const record = retriedWhenTransient(
      new LambdaInvoke(this, 'RecordUploadError', {
        lambdaFunction: recordFn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: TaskInput.fromObject({
          runId: JsonPath.stringAt('$.runId'),
          upload: JsonPath.objectAt('$.upload'),
          error: JsonPath.objectAt('$.error'),
        }),
      }),
    );
    reconcileOne.addCatch(record, { errors: [Errors.ALL], resultPath: '$.error' });
    return map.itemProcessor(reconcileOne);
  }

  /** The clubs' half: a Distributed Map over the plan's JSON Lines list of clubs, CLUBS_PER_BATCH clubs per invocation of `clubsFn`. */
  private clubsMap(clubsFn: ImporterFunction, bucket: IBucket): DistributedMap {
    const map = new DistributedMap(this, 'ReconcileClubs', {
      itemReader: new S3JsonLItemReader({ bucket, key: JsonPath.stringAt('$.PlanClubs.manifest') }),
      // Written as ASL wants it (`.$` on the key): CDK passes BatchInput through as it is given.
      itemBatcher: new ItemBatcher({
        maxItemsPerBatch: CLUBS_PER_BATCH,
        batchInput: { 'runId.$': '$$.Execution.Name' },
      }),
      maxConcurrency: CLUB_BATCHES_IN_PARALLEL,
      resultPath: JsonPath.DISCARD,
      label: 'ReconcileClubs',
    });
    const clubBatch = retriedWhenTransient(
      new LambdaInvoke(this, 'ReconcileClubBatch', {
        lambdaFunction: clubsFn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      }),
    );
    return map.itemProcessor(clubBatch);
  }
}
