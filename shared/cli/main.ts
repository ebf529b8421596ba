import { check } from './check-command.js';
import type { Command, Usage } from './command.js';
import { demo } from './demo-command.js';
import { generate } from './generate-command.js';
import { exitQuietlyOnBrokenPipe, isHelp, runCommand, usageErrorText } from './program.js';

const PROGRAM = 'lok-importer';

/**
 * A command module's commands, loaded when one of them runs: the pipeline commands load the AWS SDK (about 0.3 s),
 * which `check` in a vendor's CI should not pay for.
 */
type Load = () => Promise<readonly Command[]>;

const now =
  (...commands: Command[]): Load =>
  () =>
    Promise.resolve(commands);
const admin = () => import('./admin-commands.js').then((m) => m.ADMIN_COMMANDS);
const queries = () => import('./query-commands.js').then((m) => m.QUERY_COMMANDS);
const vendors: Load = async () => [
  ...(await admin()),
  ...(await import('./vendor-login-commands.js')).VENDOR_LOGIN_COMMANDS,
];

/** The overview's sections, each with the modules of its commands by their first word, in the overview's order. */
const SECTIONS: readonly { readonly heading: string; readonly modules: Readonly<Record<string, Load>> }[] = [
  { heading: 'Commands:', modules: { check: now(check), generate: now(generate), demo: now(demo) } },
  {
    heading: 'Local mode (the whole Importer on this machine, no AWS account; what `npm start` runs):',
    modules: { start: () => import('./start-command.js').then((m) => m.START_COMMANDS) },
  },
  {
    heading: `Pipeline commands, on a register in DynamoDB: LOK_DYNAMODB_ENDPOINT's; else AWS's when LOK_REGISTER_TABLE, --table
or AWS credentials, profile or region are set; else the running local mode. Each says which (see any --help):`,
    modules: {
      import: () => import('./import-command.js').then((m) => m.IMPORT_COMMANDS),
      vendor: vendors,
      club: admin,
      activities: queries,
      activity: () => import('./activity-command.js').then((m) => m.ACTIVITY_COMMANDS),
      totals: queries,
      imports: queries,
      status: () => import('./status-command.js').then((m) => m.STATUS_COMMANDS),
      application: () => import('./application-command.js').then((m) => m.APPLICATION_COMMANDS),
      'persons-not-in-load': queries,
      person: () => import('./person-command.js').then((m) => m.PERSON_COMMANDS),
      reconcile: () => import('./reconcile-command.js').then((m) => m.RECONCILE_COMMANDS),
      'dynamodb-local': () => import('./dynamodb-local-command.js').then((m) => m.DYNAMODB_LOCAL_COMMANDS),
    },
  },
];

const MODULES: Readonly<Record<string, Load>> = Object.assign({}, ...SECTIONS.map((s) => s.modules));

const USAGE = `Usage: ${PROGRAM} <command> [options]`;

const FOOTER = `
The admin commands (vendor, club) and status take --cloud to run in the AWS deployment (LOK_ADMIN_FUNCTION; docs/operations.md).
Run \`${PROGRAM} <command> --help\` for a command's options.
Exit codes: 0 applied or partially applied (import: or duplicate), 1 rejected (import: or failed or blocked;
admin commands and queries: refused, CODE: message on standard error), 2 usage error or no register to use,
3 internal error.
`;

/** The commands whose name starts with `word` (`club` → club add, club activate, …). */
async function commandsOf(word: string): Promise<readonly Command[]> {
  const load = Object.hasOwn(MODULES, word) ? MODULES[word] : undefined;
  return load ? (await load()).filter((c) => c.name.split(' ')[0] === word) : [];
}

/** A command's form in a list: its usage, and what it does beside it (below it, when the usage is long). */
function listLine(name: string, usage: Usage): string {
  const left = `  ${name}${usage.args ? ` ${usage.args}` : ''}`;
  return left.length <= 44 ? `${left.padEnd(46)} ${usage.summary}` : `${left}\n${' '.repeat(47)}${usage.summary}`;
}

function listed(commands: readonly Command[]): string[] {
  return commands.flatMap((c) => c.usage.map((u) => listLine(c.name, u)));
}

/** `lok-importer --help`: every command's forms, by section (every module loaded, which only help does). */
async function overview(): Promise<string> {
  const lines = [USAGE];
  for (const section of SECTIONS) {
    lines.push('', section.heading);
    for (const word of Object.keys(section.modules)) lines.push(...listed(await commandsOf(word)));
  }
  return `${lines.join('\n')}\n${FOOTER}`;
}

/** `lok-importer club --help`: a group's sub-commands. */
function groupHelp(word: string, commands: readonly Command[]): string {
  const subs = commands.map((c) => c.name.split(' ')[1]).join('|');
  return `Usage: ${PROGRAM} ${word} <${subs}> ...\n\n${listed(commands).join('\n')}\n\nRun \`${PROGRAM} ${word} <sub-command> --help\` for its options.\n`;
}

/** A group's sub-command named by the next word, run; or what is wrong with that word. */
async function runGroup(word: string, commands: readonly Command[], [sub, ...args]: string[]): Promise<number> {
  const help = groupHelp(word, commands);
  if (sub === undefined) {
    process.stderr.write(usageErrorText(`${PROGRAM} ${word}`, 'which sub-command?', help));
    return 2;
  }
  if (isHelp(sub)) {
    process.stdout.write(help);
    return 0;
  }
  const command = commands.find((c) => c.name === `${word} ${sub}`);
  if (!command) {
    process.stderr.write(usageErrorText(`${PROGRAM} ${word}`, `unknown sub-command "${sub}"`, help));
    return 2;
  }
  return runCommand(command, `${PROGRAM} ${command.name}`, command.name, args);
}

async function main([word, ...rest]: string[]): Promise<number> {
  if (word === undefined || isHelp(word)) {
    process.stdout.write(await overview());
    return word === undefined ? 2 : 0;
  }
  const commands = await commandsOf(word);
  const single = commands.find((c) => c.name === word);
  if (single) return runCommand(single, `${PROGRAM} ${word}`, word, rest);
  if (commands.length > 0) return runGroup(word, commands, rest);
  process.stderr.write(usageErrorText(PROGRAM, `unknown command "${word}"`, USAGE));
  return 2;
}

exitQuietlyOnBrokenPipe();
process.exitCode = await main(process.argv.slice(2));
