import { messageFor, type Detail, type FileCode, type RecordCode } from './codes.js';

/** An error of one record: it reaches the receipt as it is. */
export interface RecordError {
  readonly code: RecordCode;
  readonly line: number;
  readonly club?: string;
  readonly record?: string;
  readonly message: string;
}

/** An error that rejects the whole file. */
export interface FileError {
  readonly code: FileCode;
  readonly line: number;
  readonly message: string;
}

/** The receipt's order of errors: by line, then by code (the same whatever order they were found in). */
export function byLine(
  a: { readonly line: number; readonly code: string },
  b: { readonly line: number; readonly code: string },
): number {
  return a.line - b.line || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** Thrown inside the reader to end a file with one file-level error; turned into a `rejected` event. */
export class FileRejection extends Error {
  constructor(readonly fileError: FileError) {
    super(fileError.message);
  }
}

export function recordError(
  code: RecordCode,
  line: number,
  where: { club?: string; record?: string },
  detail?: Detail,
): RecordError {
  return {
    code,
    line,
    ...(where.club !== undefined ? { club: where.club } : {}),
    ...(where.record !== undefined ? { record: where.record } : {}),
    message: messageFor(code, detail),
  };
}

export function fileError(code: FileCode, line: number, detail?: Detail): FileError {
  return { code, line, message: messageFor(code, detail) };
}
