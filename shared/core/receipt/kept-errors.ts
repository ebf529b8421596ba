import type { ErrorCode } from '../errors/codes.js';
import { byLine, type FileError, type RecordError } from '../errors/record-error.js';

/**
 * Errors a receipt lists at most: the first ones by line. The reader stops a file at 100 000 record errors
 * (TOO_MANY_ERRORS), but errors found after reading (unknown or duplicate refs) have no such bound: a 31 MB file of
 * a million unknown refs would make a receipt of 290 MB. Past this many, the receipt counts the rest per code.
 */
export const RECEIPT_MAX_ERRORS = 10_000;

type Listed = RecordError | FileError;

/** The errors a receipt leaves out (`errorsTotal`, `errorsLeftOut` in the receipt): how many were found, and per code those not listed. */
export interface ErrorsLeftOut {
  readonly errorsTotal: number;
  readonly errorsLeftOut: Readonly<Partial<Record<ErrorCode, number>>>;
}

/** Errors kept and errors left out: what a receipt, and a staged step that leads to one, carries. */
export interface ErrorSummary<E extends Listed = Listed> extends Partial<ErrorsLeftOut> {
  readonly errors: readonly E[];
}

/**
 * Collects errors in bounded memory: keeps the `max` first by line (`byLine`, the receipt's order) and counts every
 * one per code. Whatever order errors come in, the same ones are kept; summaries kept the same way (a club's part
 * of a file) merge into the same result as collecting their errors in one.
 */
export class KeptErrors<E extends Listed = Listed> {
  private kept: E[] = [];
  private found = 0;
  private readonly perCode = new Map<ErrorCode, number>();
  /** Left out before they reached this collector (by merged summaries). */
  private readonly leftBefore = new Map<ErrorCode, number>();

  constructor(private readonly max: number = RECEIPT_MAX_ERRORS) {}

  push(error: E): void {
    this.found++;
    this.perCode.set(error.code, (this.perCode.get(error.code) ?? 0) + 1);
    this.kept.push(error);
    if (this.kept.length >= 2 * this.max) this.trim();
  }

  /** Adds another summary's errors and what it left out. */
  merge(summary: ErrorSummary<E>): void {
    for (const error of summary.errors) this.push(error);
    for (const [code, n] of Object.entries(summary.errorsLeftOut ?? {}) as [ErrorCode, number][]) {
      this.leftBefore.set(code, (this.leftBefore.get(code) ?? 0) + n);
    }
  }

  /** Errors found, those left out included. */
  get total(): number {
    let before = 0;
    for (const n of this.leftBefore.values()) before += n;
    return this.found + before;
  }

  /** The kept errors in the receipt's order, and, when some were left out, how many were found and which. */
  summary(): ErrorSummary<E> {
    this.trim();
    if (this.total === this.kept.length) return { errors: this.kept };
    const leftOut = new Map(this.leftBefore);
    for (const [code, n] of this.perCode) leftOut.set(code, (leftOut.get(code) ?? 0) + n);
    for (const error of this.kept) leftOut.set(error.code, leftOut.get(error.code)! - 1);
    const byCode = Object.fromEntries([...leftOut].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
    return { errors: this.kept, errorsTotal: this.total, errorsLeftOut: byCode };
  }

  private trim(): void {
    this.kept.sort(byLine);
    if (this.kept.length > this.max) this.kept.length = this.max;
  }
}

/** The errors of a receipt, counted: the listed ones and those left out. */
export function errorCount(summary: ErrorSummary): number {
  return summary.errorsTotal ?? summary.errors.length;
}
