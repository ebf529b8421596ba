import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { StoreUnavailable } from './store-unavailable.js';
import { UsageError } from './usage-error.js';

/** The option every command takes. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

export function isHelp(word: string | undefined): boolean {
  return word === '--help' || word === '-h' || word === 'help';
}

/** A command's usage lines, as `called` (`lok-importer check`, `lok-check`) names it. */
function usageLines(called: string, command: Command): string {
  return command.usage
    .map((u, i) => `${i === 0 ? 'Usage:' : '      '} ${called}${u.args ? ` ${u.args}` : ''}`)
    .join('\n');
}

/** A command's `--help`: its usage lines, then what it says of itself. */
export function commandHelp(called: string, command: Command): string {
  return `${usageLines(called, command)}\n\n${command.help}`;
}

/**
 * A usage error in short: the one error line, the command's own usage (its help up to the first blank line) and
 * where the rest is, instead of the whole help text.
 */
export function usageErrorText(called: string, message: string, help: string): string {
  const usage = help.split(/\n\s*\n/, 1)[0]!.trimEnd();
  return `${called}: ${message}\n${usage}\nSee \`${called} --help\`.\n`;
}

/** The reader went away (`lok-importer … | head`): what it read was all it wanted, so not an error. */
function isBrokenPipe(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'EPIPE';
}

/** Standard output's reader gone is exit 0 (installed once by the program that runs). */
export function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on('error', (error) => {
    if (isBrokenPipe(error)) process.exit(0);
    throw error;
  });
}

/**
 * Runs a command as `called` names it (`lok-importer vendor add`; `lok-check`, whose `name` is the program's):
 * its options parsed, `--help` answered, and what it throws turned into exit codes: 2 for a usage error, an
 * unusable register or an unreadable file, 3 for anything else (our fault, never "rejected").
 */
export async function runCommand(command: Command, called: string, name: string, args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, ...HELP_OPTION },
    });
    if (values.help) {
      process.stdout.write(commandHelp(called, command));
      return 0;
    }
    return await command.run({ values, positionals, name });
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (isBrokenPipe(error)) return 0;
    // The register cannot be reached or used as configured: the caller's to fix, as a usage error.
    if (error instanceof StoreUnavailable) {
      process.stderr.write(`${called}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(usageErrorText(called, (error as Error).message, usageLines(called, command)));
      return 2;
    }
    // A file that cannot be read is the caller's to fix, like a missing one: a usage error, not "rejected".
    if (['ENOENT', 'EACCES', 'EISDIR', 'EPERM'].includes(code)) {
      process.stderr.write(`${called}: ${(error as Error).message}\n`);
      return 2;
    }
    // Anything else is our fault. Exit 1 would tell a vendor's CI that the file was rejected, so: 3.
    process.stderr.write(`${called}: internal error, please report it: ${(error as Error).stack ?? String(error)}\n`);
    return 3;
  }
}

/** A program that is one command (`lok-check`): its name in every usage line, help text and message. */
export async function runSingleCommand(program: string, command: Command, args: string[]): Promise<number> {
  exitQuietlyOnBrokenPipe();
  return runCommand(command, program, program, args);
}
