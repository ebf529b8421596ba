import { checkCommand, CHECK_HELP } from './check-command.js';
import { demoCommand } from './demo-command.js';
import { generateCommand, GENERATE_HELP } from './generate-command.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: lok-importer <command> [options]

Commands:
  check FILE [--json] [--today YYYY-MM-DD]   judge a file as the importer would, store nothing
  generate --clubs N --persons N --activities N [--bad-share 0.02] [--seed S] --out F
                                             write a realistic, deterministic Importer XML file
  demo                                       check every file in samples/ and print its verdicts

Run \`lok-importer <command> --help\` for a command's options.
`;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string }> = {
  check: { run: checkCommand, help: CHECK_HELP },
  generate: { run: generateCommand, help: GENERATE_HELP },
  demo: { run: demoCommand, help: HELP },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`lok-importer: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!usage) throw error;
    process.stderr.write(`lok-importer ${name}: ${(error as Error).message}\n\n${command.help}`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
