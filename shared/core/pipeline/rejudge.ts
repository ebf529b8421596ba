import { addDays, isoWeek } from '../calendar/dates.js';
import type { Membership } from '../format/records.js';
import { defaultAmountsByYear, type AmountsByYear } from '../rules/amounts.js';
import { judgeWeek } from '../rules/judge-activities.js';
import type { ClubFacts, JudgeContext, JudgedActivity, JudgedParticipant, JudgedPerson } from '../rules/judge-input.js';
import { isPeriodClosed } from '../rules/periods.js';
import { calendarKeysOf, parseCalendarEntry, periodOfDate } from './activity-content.js';
import { inParallel } from './in-parallel.js';
import { docId, type ClubState, type Doc, type DocKey, type PipelinePorts } from './ports.js';
import type { PersonSeed } from './staging.js';
import { UNDATED, type StoredActivity, type StoredCalendar, type StoredMembership, type StoredPerson, type StoredVerdict } from './stored.js';

export interface RejudgeSeeds {
  /** Activities created, changed or deleted. */
  readonly activities: readonly { readonly vendor: string; readonly club: string; readonly id: string }[];
  /** Persons whose facts or memberships changed. */
  readonly persons: readonly PersonSeed[];
  /** Calendar keys whose activities are all among the seeds (persons new to the register): not looked up. */
  readonly settled?: readonly string[];
  /** The upload whose changes these are: activities it created have no verdict yet, so none is read for them. */
  readonly uploadId?: string;
}

/** One vendor's staged seeds (an upload's, a chunk's) as the re-judge takes them: activities named with the vendor. */
export function seedsOfVendor(vendor: string, seeds: { readonly activities: readonly { readonly club: string; readonly id: string }[]; readonly persons: readonly PersonSeed[] }): RejudgeSeeds {
  return { activities: seeds.activities.map((a) => ({ vendor, ...a })), persons: seeds.persons };
}

export interface RejudgeResult {
  /** Every club and period whose verdicts were judged (their totals may have changed). */
  readonly clubPeriods: { club: string; period: string }[];
  readonly judged: number;
  readonly written: number;
}

const LOOKUPS_IN_FLIGHT = 16;
const UNDATED_WEEK = 'undated';

function weekOfDate(date: string | undefined): string {
  return date === undefined ? UNDATED_WEEK : isoWeek(date);
}

/**
 * Re-judges everything a change can have reached. A day's verdicts depend only on that day's activities and a
 * week's payments only on that week's, through the persons (and groups) they share; so, week by week, the set
 * is closed over shared calendar keys, starting from the seeds, and judged whole. Verdicts are a function of
 * what is stored, so running this twice (a retry, the nightly job) writes nothing the second time.
 */
