import { ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RECONCILIATION_REPORTS } from '../../shared/core/storage/bucket-layout.js';
import type { ImporterFunction } from './importer-function.js';
import { REGISTER_INDEX } from './register-tables.js';

export const NAMESPACE = 'LokImporter';
/**
 * Lambda's REPORT line in a function's log (`REPORT RequestId: … Duration: 102.25 ms Billed Duration: 103 ms Memory
 * Size: 2048 MB Max Memory Used: 1201 MB …`), its words matched by position: the value after `Max Memory Used:`.
 */
const REPORT_LINE = FilterPattern.spaceDelimited(
  'type',
  'requestIdLabel',
  'requestId',
  'durationLabel',
  'duration',
  'durationUnit',
  'billedLabel',
  'billedDurationLabel',
  'billedDuration',
  'billedUnit',
  'memoryLabel',
  'sizeLabel',
  'memorySize',
  'memoryUnit',
  'maxLabel',
  'maxMemoryLabel',
  'usedLabel',
  'maxMemoryUsed',
  'maxMemoryUnit',
  '...',
)
  .whereString('type', '=', 'REPORT')
  .whereString('maxLabel', '=', 'Max')
  .whereString('usedLabel', '=', 'Used:')
  .whereString('maxMemoryUnit', '=', 'MB');
/** An upload open this long is stuck: the nightly reconciliation's threshold too (functions/reconcile-upload.ts). */
export const OLDEST_OPEN_UPLOAD_ALARM_SECONDS = 2 * 60 * 60;

/** A function whose memory reaches this share of its limit raises `MemoryNearLimit`. */
export const MEMORY_ALARM_RATIO = 0.85;
/**
 * The functions whose memory grows with the file they work on (a file's records, its staged results, its
 * verdicts): the apply step and its large-file parts, the judge, the receipt (docs/architecture.md, "Per club").
 */
export const MEMORY_WATCHED = [
  'apply-step.ts',
  'apply-read-step.ts',
  'apply-unit-step.ts',
  'judge-step.ts',
  'judge-chunk-step.ts',
  'receipt-step.ts',
];
/** The functions that end in an error by design (`UploadBlocked`: the upload waits for its turn), left out of `FunctionErrors`. */
export const BLOCKED_BY_DESIGN = ['apply-step.ts', 'apply-read-step.ts'];

/** An alarm of the construct: ≥ threshold in `periods` consecutive periods (default 1), to every destination. */
type NewAlarm = (
  name: string,
  metric: IMetric,
  threshold: number,
  description: string,
  options?: { readonly periods?: number },
) => Alarm;

export interface ObservabilityProps {
  /**
   * The stage's name, in the alarm topic's and the dashboard's titles.
   *
   * @default - none (required)
   */
  readonly stage: string;
  /**
   * A production stage: the stuck-files and function-errors alarms go off sooner (1 and 3, not 5 and 10).
   *
   * @default - none (required)
   */
  readonly production: boolean;
  /**
   * An e-mail address subscribed to the alarm topic.
   *
   * @default - no subscription: the alarms go to the topic (and `alarmTopicArn`) only
   */
  readonly alarmEmail?: string;
  /**
   * RF's own SNS topic (in the stage's region), an alarm's second destination beside the construct's topic.
   *
   * @default - the construct's topic only
   */
  readonly alarmTopicArn?: string;
  /**
   * Failed imports in five minutes that set off `ImportsFailed`.
   *
   * @default - none (required)
   */
  readonly failedImportsAlarmThreshold: number;
  /**
   * The import workflow, whose failed, timed-out and stuck executions are watched.
   *
   * @default - none (required)
   */
  readonly importStateMachine: IStateMachine;
  /**
   * The nightly job, watched for a failed or a missing night.
   *
   * @default - none (required)
   */
  readonly reconciliationStateMachine: IStateMachine;
  /**
   * Every function whose errors, throttles and memory are watched.
   *
   * @default - none (required)
   */
  readonly functions: readonly ImporterFunction[];
  /**
   * The register table, whose DynamoDB metrics are watched and graphed.
   *
   * @default - none (required)
   */
  readonly table: ITableV2;
  /**
   * The upload trigger's dead-letter queue: an upload event in it sets off `UploadEventsDeadLettered`.
   *
   * @default - none (required)
   */
  readonly starterDeadLetters: IQueue;
  /**
   * What becomes of the alarm topic's key when the stack is deleted (RETAIN in production).
   *
   * @default - none (required)
   */
  readonly removalPolicy: RemovalPolicy;
}

