import { checkCommand, CHECK_HELP } from './check-command.js';
import { demoCommand, DEMO_HELP } from './demo-command.js';
import { generateCommand, GENERATE_HELP } from './generate-command.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: lok-importer <command> [options]

Commands:
  check FILE [--json] [--today YYYY-MM-DD]   judge a file as the importer would, store nothing
  generate --clubs N --persons N --activities N [--bad-share 0.02] [--seed S] --out F
                                             write a realistic, deterministic Importer XML file
  demo [FOLDER]                               check every file in FOLDER (default samples/) and print its verdicts

Run \`lok-importer <command> --help\` for a command's options.
Exit codes: 0 applied or partially applied, 1 rejected, 2 usage error, 3 internal error.
`;

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string }> = {
  check: { run: checkCommand, help: CHECK_HELP },
  generate: { run: generateCommand, help: GENERATE_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
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
    const code = (error as { code?: string }).code ?? '';
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lok-importer ${name}: ${(error as Error).message}\n\n${command.help}`);
      return 2;
    }
    // A file that cannot be read is the caller's to fix, like a missing one: a usage error, not "rejected".
    if (['ENOENT', 'EACCES', 'EISDIR', 'EPERM'].includes(code)) {
      process.stderr.write(`lok-importer ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    // Anything else is our fault. Exit 1 would tell a vendor's CI that the file was rejected, so: 3.
    process.stderr.write(`lok-importer ${name}: internal error, please report it: ${(error as Error).stack ?? String(error)}\n`);
    return 3;
  }
}

process.exitCode = await main(process.argv.slice(2));
