import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** `human`: the summary and a line per finished upload on stdout, events in the log file only. `json`: events on stdout. */
export const LOG_FORMATS = ['human', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LocalLog {
  /** A structured event (ids, step names and codes only): always to the log file, and as the format says. */
  readonly log: (event: Record<string, unknown>) => void;
  /** A line for the person at the terminal: stdout in `human`, stderr in `json` (stdout is the events' there). */
  readonly say: (line: string) => void;
  close(): void;
}

export interface LocalLogOptions {
  readonly format: LogFormat;
  /** Every event as a JSON line, this run's only (truncated at the first event, which comes after `--fresh`). */
  readonly file: string;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

/** The human line of an event worth a line at the terminal; undefined for the rest (steps, SFTP sessions). */
export function humanLine(event: Record<string, unknown>): string | undefined {
  const who = `${String(event.vendor ?? '')}/${String(event.file ?? event.uploadId ?? '')}`;
  switch (event.event) {
    case 'upload-done':
      return event.kind === 'blocked'
        ? `  ${who}: waiting for ${String(event.waitingFor)}`
        : `  ${who}: ${String(event.status)}; activities approved ${String(event.approved)}, rejected ${String(event.rejected)}; errors ${String(event.errors)} (${Number(event.seconds).toFixed(1)} s)`;
    case 'upload-error':
      return `  ${who}: error ${String(event.error)}${event.code ? ` (${String(event.code)})` : ''}; the nightly reconciliation resumes it`;
    case 'resumed-uploads':
      return `resumed ${String((event.resumed as unknown[] | undefined)?.length ?? 0)} upload(s) an earlier run left unfinished`;
    case 'sftp.server-error':
      return `SFTP endpoint error: ${String(event.reason)}`;
    default:
      return undefined;
  }
}

/**
 * `npm start`'s output: a short summary for people, the full log as JSON lines in a file (and on stdout with
 * `--log-format json`). Events carry ids, step names and codes only, never personal data.
 */
export function localLog(options: LocalLogOptions): LocalLog {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let fd: number | undefined;
  let closed = false;
  const toFile = (line: string): void => {
    if (closed) return;
    if (fd === undefined) {
      mkdirSync(dirname(options.file), { recursive: true });
      fd = openSync(options.file, 'w', 0o600);
    }
    writeSync(fd, line);
  };
  return {
    log: (event) => {
      const line = `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`;
      toFile(line);
      if (options.format === 'json') stdout.write(line);
      else {
        const human = humanLine(event);
        if (human !== undefined) stdout.write(`${human}\n`);
      }
    },
    say: (line) => (options.format === 'json' ? stderr : stdout).write(`${line}\n`),
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      closed = true;
    },
  };
}
