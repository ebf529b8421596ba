import { JudgeContended } from '../errors/step-failures.js';
import type { Membership } from '../format/records.js';
import { defaultAmountsByYear, type AmountsByYear } from '../rules/amounts.js';
import { judgeWeek } from '../rules/judge-activities.js';
import type { ClubFacts, JudgeContext, JudgedActivity, JudgedParticipant, JudgedPerson } from '../rules/judge-input.js';
import type { ActivityVerdict } from '../rules/verdict.js';
import { isClosedForActivity, submissionsOf } from '../rules/periods.js';
import { calendarKeysOf, periodOfDate } from './activity-content.js';
import { HeadWatch } from './head-watch.js';
import { docId, type ClubState, type Doc, type PipelinePorts } from './ports.js';
import { DocsOf, type KeyOf } from './read-docs.js';
import type { PersonSeed } from './staging.js';
import { UNDATED, type StoredActivity, type StoredVerdict } from './stored.js';
import { VerdictChanges, type ChangeCause, type PendingChange } from './verdict-changes.js';
import { WeekClosure, weekOfDate, type ActivityKey, type ClosureStart, type VerdictKey } from './week-closure.js';

export interface RejudgeSeeds {
  /** Activities created, changed or deleted. */
  readonly activities: readonly { readonly vendor: string; readonly club: string; readonly id: string }[];
  /** Persons whose facts or memberships changed. */
  readonly persons: readonly PersonSeed[];
  /** Persons new to the register: every activity naming them is among the seeds (looked up only if another upload reached them too). */
  readonly settled?: readonly string[];
  /**
   * The upload whose judge step this is: activities it created have no verdict yet, so none is read for them, and
   * its seeds cannot change while it judges (the vendor's next upload waits for it). Without it (the nightly
   * job) the seeds are read once to learn their keys, whose heads are read before the seeds are read again.
   */
  readonly uploadId?: string;
  /**
   * Where this judge keeps the verdicts it is about to write until it has read its heads again (the object store):
   * a retry after a death in between judges those activities again wherever they are now (a judge step's, a chunk's).
   */
  readonly intentKey?: string;
  /**
   * What this re-judge is (an upload's judge chunk, a part of the nightly job): verdicts it changes after their
   * receipt are reported to their vendors under it (verdict-changes.ts). Without it nothing is reported.
   */
  readonly cause?: ChangeCause;
}

/** One vendor's staged seeds (an upload's, a chunk's) as the re-judge takes them: activities named with the vendor. */
export function seedsOfVendor(
  vendor: string,
  seeds: {
    readonly activities: readonly { readonly club: string; readonly id: string }[];
    readonly persons: readonly PersonSeed[];
  },
): RejudgeSeeds {
  return { activities: seeds.activities.map((a) => ({ vendor, ...a })), persons: seeds.persons };
}

export interface RejudgeResult {
  /** Every club and period whose verdicts were judged (their totals may have changed). */
  readonly clubPeriods: { club: string; period: string }[];
  readonly judged: number;
  readonly written: number;
}

/** Passes a judge makes while heads keep moving under it, before the step gives up for now (and is retried). */
export const MAX_JUDGE_PASSES = 5;

/** What every pass of one re-judge shares. */
interface PassContext {
  readonly ports: PipelinePorts;
  readonly today: string;
  readonly amounts: AmountsByYear;
  readonly heads: HeadWatch;
  readonly uploadId: string | undefined;
  readonly intentKey: string | undefined;
  /** Settled persons whose head shows this upload alone (`HeadWatch.alone`); a key that moves leaves it. */
  readonly settled: Set<string>;
  readonly changes: VerdictChanges | undefined;
}

/** One pass: what it judged and wrote, and where, for a pass again over the weeks whose heads moved. */
interface Pass {
  readonly result: RejudgeResult;
  readonly closure: WeekClosure;
  /** Each judged activity's verdict key, by the activity's id (docId). */
  readonly verdictAt: Map<string, VerdictKey>;
}

/**
 * Re-judges everything a change can have reached (`WeekClosure`), week by week, and writes the verdicts that
 * differ from the stored ones. Verdicts are a function of what is stored, so running this twice (a retry, the
 * nightly job) writes nothing the second time. Applies of other vendors may run meanwhile: after writing, the
 * heads of every key the pass relied on are read again, and the weeks of keys whose heads moved are judged
 * again, until none moved (`HeadWatch`; docs/architecture.md, "Judging while others apply").
 */
