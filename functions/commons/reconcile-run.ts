/** What every state of a reconciliation run receives: the run's id (the execution's name) names its reports. */
export interface ReconcileRun {
  readonly runId: string;
}

export function reportPrefix(runId: string): string {
  return `reports/reconciliation/${runId}`;
}

/** Only ids and digits reach a key: an execution name is letters, digits, `-` and `_` already. */
export function safeRunId(runId: string): string {
  return runId.replace(/[^A-Za-z0-9_-]/g, '_');
}
