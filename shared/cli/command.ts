import type { parseArgs, ParseArgsOptionsConfig } from 'node:util';

/** One form of a command: its arguments after the command's name, and what it does (the overview's line). */
export interface Usage {
  readonly args: string;
  readonly summary: string;
}

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** What a command runs on: its flags and arguments as parsed from its options, and the name to say in messages. */
export interface CommandInput<O extends ParseArgsOptionsConfig = ParseArgsOptionsConfig> {
  readonly values: Parsed<O>['values'];
  readonly positionals: string[];
  /** The command as its user called it: `vendor add` in lok-importer, the program's name when it is one (lok-check). */
  readonly name: string;
}

/**
 * A CLI command, declared once by its module: the program (shared/cli/program.ts) parses its options (and
 * `--help`/`-h`, which prints the usage lines and `help`), runs it, and turns what it throws into exit codes.
 */
export interface Command<O extends ParseArgsOptionsConfig = ParseArgsOptionsConfig> {
  /** `check`, `club add`: a second word makes it a sub-command of the first (`lok-importer club` lists them). */
  readonly name: string;
  /** Its forms, each a usage line of its help and a line of the program's overview. */
  readonly usage: readonly Usage[];
  /** The help after the usage lines: what it does, its options, its exit codes. */
  readonly help: string;
  /** Its options, as parseArgs takes them (strict; `--help` is added). */
  readonly options: O;
  run(input: CommandInput<O>): Promise<number>;
}

/** A command with its options' types checked against `run`, as the program's list holds it. */
export function command<const O extends ParseArgsOptionsConfig>(declared: Command<O>): Command {
  return declared as unknown as Command;
}