export async function rejudge(
  ports: PipelinePorts,
  seeds: RejudgeSeeds,
  today: string,
  amounts: AmountsByYear = defaultAmountsByYear,
): Promise<RejudgeResult> {
  const heads = new HeadWatch(ports.store);
  const settled = await heads.alone(seeds.settled ?? [], seeds.uploadId);
  const changes = seeds.cause ? new VerdictChanges(ports.objects, seeds.cause) : undefined;
  const context: PassContext = {
    ports,
    today,
    amounts,
    heads,
    uploadId: seeds.uploadId,
    intentKey: seeds.intentKey,
    settled,
    changes,
  };
  const activities = seeds.activities.map((a): ActivityKey => ({ kind: 'activity', ...a }));
  // What an earlier attempt wrote and never checked: judged again where those activities are now.
  const unchecked = await writtenUnchecked(context);
  const uncheckedActivities = unchecked.map(activityOf);
  if (seeds.uploadId === undefined || unchecked.length > 0)
    await readHeadsOf(context, [...activities, ...uncheckedActivities]);
  // A person this upload created and alone has reached is named only by the seeded activities: its own seed adds
  // nothing (an upload that reaches the person later judges its own activities against these, written by now).
  const persons = seeds.persons.filter((p) => !settled.has(p.pid));
  let pass = await judgePass(context, {
    activities,
    seeded: true,
    persons,
    also: uncheckedActivities,
    judgedAt: new Map(unchecked.map((v) => [docId(activityOf(v)), v])),
  });
  const sum = new ResultSum();
  for (let n = 1; ; n++) {
    sum.add(pass.result);
    const moved = await heads.moved(pass.closure.keys);
    if (moved.size === 0) {
      // Before the intent goes: a retry after a death in between finds it, and publishes again.
      await changes?.publish(ports.store, unchecked.length > 0);
      if (context.intentKey) await ports.objects.delete(context.intentKey);
      return sum.result();
    }
    if (n === MAX_JUDGE_PASSES) throw new JudgeContended(`heads still moving after ${n} passes`);
    for (const key of moved) settled.delete(key);
    pass = await judgePass(context, againStart(pass, moved));
  }
}

function activityOf(verdict: VerdictKey): ActivityKey {
  return { kind: 'activity', vendor: verdict.vendor, club: verdict.club, id: verdict.id };
}

async function writtenUnchecked(context: PassContext): Promise<VerdictKey[]> {
  if (!context.intentKey) return [];
  const text = await context.ports.objects.get(context.intentKey);
  return text === undefined ? [] : (JSON.parse(text) as VerdictKey[]);
}

/** Seeds that may change while judged: their keys' heads are read before the closure reads them again. */
async function readHeadsOf(context: PassContext, activities: readonly ActivityKey[]): Promise<void> {
  const keys = new Set<string>();
  for (const a of (await DocsOf.read(context.ports.store, activities)).values()) {
    for (const key of [...calendarKeysOf(a.club, a.content), ...(a.prev?.keys ?? [])]) keys.add(key);
  }
  await context.heads.read(keys);
}

/** A pass again over the weeks whose keys moved: their activities as the last pass judged them, and every key they had. */
function againStart(
  pass: Pass,
  moved: ReadonlySet<string>,
): ClosureStart & { readonly judgedAt: ReadonlyMap<string, VerdictKey> } {
  const weekKeys = new Map<string, { date: string; keys: Set<string> }>();
  for (const [week, { date, keys }] of pass.closure.weeks) {
    if (date !== undefined && [...keys].some((k) => moved.has(k))) weekKeys.set(week, { date, keys });
  }
  const activities = pass.closure.live().filter((a) => weekKeys.has(weekOfDate(a.content!.date)));
  const judgedAt = new Map<string, VerdictKey>();
  for (const a of activities) {
    const id = docId({ kind: 'activity', value: a });
    judgedAt.set(id, pass.verdictAt.get(id)!);
  }
  return {
    activities: activities.map((a) => ({ kind: 'activity', vendor: a.vendor, club: a.club, id: a.id })),
    seeded: false,
    persons: [],
    weekKeys,
    judgedAt,
  };
}

