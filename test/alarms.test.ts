import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { importerApp } from '../cdk/app.js';
import { isPlaceholderEmail, stagesFrom } from '../cdk/config.js';
import { MEMORY_ALARM_RATIO, MEMORY_WATCHED } from '../cdk/constructs/observability.js';
import type { ImporterStack } from '../cdk/importer-stack.js';
import { synthApp } from './support/cdk-app.js';

/**
 * Alarms that reach someone: production has a destination or does not synthesize, every alarm tells it when it
 * fires and when it clears, and the functions, the register and the nightly job are watched.
 */

const pin = { account: '123456789012', region: 'eu-north-1' };
const TOPIC = 'arn:aws:sns:eu-north-1:123456789012:rf-on-call';

/** The one stack of an app with these stages (bundling skipped). */
function stackOf(stages: unknown, name: string): Stack {
  const app = importerApp(new App({ context: { stages, 'aws:cdk:bundling-stacks': [] } }));
  return app.node.findChild(`LokImporter-${name}`) as Stack;
}

interface AlarmProps {
  AlarmDescription: string;
  Threshold: number;
  AlarmActions: unknown[];
  OKActions?: unknown[];
  ComparisonOperator: string;
  TreatMissingData: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  Period?: number;
  Dimensions?: unknown[];
  Metrics?: {
    Id: string;
    Expression?: string;
    MetricStat?: {
      Metric: { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] };
      Period: number;
      Stat: string;
    };
  }[];
}
const alarmsOf = (template: Template) =>
  Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, a]) => ({
    id,
    ...(a.Properties as AlarmProps),
  }));

describe('production has somewhere to send its alarms', () => {
  it('refuses to synthesize a production stage without an alarm destination, saying what to set', () => {
    const message =
      "stage prod (production): no alarm destination: set alarmEmail (an address RF operations read) or alarmTopicArn (an SNS topic in eu-north-1, e.g. RF's on-call) in cdk.json → context.stages.prod";
    expect(() => stagesFrom({ prod: { kind: 'production', ...pin } })).toThrow(message);
    expect(() => importerApp(new App({ context: { stages: { prod: { kind: 'production', ...pin } } } }))).toThrow(
      message,
    );
    // A test stage may have none: the topic alone.
    expect(stagesFrom({ test: { kind: 'test', ...pin } })[0]).not.toHaveProperty('alarmEmail');
  });

  it("takes an e-mail address, an SNS topic of the stage's region, or both; anything else is refused", () => {
    expect(stagesFrom({ prod: { kind: 'production', ...pin, alarmTopicArn: TOPIC } })[0]).toMatchObject({
      alarmTopicArn: TOPIC,
    });
    expect(
      stagesFrom({ prod: { kind: 'production', ...pin, alarmEmail: 'lok-drift@rf.se', alarmTopicArn: TOPIC } })[0],
    ).toMatchObject({ alarmEmail: 'lok-drift@rf.se', alarmTopicArn: TOPIC });
    expect(() => stagesFrom({ prod: { kind: 'production', ...pin, alarmEmail: 'lok-drift' } })).toThrow(
      'stage prod: alarmEmail must be an e-mail address (cdk.json → context.stages.prod.alarmEmail), got "lok-drift"',
    );
    expect(() => stagesFrom({ prod: { kind: 'production', ...pin, alarmTopicArn: 'rf-on-call' } })).toThrow(
      /stage prod: alarmTopicArn must be an SNS topic's ARN/,
    );
    expect(() =>
      stagesFrom({
        prod: { kind: 'production', ...pin, alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:rf-on-call' },
      }),
    ).toThrow(
      "stage prod: alarmTopicArn must be in the stage's region eu-north-1 (an alarm can only notify a topic of its own region), got eu-west-1",
    );
  });

  it("refuses an address that reaches no one once the account is RF's; warns while both are placeholders", () => {
    expect(
      ['ops@example.org', 'ops@example.com', 'ops@lok.example', 'ops@x.invalid', 'ops@mail.test'].every(
        isPlaceholderEmail,
      ),
    ).toBe(true);
    expect(['lok-drift@rf.se', 'ops@example.org.se', 'ops@test.rf.se'].some(isPlaceholderEmail)).toBe(false);
    expect(() => stagesFrom({ prod: { kind: 'production', ...pin, alarmEmail: 'lok-alarms@example.org' } })).toThrow(
      'stage prod (production): alarmEmail lok-alarms@example.org reaches no one (a placeholder domain) and no alarmTopicArn is set',
    );
    // cdk.json's placeholders: a placeholder account with a placeholder address synthesizes, with a warning for each.
    const shipped = stackOf(
      {
        prod: {
          kind: 'production',
          account: '222222222222',
          region: 'eu-north-1',
          alarmEmail: 'lok-alarms@example.org',
        },
      },
      'prod',
    );
    Annotations.fromStack(shipped).hasWarning(
      '*',
      Match.stringLikeRegexp(
        "stage prod: alarmEmail lok-alarms@example.org is a placeholder: production's alarms would reach no one",
      ),
    );
    Annotations.fromStack(
      stackOf({ prod: { kind: 'production', ...pin, alarmEmail: 'lok-drift@rf.se' } }, 'prod'),
    ).hasNoWarning('*', Match.stringLikeRegexp('alarmEmail'));
  });

  it("sends every alarm, firing and clearing, to the topic and to RF's own topic where one is set", () => {
    const template = Template.fromStack(
      stackOf({ prod: { kind: 'production', ...pin, alarmTopicArn: TOPIC } }, 'prod'),
    );
    const alarms = alarmsOf(template);
    expect(alarms.length).toBeGreaterThanOrEqual(20);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions, alarm.id).toEqual([{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }, TOPIC]);
      expect(alarm.OKActions, alarm.id).toEqual(alarm.AlarmActions);
    }
    // No e-mail set: no subscription; the on-call topic's own subscriptions are RF's.
    expect(template.findResources('AWS::SNS::Subscription')).toEqual({});
  });
});

