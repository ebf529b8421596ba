import { messageFor, type Code } from '../core/errors/codes.js';
import type { Gender } from '../core/format/records.js';
import { activityDetail, type ActivityDetail } from '../core/queries/activity-detail.js';
import type { AnonymousVerdict, ParticipantVerdict, Payment } from '../core/rules/verdict.js';
import { command, type CommandInput } from './command.js';
import { noPositionals, printJson, required } from './output.js';
import { answer } from './query-commands.js';
import { STORE_FLAGS, STORE_HELP, STORE_OPTIONS } from './register-config.js';

const HELP = `One activity as the register holds it, with every reason: the activity's own, and per leader and per
participant (by the vendor's person ids and register ids; never names or personnummer), each code with its
message, the payment and warnings. Without --vendor every vendor the club has activated is asked (two source
systems may use the same id), so there may be more than one.

  --club C            the club
  --id A              the vendor's activity id
  --vendor V          only this vendor's activity
  --json              print JSON (an array) instead of text
${STORE_FLAGS}

Exit codes: 0 found, 1 no such activity (or UNKNOWN_VENDOR, UNKNOWN_CLUB: CODE: message on standard error),
2 usage error or store unreachable, 3 internal error.

${STORE_HELP}`;

export interface Reason {
  readonly code: string;
  readonly message: string;
}

/** An activity with every code explained: what RF operations read to answer "why was this rejected?". */
export interface ExplainedActivity {
  readonly vendor: string;
  readonly club: string;
  readonly id: string;
  readonly receivedOn: string;
  readonly date?: string;
  readonly start?: string;
  readonly end?: string;
  readonly sport?: string;
  readonly place?: string;
  readonly type: string;
  readonly group?: { readonly id: string; readonly name: string };
  readonly dropIn: boolean;
  readonly remote: boolean;
  readonly tryOut: boolean;
  /** `awaiting-judging` while the activity has no verdict yet. */
  readonly verdict: 'approved' | 'rejected' | 'awaiting-judging';
  readonly countedParticipants?: number;
  readonly reasons: readonly Reason[];
  readonly leaders: readonly {
    readonly ref: string;
    readonly pid: string;
    readonly valid?: boolean;
    readonly reasons: readonly Reason[];
  }[];
  readonly participants: readonly {
    readonly ref: string;
    readonly pid: string;
    readonly disability: boolean;
    readonly counted?: boolean;
    readonly reasons: readonly Reason[];
  }[];
  readonly anonymous: readonly {
    readonly birthYear: number;
    readonly gender: Gender;
    readonly count: number;
    readonly counted?: boolean;
    readonly reasons: readonly Reason[];
  }[];
  readonly warnings: readonly Reason[];
  readonly payment?: Omit<Payment, 'codes'> & { readonly codes: readonly Reason[] };
}

function explain(codes: readonly string[]): Reason[] {
  return codes.map((code) => ({ code, message: messageFor(code as Code) }));
}

export function explainActivity(detail: ActivityDetail): ExplainedActivity {
  const { content: c, verdict: v } = detail;
  const leaders = new Map(v?.leaders.map((l) => [l.ref, l]));
  const participants = new Map<string, ParticipantVerdict>();
  const anonymous = new Map<string, AnonymousVerdict>();
  for (const p of v?.participants ?? []) {
    if ('ref' in p) participants.set(p.ref, p);
    else anonymous.set(`${p.anonymous.birthYear}|${p.anonymous.gender}`, p);
  }
  // A judged participant without a line in the verdict was counted, with no code.
  const judged = v !== undefined;
  return {
    vendor: detail.vendor,
    club: detail.club,
    id: detail.id,
    receivedOn: detail.receivedOn,
    ...(c.date !== undefined ? { date: c.date } : {}),
    ...(c.start !== undefined ? { start: c.start } : {}),
    ...(c.end !== undefined ? { end: c.end } : {}),
    ...(c.sport !== undefined ? { sport: c.sport } : {}),
    ...(c.place !== undefined ? { place: c.place } : {}),
    type: c.type,
    ...(c.group ? { group: c.group } : {}),
    dropIn: c.dropIn,
    remote: c.remote,
    tryOut: c.tryOut,
    verdict: v?.verdict ?? 'awaiting-judging',
    ...(v ? { countedParticipants: v.countedParticipants } : {}),
    reasons: explain(v?.reasons ?? []),
    leaders: c.leaders.map((l) => {
      const lv = leaders.get(l.ref);
      return {
        ref: l.ref,
        pid: l.pid,
        ...(judged ? { valid: lv?.valid ?? false } : {}),
        reasons: explain(lv?.reasons ?? []),
      };
    }),
    participants: c.participants.map((p) => {
      const pv = participants.get(p.ref);
      return {
        ref: p.ref,
        pid: p.pid,
        disability: p.disability === true,
        ...(judged ? { counted: pv?.counted ?? true } : {}),
        reasons: explain(pv?.reasons ?? []),
      };
    }),
    anonymous: c.anonymous.map((a) => {
      const av = anonymous.get(`${a.birthYear}|${a.gender}`);
      return {
        birthYear: a.birthYear,
        gender: a.gender,
        count: a.count,
        ...(judged ? { counted: av?.counted ?? true } : {}),
        reasons: explain(av?.reasons ?? []),
      };
    }),
    warnings: explain(v?.warnings ?? []),
    ...(v?.payment ? { payment: { ...v.payment, codes: explain(v.payment.codes) } } : {}),
  };
}

