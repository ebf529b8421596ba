import type { AdminResult } from '../core/admin/admin-use-cases.js';
import { parseDate } from '../core/calendar/dates.js';
import { UsageError } from './usage-error.js';

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Data as indented JSON, as --json prints it. */
function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Data as indented JSON on standard output. */
export function printJson(value: unknown): void {
  process.stdout.write(jsonText(value));
}

/** A required string flag. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** An optional date flag, checked to be a real date. */
export function dateFlag(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && parseDate(value) === undefined)
    throw new UsageError(`--${name} must be a real date YYYY-MM-DD, got ${value}`);
  return value;
}

/** An optional flag that must be one of `allowed`. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value !== undefined && !allowed.includes(value as T))
    throw new UsageError(`--${name} must be ${allowed.join(' | ')}, got ${value}`);
  return value as T | undefined;
}

/**
 * A LOK period as lok-rules.md names it, `YYYY-1` (spring) / `YYYY-2` (autumn), also written as the half-year
 * `YYYY-H1` / `YYYY-H2` (read as the same period); or `undated`, where activities without a date are kept.
 */
export function periodFlag(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === 'undated') return value;
  const period = /^(\d{4})-[Hh]?([12])$/.exec(value);
  if (!period)
    throw new UsageError(
      `--${name} must be a LOK period such as 2026-2 (autumn, also 2026-H2) or 2026-1 (spring, also 2026-H1), got ${value}`,
    );
  return `${period[1]}-${period[2]}`;
}

/** An error value on standard error as `CODE: message`, as every command says a refusal; exit code 1. */
export function refused(error: { readonly code: string; readonly message: string }): 1 {
  process.stderr.write(`${error.code}: ${error.message}\n`);
  return 1;
}

/** A use-case's answer in words (exit 0), or its refusal (CODE: message, exit 1). */
export function reported<T>(result: AdminResult<T>, words: (value: T) => string): number {
  if (!result.ok) return refused(result.error);
  process.stdout.write(words(result.value));
  return 0;
}

/** A use-case's answer as JSON with --json, else in words (exit 0); or its refusal (CODE: message, exit 1). */
export function printed<T>(result: AdminResult<T>, json: boolean | undefined, words: (value: T) => string): number {
  return reported(result, json ? jsonText : words);
}

export function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command} takes no argument ${positionals[0]}`);
}

export function onePositional(command: string, what: string, positionals: readonly string[]): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one ${what}`);
  return positionals[0]!;
}