describe('what is alarmed', () => {
  let stacks: Record<'test' | 'prod', ImporterStack>;
  let prod: ReturnType<typeof alarmsOf>;
  let test: ReturnType<typeof alarmsOf>;
  beforeAll(() => {
    ({ stacks } = synthApp());
    prod = alarmsOf(Template.fromStack(stacks.prod));
    test = alarmsOf(Template.fromStack(stacks.test));
  });
  const named = (alarms: ReturnType<typeof alarmsOf>, id: RegExp) => alarms.find((a) => id.test(a.id))!;

  it("Lambda errors of every function, less the apply steps' waits for their turn (UploadBlocked, by design)", () => {
    const errors = named(prod, /^ObservabilityFunctionErrors/);
    const metrics = errors.Metrics!;
    expect(metrics.find((m) => m.Expression)!.Expression).toBe(
      'FILL(errors, 0) - FILL(blocked0, 0) - FILL(blocked1, 0)',
    );
    // The account's errors (no function dimension: a metric math alarm takes at most 10 metrics, the Importer has more functions).
    expect(metrics.find((m) => m.Id === 'errors')!.MetricStat).toEqual({
      Metric: { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
      Period: 300,
      Stat: 'Sum',
    });
    const blocked = metrics
      .filter((m) => m.Id.startsWith('blocked'))
      .map((m) => JSON.stringify(m.MetricStat!.Metric.Dimensions));
    expect(blocked).toEqual([
      expect.stringMatching(/"Ref":"ImportApplyStep[0-9A-F]+"/),
      expect.stringMatching(/"Ref":"ImportApplyReadStep[0-9A-F]+"/),
    ]);
    expect(metrics.length).toBeLessThanOrEqual(11);
    expect([errors.Threshold, named(test, /^ObservabilityFunctionErrors/).Threshold]).toEqual([3, 10]);
  });

  it("Lambda throttles and the register's throttles (table and index), each when steady: 3 of 3 five-minute periods", () => {
    const throttles = named(prod, /^ObservabilityFunctionThrottles/);
    expect(throttles).toMatchObject({
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    expect(throttles.Dimensions).toBeUndefined();
    const register = named(prod, /^ObservabilityRegisterThrottles/);
    expect(register).toMatchObject({ Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
    const stats = register
      .Metrics!.filter((m) => m.MetricStat)
      .map(
        (m) =>
          `${m.MetricStat!.Metric.MetricName} ${m
            .MetricStat!.Metric.Dimensions!.map((d) => d.Name)
            .sort()
            .join(',')}`,
      );
    expect(stats.sort()).toEqual([
      'ReadThrottleEvents GlobalSecondaryIndexName,TableName',
      'ReadThrottleEvents TableName',
      'WriteThrottleEvents GlobalSecondaryIndexName,TableName',
      'WriteThrottleEvents TableName',
    ]);
  });

  it("memory near the limit of the functions that hold a file's worth: Max Memory Used from the REPORT line of their own log", () => {
    const template = Template.fromStack(stacks.prod);
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map(
      (f) =>
        f.Properties as {
          FilterPattern: string;
          LogGroupName: { Ref: string };
          MetricTransformations: { MetricName: string; MetricNamespace: string; MetricValue: string }[];
        },
    );
    const watched = stacks.prod.node
      .findAll()
      .filter(
        (c): c is ImporterStack['imports']['functions'][number] =>
          'handlerFile' in c && MEMORY_WATCHED.includes((c as { handlerFile: string }).handlerFile),
      );
    expect(watched.map((f) => f.handlerFile).sort()).toEqual([...MEMORY_WATCHED].sort());
    for (const fn of watched) {
      const logs = stacks.prod.getLogicalId(fn.logGroup.node.defaultChild as never);
      const filter = filters.find((f) => f.LogGroupName.Ref === logs)!;
      expect(filter.MetricTransformations).toEqual([
        { MetricName: `${fn.node.id}MaxMemoryUsedMB`, MetricNamespace: 'LokImporter', MetricValue: '$maxMemoryUsed' },
      ]);
      // The pattern picks the number after "Max Memory Used:" out of a real REPORT line (words split on white space, as CloudWatch does).
      const report =
        'REPORT RequestId: 3f5c1a0e-9d5e-4c3e-b5a8-1c2d3e4f5a6b\tDuration: 812.45 ms\tBilled Duration: 813 ms\tMemory Size: 2048 MB\tMax Memory Used: 1201 MB\tInit Duration: 402.12 ms\t';
      expect(matchSpaceDelimited(filter.FilterPattern, report)).toMatchObject({
        type: 'REPORT',
        memorySize: '2048',
        maxMemoryUsed: '1201',
      });
      expect(
        matchSpaceDelimited(filter.FilterPattern, '{"level":"INFO","message":"REPORT of the night"}'),
      ).toBeUndefined();
      const alarm = named(prod, new RegExp(`^Observability${fn.node.id}MemoryNearLimit`));
      expect(alarm).toMatchObject({
        MetricName: `${fn.node.id}MaxMemoryUsedMB`,
        Namespace: 'LokImporter',
        Statistic: 'Maximum',
        Threshold: Math.floor(fn.memoryMb * MEMORY_ALARM_RATIO),
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('the nightly job not having run: no successful night in a day, and no data at all, is an alarm (it clears with the next good night)', () => {
    expect(named(prod, /^ObservabilityReconciliationMissing/)).toMatchObject({
      MetricName: 'ExecutionsSucceeded',
      Namespace: 'AWS/States',
      Period: 86_400,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      OKActions: [{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }],
    });
  });

  it('every alarm names its meaning, and docs/operations.md says what to do about each', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { ROOT } = await import('./support/run-cli.js');
    const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    for (const alarm of prod) {
      expect(alarm.AlarmDescription.length, alarm.id).toBeGreaterThan(40);
      // One row for the memory alarms of every watched function (`<Function>MemoryNearLimit`).
      const name = alarm.id
        .replace(/^Observability/, '')
        .replace(/[0-9A-F]{8}$/, '')
        .replace(/^\w+MemoryNearLimit$/, 'MemoryNearLimit');
      expect(operations, name).toContain(`| ${name} `);
    }
  });
});

/** CloudWatch Logs' space-delimited pattern (`[a, b = "x", …, ...]`) on one line: its fields by name, or undefined. */
function matchSpaceDelimited(pattern: string, line: string): Record<string, string> | undefined {
  const fields = pattern
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((f) => f.trim());
  const words = line.trim().split(/\s+/);
  const named: Record<string, string> = {};
  for (const [i, field] of fields.entries()) {
    if (field === '...') return named;
    const word = words[i];
    if (word === undefined) return undefined;
    const [name, value] = field.split(/\s*=\s*/) as [string, string | undefined];
    if (value !== undefined && JSON.parse(value) !== word) return undefined;
    named[name] = word;
  }
  return words.length === fields.length ? named : undefined;
}