function reasonLines(indent: string, reasons: readonly Reason[]): string[] {
  return reasons.map((r) => `${indent}${r.code}  ${r.message}`);
}

export function activityText(a: ExplainedActivity): string {
  const out: string[] = [];
  out.push(`activity ${a.id}  club ${a.club}  vendor ${a.vendor}`);
  const when = [
    a.date ?? 'no date',
    a.start !== undefined || a.end !== undefined ? `${a.start ?? '?'}–${a.end ?? '?'}` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const marks = [a.dropIn && 'drop-in', a.remote && 'remote', a.tryOut && 'try-out'].filter(Boolean).join(', ');
  out.push(
    `  ${when}  ${a.sport ?? 'no sport'}  ${a.type}${a.place !== undefined ? `  at ${a.place}` : ''}${a.group ? `  group ${a.group.id} (${a.group.name})` : ''}${marks ? `  [${marks}]` : ''}`,
  );
  out.push(`  first received ${a.receivedOn}`);
  if (a.verdict === 'awaiting-judging') out.push('  verdict: awaiting judging');
  else out.push(`  verdict: ${a.verdict.toUpperCase()}, ${a.countedParticipants} counted participants`);
  out.push(...reasonLines('    ', a.reasons));
  out.push(`  leaders (${a.leaders.length}):`);
  for (const l of a.leaders) {
    out.push(`    ${l.ref}  register id ${l.pid}${l.valid === undefined ? '' : l.valid ? '  valid' : '  not valid'}`);
    out.push(...reasonLines('      ', l.reasons));
  }
  out.push(`  participants (${a.participants.length}):`);
  for (const p of a.participants) {
    out.push(
      `    ${p.ref}  register id ${p.pid}${p.disability ? '  disability' : ''}${p.counted === undefined ? '' : p.counted ? '  counted' : '  not counted'}`,
    );
    out.push(...reasonLines('      ', p.reasons));
  }
  for (const g of a.anonymous) {
    out.push(
      `  anonymous ${g.count} × ${g.birthYear} ${g.gender}${g.counted === undefined ? '' : g.counted ? '  counted' : '  not counted'}`,
    );
    out.push(...reasonLines('      ', g.reasons));
  }
  if (a.payment) {
    const p = a.payment;
    out.push(
      `  payment: ${p.amountSek.toFixed(2)} SEK; ${p.paidParticipants} paid, ${p.reducedParticipants} reduced, ${p.unpaidParticipants} unpaid${p.extraLeaderSupport ? '; extra ledarstöd' : ''}`,
    );
    out.push(...reasonLines('    ', p.codes));
  }
  if (a.warnings.length > 0) {
    out.push('  warnings:');
    out.push(...reasonLines('    ', a.warnings));
  }
  return `${out.join('\n')}\n`;
}

const OPTIONS = {
  club: { type: 'string' },
  id: { type: 'string' },
  vendor: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_OPTIONS,
} as const;

export const ACTIVITY_COMMANDS = [
  command({
    name: 'activity',
    usage: [
      {
        args: '--club C --id A [--vendor V] [--json]',
        summary: 'one activity with every reason per leader and participant',
      },
    ],
    help: HELP,
    options: OPTIONS,
    run: activity,
  }),
];

async function activity({ values, positionals, name }: CommandInput<typeof OPTIONS>): Promise<number> {
  noPositionals(name, positionals);
  const club = required('club', values.club);
  const id = required('id', values.id);
  const vendor = values.vendor !== undefined ? { vendor: values.vendor } : {};
  return answer(values, { club, ...vendor }, async ({ store }) => {
    const found = (
      await activityDetail(store, { club, id, ...(values.vendor !== undefined ? { vendor: values.vendor } : {}) })
    ).map(explainActivity);
    if (values.json) printJson(found);
    else process.stdout.write(found.map(activityText).join('\n'));
    if (found.length === 0) {
      process.stderr.write(
        `no activity ${id} of club ${club}${values.vendor !== undefined ? ` from vendor ${values.vendor}` : ''}\n`,
      );
      return 1;
    }
    return 0;
  });
}