class ResultSum {
  private readonly clubPeriods = new Map<string, { club: string; period: string }>();
  private judged = 0;
  private written = 0;
  add(result: RejudgeResult): void {
    for (const cp of result.clubPeriods) this.clubPeriods.set(`${cp.club}|${cp.period}`, cp);
    this.judged += result.judged;
    this.written += result.written;
  }
  result(): RejudgeResult {
    return { clubPeriods: [...this.clubPeriods.values()], judged: this.judged, written: this.written };
  }
}

/** One pass: reach (close the weeks), inputs (persons, clubs, frozen verdicts), judge the weeks whole, write what differs. */
async function judgePass(
  context: PassContext,
  start: ClosureStart & { readonly judgedAt?: ReadonlyMap<string, VerdictKey> },
): Promise<Pass> {
  const closure = await WeekClosure.of(context.ports.store, context.heads, context.settled, start);
  const live = closure.live();
  const inputs = await judgeInputsOf(context, live);
  const { computed, verdictAt } = judgeWeeks(context, live, inputs);
  // A verdict the last pass wrote for an activity that has since left its period (or been deleted) is left behind too.
  const leftBehind = [...closure.leftBehind];
  for (const [id, at] of start.judgedAt ?? []) if (verdictAt.get(id)?.period !== at.period) leftBehind.push(at);
  const written = await writeChanged(context, { live, computed, leftBehind, judge: inputs.context });
  const clubPeriods = new Map<string, { club: string; period: string }>();
  for (const v of [...computed, ...leftBehind])
    clubPeriods.set(`${v.club}|${v.period}`, { club: v.club, period: v.period });
  return { result: { clubPeriods: [...clubPeriods.values()], judged: computed.length, written }, closure, verdictAt };
}

/** What a pass judges the reached activities with: their persons, their clubs' facts, the frozen verdicts. */
interface JudgeInputs {
  readonly context: JudgeContext;
  readonly personOf: (pid: string) => JudgedPerson;
  readonly frozen: ReadonlyMap<string, ActivityVerdict>;
}

async function judgeInputsOf(context: PassContext, live: readonly StoredActivity[]): Promise<JudgeInputs> {
  const judge = await judgeContextOf(context, live);
  return { ...judge, frozen: await frozenVerdicts(context, live, judge.context) };
}

/** Judges the reached activities week by week: their verdicts, and each one's verdict key by the activity's id (docId). */
function judgeWeeks(
  context: PassContext,
  live: readonly StoredActivity[],
  inputs: JudgeInputs,
): { computed: StoredVerdict[]; verdictAt: Map<string, VerdictKey> } {
  const verdictAt = new Map<string, VerdictKey>();
  const computed: StoredVerdict[] = [];
  for (const list of byWeek(live, inputs.personOf, inputs.frozen).values()) {
    for (const { activity, verdict } of judgeWeek(list, inputs.context, context.amounts)) {
      const value = storedVerdictOf(activity, verdict);
      computed.push(value);
      verdictAt.set(
        docId({ kind: 'activity', vendor: value.vendor, club: value.club, id: value.id }),
        verdictKeyOf(value),
      );
    }
  }
  return { computed, verdictAt };
}

function storedVerdictOf(activity: JudgedActivity, verdict: ActivityVerdict): StoredVerdict {
  return {
    club: activity.club,
    period: periodOfDate(activity.date),
    vendor: activity.vendor,
    id: activity.id,
    ...whenAndSport(activity),
    type: activity.type,
    verdict,
  };
}

/** An activity's date, times and sport, those it has, in the order verdicts keep them. */
function whenAndSport(a: {
  readonly date?: string;
  readonly start?: string;
  readonly end?: string;
  readonly sport?: string;
}): { date?: string; start?: string; end?: string; sport?: string } {
  return {
    ...(a.date !== undefined ? { date: a.date } : {}),
    ...(a.start !== undefined ? { start: a.start } : {}),
    ...(a.end !== undefined ? { end: a.end } : {}),
    ...(a.sport !== undefined ? { sport: a.sport } : {}),
  };
}

function verdictKeyOf(v: StoredVerdict): VerdictKey {
  return { kind: 'verdict', club: v.club, period: v.period, vendor: v.vendor, id: v.id };
}

/**
 * The stored verdicts of the activities in periods closed for their clubs, by the activity's id (docId): frozen, they
 * are judged as they stand (judge-day.ts), so that the rest of their days is judged against what was applied for.
 */
