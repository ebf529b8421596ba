import { checkCommand, CHECK_HELP } from './check-command.js';
import { demoCommand, DEMO_HELP } from './demo-command.js';
import { generateCommand, GENERATE_HELP } from './generate-command.js';
import { StoreUnavailable } from './store-unavailable.js';
import { UsageError } from './usage-error.js';

const HELP = `Usage: lok-importer <command> [options]

Commands:
  check FILE [--json] [--today YYYY-MM-DD]   judge a file as the importer would, store nothing
  generate --clubs N --persons N --activities N [--bad-share 0.02] [--seed S] --out F
                                             write a realistic, deterministic Importer XML file
  demo [FOLDER]                               check every file in FOLDER (default samples/) and print its verdicts

Local mode (the whole Importer on this machine, no AWS account; what \`npm start\` runs):
  start [--fresh] [--data DIR] [--sftp-port N] [--log-format human|json]   SFTP (port 2222), DynamoDB Local, pipeline runner

Pipeline commands, on a register in DynamoDB: LOK_DYNAMODB_ENDPOINT's; else AWS's when LOK_REGISTER_TABLE, --table
or AWS credentials, profile or region are set; else the running local mode. Each says which (see any --help):
  import FILE --vendor V [--json] [--today D]  import a file into the register and print its receipt
  vendor add ID --name N --purpose P [--licence up-to-100-clubs|unlimited] [--key FILE]   add a vendor (and its SFTP key)
  vendor key rotate ID --key FILE [--keep-old]   a vendor's new SFTP key
  vendor disable ID                           shut a vendor out of the SFTP endpoint (its keys removed)
  club add ID --name N --sport S [--sport S2 ...] --federation F [--identity-key K] [--parasport]   add a club
  club activate CLUB --vendor V [--from D]    the club activates a vendor
  club deactivate CLUB --vendor V [--to D]    the club deactivates a vendor
  activities --club C --period P [--verdict V] [--vendor V] [--code CODE] [--json]   a club's activities and verdicts
  activity --club C --id A [--vendor V] [--json]   one activity with every reason per leader and participant
  totals --club C [--period P] [--json]       a club's period totals
  imports (--vendor V | --club C) [--limit N] [--json]   latest imports with status and counts
  status --vendor V [--upload U] [--limit N] [--json] [--cloud]   why a vendor's file is stuck: ledger, inbox, what it waits for, its execution
  application --club C --period P [--json]   a club's application: what it holds, main and supplementary
  application submit --club C --period P --by WHO [--supplementary]   send it (once; closes the period for the club)
  application export --club C --period P --format csv|json [--out F]   one row per activity of the application
  persons-not-in-load --vendor V --club C [--json]   persons of the club a vendor's full load did not contain
  person erase (--personnummer PNR | --person-id ID) [--json]   a person's erasure on request (GDPR art. 17)
  reconcile [--stuck-after-minutes N] [--today D] [--club C] [--json]   the nightly job: resume or fail stuck uploads, repair totals, close periods, report
  dynamodb-local [--port 8000] [--data DIR]   run DynamoDB Local on this machine for the commands above

The admin commands (vendor, club) and status take --cloud to run in the AWS deployment (LOK_ADMIN_FUNCTION; docs/operations.md).
Run \`lok-importer <command> --help\` for a command's options.
Exit codes: 0 applied or partially applied (import: or duplicate), 1 rejected (import: or failed or blocked;
admin commands and queries: refused, CODE: message on standard error), 2 usage error or no register to use,
3 internal error.
`;

interface Command {
  readonly run: (args: string[]) => Promise<number>;
  readonly help: string;
}

/**
 * A command, loaded when it runs: the pipeline commands load the AWS SDK (about 0.3 s), which `check` in a
 * vendor's CI should not pay for.
 */
type Load = () => Promise<Command>;

const now = (command: Command): Load => () => Promise.resolve(command);
const admin = () => import('./admin-commands.js');
const queries = () => import('./query-commands.js');

