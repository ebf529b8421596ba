// The entry of the standalone check (scripts/build-check.mjs bundles it): `lok-check FILE [--json] [--today D]`
// is `lok-importer check FILE …` run by the CLI's own main, so it prints the same receipt, messages and exit
// codes (0 applied or partially applied, 1 rejected, 2 usage error, 3 internal error).
process.argv.splice(2, 0, 'check');
await import('../../shared/cli/main.js');
