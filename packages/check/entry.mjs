// The entry of the standalone check (scripts/build-check.mjs bundles it): `lok-check FILE [--json] [--today D]`
// is the CLI's own `check` command run as a program of its own, so it prints the same receipt and exit codes
// (0 applied or partially applied, 1 rejected, 2 usage error, 3 internal error), and its own name in its usage
// lines, help and messages.
import { check } from '../../shared/cli/check-command.js';
import { runSingleCommand } from '../../shared/cli/program.js';

process.exitCode = await runSingleCommand('lok-check', check, process.argv.slice(2));