export async function rejudge(ports: PipelinePorts, seeds: RejudgeSeeds, today: string, amounts: AmountsByYear = defaultAmountsByYear): Promise<RejudgeResult> {
  const { store } = ports;
  const activities = new Map<string, StoredActivity>();
  const weeks = new Set<string>();
  const pending = new Map<string, Set<string>>();
  const expanded = new Set<string>();
  const settled = new Set(seeds.settled ?? []);
  const staleVerdicts: (DocKey & { kind: 'verdict' })[] = [];

  const sampleDate = new Map<string, string>();
  const addPending = (week: string, keys: readonly string[]) => {
    let set = pending.get(week);
    if (!set) pending.set(week, (set = new Set()));
    for (const key of keys) if (!settled.has(key) && !expanded.has(`${week}|${key}`)) set.add(key);
  };
  const consider = (activity: StoredActivity, seed: boolean) => {
    activities.set(docId({ kind: 'activity', value: activity }), activity);
    if (activity.content) {
      const week = weekOfDate(activity.content.date);
      weeks.add(week);
      if (activity.content.date !== undefined) {
        sampleDate.set(week, activity.content.date);
        addPending(week, calendarKeysOf(activity.club, activity.content));
      }
    }
    if (seed && activity.prev) {
      const prevPeriod = periodOfDate(activity.prev.date);
      if (!activity.content || periodOfDate(activity.content.date) !== prevPeriod) {
        staleVerdicts.push({ kind: 'verdict', club: activity.club, period: prevPeriod, vendor: activity.vendor, id: activity.id });
      }
      if (activity.prev.date !== undefined) {
        weeks.add(weekOfDate(activity.prev.date));
        sampleDate.set(weekOfDate(activity.prev.date), activity.prev.date);
        addPending(weekOfDate(activity.prev.date), activity.prev.keys);
      }
    }
  };
  const load = async (keys: DocKey[], seed: boolean) => {
    const missing = keys.filter((k) => !activities.has(docId(k)));
    for (const doc of (await store.get(missing)).values()) consider(doc.value as StoredActivity, seed);
  };

  await load(seeds.activities.map((a) => ({ kind: 'activity', ...a })), true);
  const fromPersons = await inParallel(seeds.persons, LOOKUPS_IN_FLIGHT, async (seed) => {
    const calendars = await store.calendarsOf(seed.pid);
    return calendars.filter((c) => seed.club === undefined || c.club === seed.club).flatMap((c) => refsOf(c));
  });
  await load(fromPersons.flat(), false);

  // Close each week's set over the calendar keys its activities share.
  const calendarCache = new Map<string, Promise<StoredCalendar[]>>();
  const calendarsOf = (key: string, period: string) => {
    const id = `${key}|${period}`;
    let found = calendarCache.get(id);
    if (!found) calendarCache.set(id, (found = store.calendarsOf(key, period)));
    return found;
  };
  for (;;) {
    const work: { week: string; key: string }[] = [];
    for (const [week, keys] of pending) {
      for (const key of keys) {
        expanded.add(`${week}|${key}`);
        work.push({ week, key });
      }
    }
    pending.clear();
    if (work.length === 0) break;
    const found = await inParallel(work, LOOKUPS_IN_FLIGHT, async ({ week, key }) => {
      const calendars = (await Promise.all(periodsOfWeek(sampleDate.get(week)!).map((period) => calendarsOf(key, period)))).flat();
      return calendars.flatMap((c) => refsOf(c).filter((r) => weekOfDate(r.date) === week));
    });
    await load(found.flat(), false);
  }

  // Persons, their memberships in the clubs of the activities, and the clubs' facts.
  const live = [...activities.values()].filter((a) => a.content !== undefined && weeks.has(weekOfDate(a.content.date)));
  const clubIds = [...new Set(live.map((a) => a.club))];
  const clubs = await store.clubs(clubIds);
  const pidsByClub = new Map<string, Set<string>>();
  for (const a of live) {
    let set = pidsByClub.get(a.club);
    if (!set) pidsByClub.set(a.club, (set = new Set()));
    for (const p of [...a.content!.leaders, ...a.content!.participants]) set.add(p.pid);
  }
  const allPids = new Set([...pidsByClub.values()].flatMap((s) => [...s]));
  const membershipKeys: DocKey[] = [];
  for (const [club, pids] of pidsByClub) {
    const vendors = [...new Set((clubs.get(club)?.activations ?? []).map((a) => a.vendor))];
    for (const pid of pids) for (const vendor of vendors) membershipKeys.push({ kind: 'membership', pid, club, vendor });
  }
  const [personDocs, membershipDocs] = await Promise.all([store.get([...allPids].map((pid) => ({ kind: 'person' as const, pid }))), store.get(membershipKeys)]);
  const memberships = new Map<string, Map<string, Membership[]>>();
  for (const doc of membershipDocs.values()) {
    const m = doc.value as StoredMembership;
    let byClub = memberships.get(m.pid);
    if (!byClub) memberships.set(m.pid, (byClub = new Map()));
    byClub.set(m.club, [...(byClub.get(m.club) ?? []), ...m.memberships]);
  }
  const persons = new Map<string, JudgedPerson>();
  const personOf = (pid: string): JudgedPerson => {
    let person = persons.get(pid);
    if (!person) {
      const stored = personDocs.get(docId({ kind: 'person', pid }))?.value as StoredPerson | undefined;
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
  const facts = new Map<string, ClubFacts>();
  for (const [id, state] of clubs) facts.set(id, factsOf(state));
  const context: JudgeContext = { today, club: (id) => facts.get(id) ?? { countsEveryoneAsDisabled: false, submittedPeriods: new Set() } };

  // Judge week by week; compare with what is stored and write what differs.
  const byWeek = new Map<string, JudgedActivity[]>();
  for (const a of live) {
    const week = weekOfDate(a.content!.date);
    let list = byWeek.get(week);
    if (!list) byWeek.set(week, (list = []));
    list.push(judgedActivity(a, personOf));
  }
  const created = (a: StoredActivity) => seeds.uploadId !== undefined && a.lastUpload === seeds.uploadId && a.lastOutcome === 'created';
  const verdictKeys = live.filter((a) => !created(a)).map((a) => ({ kind: 'verdict' as const, club: a.club, period: periodOfDate(a.content!.date), vendor: a.vendor, id: a.id }));
  const storedVerdicts = await store.get(verdictKeys);
  const puts: Doc[] = [];
  const clubPeriods = new Map<string, { club: string; period: string }>();
  const touch = (club: string, period: string) => clubPeriods.set(`${club}|${period}`, { club, period });
  let judged = 0;
  for (const list of byWeek.values()) {
    for (const { activity, verdict } of judgeWeek(list, context, amounts)) {
      judged++;
      const period = periodOfDate(activity.date);
      touch(activity.club, period);
      const value: StoredVerdict = {
        club: activity.club, period, vendor: activity.vendor, id: activity.id,
        ...(activity.date !== undefined ? { date: activity.date } : {}),
        ...(activity.start !== undefined ? { start: activity.start } : {}),
        ...(activity.end !== undefined ? { end: activity.end } : {}),
        ...(activity.sport !== undefined ? { sport: activity.sport } : {}),
        type: activity.type, verdict,
      };
      const stored = storedVerdicts.get(docId({ kind: 'verdict', value }))?.value as StoredVerdict | undefined;
      if (stored && JSON.stringify(stored) === JSON.stringify(value)) continue;
      // A verdict in a closed period stays as it was (lok-rules.md, PERIOD_CLOSED).
      const clubFacts = context.club(activity.club);
      if (stored && period !== UNDATED && isPeriodClosed(period, today, clubFacts.submittedPeriods.has(period))) continue;
      puts.push({ kind: 'verdict', value });
    }
  }
  for (const key of staleVerdicts) touch(key.club, key.period);
  await store.write(puts, staleVerdicts);
  return { clubPeriods: [...clubPeriods.values()], judged, written: puts.length + staleVerdicts.length };
}

function factsOf(state: ClubState): ClubFacts {
  return { countsEveryoneAsDisabled: state.club.countsEveryoneAsDisabled, submittedPeriods: new Set(state.submittedPeriods) };
}

function refsOf(calendar: StoredCalendar): (DocKey & { kind: 'activity'; date: string })[] {
  return calendar.entries.map((entry) => {
    const { date, id } = parseCalendarEntry(entry);
    return { kind: 'activity' as const, vendor: calendar.vendor, club: calendar.club, id, date };
  });
}

/** The LOK periods a week's days fall in (a week can straddle two), from any date in it. */
function periodsOfWeek(date: string): string[] {
  const week = isoWeek(date);
  const periods = new Set<string>();
  for (let k = -6; k <= 6; k++) {
    const day = addDays(date, k);
    if (isoWeek(day) === week) periods.add(periodOfDate(day));
  }
  return [...periods];
}

function judgedActivity(a: StoredActivity, personOf: (pid: string) => JudgedPerson): JudgedActivity {
  const c = a.content!;
  const participants: JudgedParticipant[] = c.participants.map((p) => ({ ref: p.ref, person: personOf(p.pid), disability: p.disability === true }));
  return {
    club: a.club, id: a.id, vendor: a.vendor,
    ...(c.date !== undefined ? { date: c.date } : {}),
    ...(c.start !== undefined ? { start: c.start } : {}),
    ...(c.end !== undefined ? { end: c.end } : {}),
    ...(c.sport !== undefined ? { sport: c.sport } : {}),
    ...(c.place !== undefined ? { place: c.place } : {}),
    type: c.type,
    ...(c.group ? { group: c.group.id } : {}),
    dropIn: c.dropIn, remote: c.remote, tryOut: c.tryOut,
    leaders: c.leaders.map((l) => ({ ref: l.ref, person: personOf(l.pid) })),
    participants,
    anonymous: c.anonymous,
    receivedOn: a.receivedOn,
    createdOn: a.createdOn,
  };
}
