/**
 * The stages one app deploys (`cdk.json` → context `stages`). Each is its own stack with its own bucket,
 * tables, keys, identity secret and SFTP server: nothing personal flows from production to test. RF gives
 * vendors the test stage first; production holds real personal data (a signed agreement comes first).
 */
export interface StageConfig {
  readonly name: string;
  /** Account and region to deploy to; unset, the stack is environment-agnostic (synth needs no credentials). */
  readonly account?: string;
  readonly region?: string;
  /** Where alarms are e-mailed (an SNS subscription); none, the topic only. */
  readonly alarmEmail?: string;
  /** Production: deletion protection, resources retained on stack deletion, longer log retention, stricter alarms. */
  readonly production: boolean;
  /** Days Lambda and state machine logs are kept. */
  readonly logRetentionDays: number;
  /** Failed import executions in 5 minutes that raise the alarm. */
  readonly failedImportsAlarmThreshold: number;
  /** Nightly reconciliation, local time Europe/Stockholm. */
  readonly reconciliationHour: number;
}

const DEFAULTS = {
  test: { production: false, logRetentionDays: 30, failedImportsAlarmThreshold: 5, reconciliationHour: 3 },
  prod: { production: true, logRetentionDays: 365, failedImportsAlarmThreshold: 1, reconciliationHour: 2 },
} as const;

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/** The stages from the app's context, defaults filled in; refuses what would deploy something unintended. */
export function stagesFrom(context: unknown): StageConfig[] {
  const stages = (context ?? { test: {}, prod: {} }) as Record<string, Partial<StageConfig>>;
  return Object.entries(stages).map(([name, given]) => {
    if (!STAGE_NAME.test(name)) throw new Error(`stage name "${name}": lowercase letters, digits and '-', starting with a letter`);
    const defaults = name === 'prod' ? DEFAULTS.prod : DEFAULTS.test;
    const stage: StageConfig = { ...defaults, ...given, name };
    if (!Number.isInteger(stage.reconciliationHour) || stage.reconciliationHour < 0 || stage.reconciliationHour > 23) {
      throw new Error(`stage ${name}: reconciliationHour must be 0..23`);
    }
    return stage;
  });
}