async function frozenVerdicts(
  context: PassContext,
  live: readonly StoredActivity[],
  judge: JudgeContext,
): Promise<Map<string, ActivityVerdict>> {
  const keys: VerdictKey[] = [];
  for (const a of live) {
    const date = a.content!.date;
    if (date === undefined) continue;
    const period = periodOfDate(date);
    if (isClosedForActivity(period, context.today, a.receivedOn, submissionsOf(judge.club(a.club), period)))
      keys.push({ kind: 'verdict', club: a.club, period, vendor: a.vendor, id: a.id });
  }
  const frozen = new Map<string, ActivityVerdict>();
  if (keys.length === 0) return frozen;
  for (const v of (await DocsOf.read(context.ports.store, keys)).values()) {
    frozen.set(docId({ kind: 'activity', vendor: v.vendor, club: v.club, id: v.id }), v.verdict);
  }
  return frozen;
}

/** What a pass judged: the reached activities, their verdicts, the verdicts left behind, and the judge's context. */
interface Judged {
  readonly live: readonly StoredActivity[];
  readonly computed: readonly StoredVerdict[];
  readonly leftBehind: readonly VerdictKey[];
  readonly judge: JudgeContext;
}

/** Writes the verdicts that differ from the stored ones (none in a closed period) and deletes those left behind. */
async function writeChanged(context: PassContext, judged: Judged): Promise<number> {
  const { puts, changes } = await changedVerdicts(context, judged);
  // Kept before the verdicts are written: a retry that finds them written already still reports them.
  await context.changes?.keep(changes);
  // Kept until the heads are read again: a retry after a death in between judges these again (writtenUnchecked).
  if (context.intentKey && puts.length + judged.leftBehind.length > 0) {
    const keys = [...puts.map((p) => verdictKeyOf(p.value)), ...judged.leftBehind];
    await context.ports.objects.put(context.intentKey, JSON.stringify(keys));
  }
  await context.ports.store.write(puts, judged.leftBehind);
  return puts.length + judged.leftBehind.length;
}

/** The diff: the verdicts that differ from the stored ones, and the changes to report of those the vendor was told. */
async function changedVerdicts(
  context: PassContext,
  { live, computed, judge }: Judged,
): Promise<{ puts: Extract<Doc, { kind: 'verdict' }>[]; changes: PendingChange[] }> {
  const created = (a: StoredActivity) =>
    context.uploadId !== undefined && a.lastUpload === context.uploadId && a.lastOutcome === 'created';
  const verdictKeys = live
    .filter((a) => !created(a))
    .map((a): VerdictKey => ({
      kind: 'verdict',
      club: a.club,
      period: periodOfDate(a.content!.date),
      vendor: a.vendor,
      id: a.id,
    }));
  const stored = await DocsOf.read(context.ports.store, verdictKeys);
  const activityOf = new Map(live.map((a) => [docId({ kind: 'activity', value: a }), a]));
  const puts: Extract<Doc, { kind: 'verdict' }>[] = [];
  const changes: PendingChange[] = [];
  for (const value of computed) {
    const before = stored.of({ kind: 'verdict', value });
    if (before && JSON.stringify(before) === JSON.stringify(value)) continue;
    const activity = activityOf.get(docId({ kind: 'activity', vendor: value.vendor, club: value.club, id: value.id }))!;
    // A verdict in a closed period stays as it was (lok-rules.md, PERIOD_CLOSED).
    if (
      before &&
      value.period !== UNDATED &&
      isClosedForActivity(
        value.period,
        context.today,
        activity.receivedOn,
        submissionsOf(judge.club(value.club), value.period),
      )
    )
      continue;
    puts.push({ kind: 'verdict', value });
    // The stored verdict read above is what the vendor was told: no read more for the change report.
    const change = before && context.changes?.changeOf(activity, value.period, before.verdict, value.verdict);
    if (change) changes.push(change);
  }
  return { puts, changes };
}