const COMMANDS: Record<string, Load> = {
  check: now({ run: checkCommand, help: CHECK_HELP }),
  generate: now({ run: generateCommand, help: GENERATE_HELP }),
  demo: now({ run: demoCommand, help: DEMO_HELP }),
  start: async () => import('./start-command.js').then((m) => ({ run: m.startCommand, help: m.START_HELP })),
  import: async () => import('./import-command.js').then((m) => ({ run: m.importCommand, help: m.IMPORT_HELP })),
  activities: async () => queries().then((m) => ({ run: m.activitiesCommand, help: m.ACTIVITIES_HELP })),
  activity: async () => import('./activity-command.js').then((m) => ({ run: m.activityCommand, help: m.ACTIVITY_HELP })),
  totals: async () => queries().then((m) => ({ run: m.totalsCommand, help: m.TOTALS_HELP })),
  imports: async () => queries().then((m) => ({ run: m.importsCommand, help: m.IMPORTS_HELP })),
  status: async () => import('./status-command.js').then((m) => ({ run: m.statusCommand, help: m.STATUS_HELP })),
  reconcile: async () => import('./reconcile-command.js').then((m) => ({ run: m.reconcileCommand, help: m.RECONCILE_HELP })),
  application: async () => import('./application-command.js').then((m) => ({ run: m.applicationCommand, help: m.APPLICATION_HELP })),
  'persons-not-in-load': async () => queries().then((m) => ({ run: m.personsNotInLoadCommand, help: m.PERSONS_NOT_IN_LOAD_HELP })),
  person: async () => import('./person-command.js').then((m) => ({ run: m.personCommand, help: m.PERSON_HELP })),
  'dynamodb-local': async () => import('./dynamodb-local-command.js').then((m) => ({ run: m.dynamoDbLocalCommand, help: m.DYNAMODB_LOCAL_HELP })),
};

const CLUB_HELP = `Usage: lok-importer club <add|activate|deactivate> ...

  club add ID --name N --sport S [--sport S2 ...] --federation F [--identity-key K] [--parasport]
  club activate CLUB --vendor V [--from YYYY-MM-DD]
  club deactivate CLUB --vendor V [--to YYYY-MM-DD]

Run \`lok-importer club <sub-command> --help\` for its options.
`;

const VENDOR_HELP = `Usage: lok-importer vendor add ID --name N --purpose P [--licence up-to-100-clubs|unlimited] [--key FILE]
       lok-importer vendor key rotate ID --key FILE [--keep-old]
       lok-importer vendor disable ID [--cloud]

Run \`lok-importer vendor add --help\` for its options.
`;

/** Commands with sub-commands: dispatched on the second word (`club add`, `club activate`, …). */
const GROUPS: Record<string, { readonly help: string; readonly commands: Record<string, Load> }> = {
  vendor: { help: VENDOR_HELP, commands: {
    add: async () => admin().then((m) => ({ run: m.vendorAddCommand, help: m.VENDOR_ADD_HELP })),
    key: async () => import('./vendor-key-command.js').then((m) => ({ run: m.vendorKeyCommand, help: m.VENDOR_KEY_HELP })),
    disable: async () => import('./vendor-disable-command.js').then((m) => ({ run: m.vendorDisableCommand, help: m.VENDOR_DISABLE_HELP })),
  } },
  club: {
    help: CLUB_HELP,
    commands: {
      add: async () => admin().then((m) => ({ run: m.clubAddCommand, help: m.CLUB_ADD_HELP })),
      activate: async () => admin().then((m) => ({ run: m.clubActivateCommand, help: m.CLUB_ACTIVATE_HELP })),
      deactivate: async () => admin().then((m) => ({ run: m.clubDeactivateCommand, help: m.CLUB_DEACTIVATE_HELP })),
    },
  },
};

function isHelp(word: string | undefined): boolean {
  return word === '--help' || word === '-h' || word === 'help';
}

/**
 * A usage error in short: the one error line, the command's own usage (its help up to the first blank line) and
 * where the rest is, instead of the whole help text.
 */
function usageErrorText(command: string, message: string, help: string): string {
  const usage = help.split(/\n\s*\n/, 1)[0]!.trimEnd();
  return `${command}: ${message}\n${usage}\nSee \`${command} --help\`.\n`;
}

/** The reader went away (`lok-importer … | head`): what it read was all it wanted, so not an error. */
function isBrokenPipe(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'EPIPE';
}

process.stdout.on('error', (error) => {
  if (isBrokenPipe(error)) process.exit(0);
  throw error;
});

async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (name === undefined || isHelp(name)) {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  let load = COMMANDS[name];
  const group = GROUPS[name];
  if (group) {
    const [sub, ...args] = rest;
    if (sub === undefined || isHelp(sub)) {
      if (sub === undefined) process.stderr.write(usageErrorText(`lok-importer ${name}`, 'which sub-command?', group.help));
      else process.stdout.write(group.help);
      return sub === undefined ? 2 : 0;
    }
    load = group.commands[sub];
    if (!load) {
      process.stderr.write(usageErrorText(`lok-importer ${name}`, `unknown sub-command "${sub}"`, group.help));
      return 2;
    }
    name = `${name} ${sub}`;
    rest = args;
  }
  if (!load) {
    process.stderr.write(usageErrorText('lok-importer', `unknown command "${name}"`, HELP));
    return 2;
  }
  const command = await load();
  try {
    return await command.run(rest);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (isBrokenPipe(error)) return 0;
    // The register cannot be reached or used as configured: the caller's to fix, as a usage error.
    if (error instanceof StoreUnavailable) {
      process.stderr.write(`lok-importer ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(usageErrorText(`lok-importer ${name}`, (error as Error).message, command.help));
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