/** A Powertools metric of every vendor (one series per vendor), summed over 5 minutes. */
function perVendor(metric: string, label: string, stat = 'Sum'): MathExpression {
  return new MathExpression({
    expression: `SEARCH('{${NAMESPACE},service,vendor} MetricName="${metric}"', '${stat}', 300)`,
    label,
    period: Duration.minutes(5),
    usingMetrics: {},
  });
}

function total(metric: string, label: string, stat = 'Sum'): MathExpression {
  return new MathExpression({
    expression: `SUM(SEARCH('{${NAMESPACE},service,vendor} MetricName="${metric}"', '${stat}', 300))`,
    label,
    period: Duration.minutes(5),
    usingMetrics: {},
  });
}

/**
 * What RF operations watch: one dashboard (files per vendor, records per second, upload-to-receipt latency,
 * verdicts by reason, Lambda errors and throttles, workflow failures, DynamoDB throttles, open uploads and the
 * oldest one's age) fed by the handlers' Powertools metrics, and alarms (failed imports, stuck files,
 * reconciliation drift, corrected verdicts, failure and absence, lost upload events, an upload open too long,
 * Lambda errors and throttles, register throttles, memory near the limit) to one SNS topic and RF's own topic where
 * configured, when they fire and when they clear (docs/operations.md, "Alarms"). Production's alarms fire on the
 * first occurrence of a failure; throttles when they are steady.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const key = new Key(this, 'AlarmsKey', {
      description: 'lok-importer alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.topic = new Topic(this, 'Alarms', {
      displayName: `lok-importer ${props.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // CloudWatch publishes this stack's alarms, and only this account's alarms (no confused deputy): to the topic,
    // whose policy otherwise holds only the TLS deny, and with its key.
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const alarmsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnLike: {
        'aws:SourceArn': Stack.of(this).formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmsPublish',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: alarmsOfThisAccount,
      }),
    );
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmsEncrypt',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: alarmsOfThisAccount,
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    // Every alarm goes to the topic and to RF's own topic where one is configured, when it fires and when it clears.
    const destinations = [
      this.topic,
      ...(props.alarmTopicArn ? [Topic.fromTopicArn(this, 'Destination', props.alarmTopicArn)] : []),
    ].map((t) => new SnsAction(t));

    const fiveMinutes = Duration.minutes(5);
    const imports = props.importStateMachine;
    const watch = (a: Alarm) => {
      a.addAlarmAction(...destinations);
      a.addOkAction(...destinations);
      this.alarms.push(a);
      return a;
    };
    const alarm: NewAlarm = (name, metric, threshold, description, options = {}) =>
      watch(
        new Alarm(this, name, {
          metric,
          threshold,
          evaluationPeriods: options.periods ?? 1,
          datapointsToAlarm: options.periods ?? 1,
          alarmDescription: description,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    alarm(
      'ImportsFailed',
      imports.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
      props.failedImportsAlarmThreshold,
      "Import executions failed: their vendors have IMPORT_FAILED receipts. Read the execution (ids only) and the step's logs.",
    );
    alarm(
      'ImportsTimedOutOrAborted',
      new MathExpression({
        expression: 'timedOut + aborted',
        label: 'timed out or aborted',
        period: fiveMinutes,
        usingMetrics: {
          timedOut: imports.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }),
          aborted: imports.metricAborted({ period: fiveMinutes, statistic: 'Sum' }),
        },
      }),
      1,
      'Import executions timed out or were aborted: their uploads are stuck until reconciliation restarts them.',
    );
    const nightly = (metricName: string) =>
      new Metric({
        namespace: NAMESPACE,
        metricName,
        dimensionsMap: { service: 'lok-importer' },
        statistic: 'Sum',
        period: Duration.days(1),
      });
    const stuck = new MathExpression({
      expression: 'restarted + swept + partial',
      label: 'stuck files',
      period: Duration.days(1),
      usingMetrics: {
        restarted: nightly('StuckUploadsRestarted'),
        swept: nightly('SweptUploadsStarted'),
        partial: nightly('PartialUploadsInInbox'),
      },
    });
    alarm(
      'StuckFiles',
      stuck,
      props.production ? 1 : 5,
      'Files were stuck: uploads that never started (a lost event) or never finished, or partial uploads left in an inbox (the delete workflow failed), found by the nightly reconciliation.',
    );
    const drift = new Metric({
      namespace: NAMESPACE,
      metricName: 'ReconciliationDrift',
      dimensionsMap: { service: 'lok-importer' },
      statistic: 'Sum',
      period: Duration.days(1),
    });
    alarm(
      'ReconciliationDrift',
      drift,
      1,
      `Totals differed from the sum of their verdicts (repaired): a step went wrong. See the night's report in ${RECONCILIATION_REPORTS}.`,
    );
    alarm(
      'ReconciliationUploadErrors',
      nightly('ReconciliationUploadErrors'),
      1,
      "The nightly reconciliation could not reconcile some uploads (the others were): see `errors` in the night's report (upload ids, error names); they are tried again the next night.",
    );
    alarm(
      'ReconciliationClubErrors',
      nightly('ReconciliationClubErrors'),
      1,
      "The nightly reconciliation could not reconcile some clubs (the others were): see `clubErrors` in the night's report (club ids, error names); they are tried again the next night.",
    );
    const corrected = nightly('VerdictsCorrected');
    alarm(
      'VerdictsCorrected',
      corrected,
      1,
      "The nightly recheck of recent uploads corrected verdicts (now right): a judge step had written a stale verdict, e.g. two vendors judging one week at once. See `corrected` in the night's report.",
    );
    alarm(
      'ReconciliationFailed',
      props.reconciliationStateMachine.metricFailed({ period: Duration.hours(1), statistic: 'Sum' }),
      1,
      'The nightly reconciliation failed: stuck files, drift and period closing were not handled tonight.',
    );
    // The heartbeat: no successful night in a day (the schedule stopped, or every run failed) is an alarm too.
    watch(
      new Alarm(this, 'ReconciliationMissing', {
        metric: props.reconciliationStateMachine.metricSucceeded({ period: Duration.days(1), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
        alarmDescription:
          'No nightly reconciliation succeeded in the last day: stuck files, drift and period closing wait. Check its schedule and its executions.',
      }),
    );
    alarm(
      'UploadEventsDeadLettered',
      props.starterDeadLetters.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      1,
      'Upload events could not start their import: the nightly sweep starts them; read the messages for the cause.',
    );
    // The oldest open upload's age, over every vendor (an alarm cannot search per vendor): the apply step measures
    // its vendor on every attempt, the nightly sweep every vendor.
    const oldestOpen = new Metric({
      namespace: NAMESPACE,
      metricName: 'OldestOpenUploadAgeSeconds',
      dimensionsMap: { service: 'lok-importer' },
      statistic: 'Maximum',
      period: Duration.hours(1),
    });
    alarm(
      'OldestOpenUploadAge',
      oldestOpen,
      OLDEST_OPEN_UPLOAD_ALARM_SECONDS,
      "An upload has been open (not done) for 2 hours or more: run `lok-importer status --vendor V --cloud` for the vendors of the dashboard's open-uploads widget; it says what each file waits for and what to do.",
    );

    this.functionAlarms(props, alarm);

    const lambdaErrors = props.functions.map((f) => f.metricErrors({ period: fiveMinutes, statistic: 'Sum' }));
    const lambdaThrottles = props.functions.map((f) => f.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }));
    const tableMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.table.tableName },
        statistic: 'Sum',
        period: fiveMinutes,
      });

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# lok-importer (${props.stage})\nFiles, verdicts and health. Runbook: docs/operations.md. Alarms go to the topic ${props.stage} alarms.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Files received per vendor', left: [perVendor('FilesReceived', 'received')], width: 8 }),
      new GraphWidget({ title: 'Files applied per vendor', left: [perVendor('FilesApplied', 'applied')], width: 8 }),
      new GraphWidget({
        title: 'Files rejected or failed per vendor',
        left: [perVendor('FilesRejected', 'rejected'), perVendor('FilesFailed', 'failed')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Records per second (apply)',
        left: [perVendor('RecordsPerSecond', 'records/s', 'Average')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Upload to receipt (seconds)',
        left: ['p50', 'p95'].map(
          (statistic) =>
            new Metric({
              namespace: NAMESPACE,
              metricName: 'UploadToReceiptSeconds',
              dimensionsMap: { service: 'lok-importer' },
              statistic,
              period: fiveMinutes,
              label: statistic,
            }),
        ),
        width: 8,
      }),
      new GraphWidget({
        title: 'Activities approved vs rejected',
        left: [total('ActivitiesApproved', 'approved'), total('ActivitiesRejected', 'rejected')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Rejected activities by reason',
        left: [
          new MathExpression({
            expression: `SEARCH('{${NAMESPACE},reason,service} MetricName="ActivitiesRejectedByReason"', 'Sum', 300)`,
            label: 'reason',
            period: fiveMinutes,
            usingMetrics: {},
          }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Workflow failures',
        left: [
          imports.metricFailed({ label: 'imports failed' }),
          imports.metricTimedOut({ label: 'imports timed out' }),
          props.reconciliationStateMachine.metricFailed({ label: 'reconciliation failed' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda errors',
        left: [
          new MathExpression({
            expression: lambdaErrors.map((_, i) => `e${i}`).join(' + '),
            label: 'errors',
            period: fiveMinutes,
            usingMetrics: Object.fromEntries(lambdaErrors.map((m, i) => [`e${i}`, m])),
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda throttles',
        left: [
          new MathExpression({
            expression: lambdaThrottles.map((_, i) => `t${i}`).join(' + '),
            label: 'throttles',
            period: fiveMinutes,
            usingMetrics: Object.fromEntries(lambdaThrottles.map((m, i) => [`t${i}`, m])),
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'DynamoDB throttles',
        left: [tableMetric('ReadThrottleEvents'), tableMetric('WriteThrottleEvents')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Open uploads per vendor',
        left: [perVendor('OpenUploads', 'open', 'Maximum')],
        width: 12,
      }),
      new GraphWidget({
        title: 'Oldest open upload per vendor (seconds)',
        left: [perVendor('OldestOpenUploadAgeSeconds', 'age', 'Maximum')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Nightly reconciliation: drift, verdicts corrected and stuck files',
        left: [drift, corrected, stuck],
        width: 24,
      }),
    );
  }

  /**
   * Lambda errors and throttles, DynamoDB throttles, memory near the limit. Errors and throttles are the account's
   * (no function dimension: an alarm's metric math takes 10 metrics, the Importer has more functions; production's
   * account holds the Importer alone), errors less those of the apply steps, whose `UploadBlocked` is by design
   * (a later upload waits for its turn) and whose real failures fail the import (ImportsFailed).
   */
  private functionAlarms(props: ObservabilityProps, alarm: NewAlarm): void {
    const period = Duration.minutes(5);
    const lambda = (metricName: string) =>
      new Metric({ namespace: 'AWS/Lambda', metricName, statistic: 'Sum', period });
    const blocked = props.functions.filter((f) => BLOCKED_BY_DESIGN.includes(f.handlerFile));
    const errors = new MathExpression({
      expression: ['FILL(errors, 0)', ...blocked.map((_, i) => `FILL(blocked${i}, 0)`)].join(' - '),
      label: 'errors (apply steps left out)',
      period,
      usingMetrics: {
        errors: lambda('Errors'),
        ...Object.fromEntries(blocked.map((f, i) => [`blocked${i}`, f.metricErrors({ period, statistic: 'Sum' })])),
      },
    });
    alarm(
      'FunctionErrors',
      errors,
      props.production ? 3 : 10,
      "Lambda functions ended in errors (time-outs, out of memory, unhandled or retried errors; the apply steps' waits for their turn left out): read the functions' `step failed` log lines.",
      { periods: 1 },
    );
    alarm(
      'FunctionThrottles',
      lambda('Throttles'),
      1,
      "Lambda invocations were throttled in each of the last 15 minutes (the account's concurrency is used up): steps are retried, but imports slow down. Look at the concurrency quota and what runs.",
      { periods: 3 },
    );
    const tableMetric = (metricName: string, index?: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        statistic: 'Sum',
        period,
        dimensionsMap: { TableName: props.table.tableName, ...(index ? { GlobalSecondaryIndexName: index } : {}) },
      });
    const throttles = {
      read: tableMetric('ReadThrottleEvents'),
      write: tableMetric('WriteThrottleEvents'),
      indexRead: tableMetric('ReadThrottleEvents', REGISTER_INDEX),
      indexWrite: tableMetric('WriteThrottleEvents', REGISTER_INDEX),
    };
    alarm(
      'RegisterThrottles',
      new MathExpression({
        expression: Object.keys(throttles)
          .map((k) => `FILL(${k}, 0)`)
          .join(' + '),
        label: 'register throttle events',
        period,
        usingMetrics: throttles,
      }),
      1,
      'The register table (or its index) throttled requests in each of the last 15 minutes: writes are retried with backoff, but imports slow down. See docs/operations.md, "Alarms".',
      { periods: 3 },
    );
    // Memory: Lambda's REPORT line (`… Memory Size: 2048 MB Max Memory Used: 1201 MB …`) as a metric, per function.
    for (const fn of props.functions.filter((f) => MEMORY_WATCHED.includes(f.handlerFile))) {
      const name = fn.node.id;
      const filter = new MetricFilter(this, `${name}Memory`, {
        logGroup: fn.logGroup,
        filterPattern: REPORT_LINE,
        metricNamespace: NAMESPACE,
        metricName: `${name}MaxMemoryUsedMB`,
        metricValue: '$maxMemoryUsed',
      });
      alarm(
        `${name}MemoryNearLimit`,
        filter.metric({ statistic: 'Maximum', period }),
        Math.floor(fn.memoryMb * MEMORY_ALARM_RATIO),
        `${name} (${fn.handlerFile}) used ${Math.round(MEMORY_ALARM_RATIO * 100)} % or more of its ${fn.memoryMb} MB: a larger file would fail it. See docs/operations.md, "Alarms".`,
      );
    }
  }
}