/** The persons of the activities with their memberships in the activities' clubs, and the clubs' facts. */
async function judgeContextOf(
  context: PassContext,
  live: readonly StoredActivity[],
): Promise<{ context: JudgeContext; personOf: (pid: string) => JudgedPerson }> {
  const { store } = context.ports;
  const clubs = await store.clubs([...new Set(live.map((a) => a.club))]);
  const pidsByClub = pidsByClubOf(live);
  const allPids = new Set([...pidsByClub.values()].flatMap((s) => [...s]));
  const membershipKeys: KeyOf<'membership'>[] = [];
  for (const [club, pids] of pidsByClub) {
    const vendors = [...new Set((clubs.get(club)?.activations ?? []).map((a) => a.vendor))];
    for (const pid of pids)
      for (const vendor of vendors) membershipKeys.push({ kind: 'membership', pid, club, vendor });
  }
  const [persons, memberships] = await Promise.all([
    DocsOf.read(
      store,
      [...allPids].map((pid) => ({ kind: 'person' as const, pid })),
    ),
    DocsOf.read(store, membershipKeys),
  ]);
  const facts = new Map<string, ClubFacts>();
  for (const [id, state] of clubs) facts.set(id, factsOf(state));
  return {
    context: {
      today: context.today,
      club: (id) => facts.get(id) ?? { countsEveryoneAsDisabled: false, submittedPeriods: new Set() },
    },
    personOf: judgedPersons(persons, membershipsByPerson(memberships)),
  };
}

/** The persons each club's activities name. */
function pidsByClubOf(live: readonly StoredActivity[]): Map<string, Set<string>> {
  const pidsByClub = new Map<string, Set<string>>();
  for (const a of live) {
    let set = pidsByClub.get(a.club);
    if (!set) pidsByClub.set(a.club, (set = new Set()));
    for (const p of [...a.content!.leaders, ...a.content!.participants]) set.add(p.pid);
  }
  return pidsByClub;
}

/** A person's memberships per club, over every vendor of the club. */
function membershipsByPerson(read: DocsOf<'membership'>): Map<string, Map<string, Membership[]>> {
  const memberships = new Map<string, Map<string, Membership[]>>();
  for (const m of read.values()) {
    let byClub = memberships.get(m.pid);
    if (!byClub) memberships.set(m.pid, (byClub = new Map()));
    byClub.set(m.club, [...(byClub.get(m.club) ?? []), ...m.memberships]);
  }
  return memberships;
}

/** The persons as the rules see them, each made once. */
function judgedPersons(
  read: DocsOf<'person'>,
  memberships: ReadonlyMap<string, Map<string, Membership[]>>,
): (pid: string) => JudgedPerson {
  const persons = new Map<string, JudgedPerson>();
  return (pid) => {
    let person = persons.get(pid);
    if (!person) {
      const stored = read.of({ kind: 'person', pid });
      person = {
        key: pid,
        identity: stored?.identity ?? 'none',
        ...(stored?.birthDate !== undefined ? { birthDate: stored.birthDate } : {}),
        memberships: memberships.get(pid) ?? new Map(),
      };
      persons.set(pid, person);
    }
    return person;
  };
}
function byWeek(
  live: readonly StoredActivity[],
  personOf: (pid: string) => JudgedPerson,
  frozen: ReadonlyMap<string, ActivityVerdict>,
): Map<string, JudgedActivity[]> {
  const weeks = new Map<string, JudgedActivity[]>();
  for (const a of live) {
    const week = weekOfDate(a.content!.date);
    let list = weeks.get(week);
    if (!list) weeks.set(week, (list = []));
    const verdict = frozen.get(docId({ kind: 'activity', value: a }));
    list.push(verdict ? { ...judgedActivity(a, personOf), frozen: verdict } : judgedActivity(a, personOf));
  }
  return weeks;
}

function factsOf(state: ClubState): ClubFacts {
  return {
    countsEveryoneAsDisabled: state.club.countsEveryoneAsDisabled,
    submittedPeriods: new Set(state.submittedPeriods),
    supplementedPeriods: new Set(state.supplementedPeriods ?? []),
  };
}

function judgedActivity(a: StoredActivity, personOf: (pid: string) => JudgedPerson): JudgedActivity {
  const c = a.content!;
  const participants: JudgedParticipant[] = c.participants.map((p) => ({
    ref: p.ref,
    person: personOf(p.pid),
    disability: p.disability === true,
  }));
  return {
    club: a.club,
    id: a.id,
    vendor: a.vendor,
    ...whenAndSport(c),
    ...(c.place !== undefined ? { place: c.place } : {}),
    type: c.type,
    ...(c.group ? { group: c.group.id } : {}),
    dropIn: c.dropIn,
    remote: c.remote,
    tryOut: c.tryOut,
    leaders: c.leaders.map((l) => ({ ref: l.ref, person: personOf(l.pid) })),
    participants,
    anonymous: c.anonymous,
    receivedOn: a.receivedOn,
    createdOn: a.createdOn,
  };
}
