import { addDays, isoWeek } from '../calendar/dates.js';
import { calendarKeysOf, parseCalendarEntry, periodOfDate } from './activity-content.js';
import type { HeadWatch } from './head-watch.js';
import { inParallel } from './in-parallel.js';
import { docId, type DocKey, type RegisterStore } from './ports.js';
import type { PersonSeed } from './staging.js';
import type { StoredActivity, StoredCalendar } from './stored.js';

export type ActivityKey = DocKey & { kind: 'activity' };
export type VerdictKey = DocKey & { kind: 'verdict' };

const LOOKUPS_IN_FLIGHT = 16;
const UNDATED_WEEK = 'undated';

export function weekOfDate(date: string | undefined): string {
  return date === undefined ? UNDATED_WEEK : isoWeek(date);
}

/** Where a closure starts (rejudge.ts): activities, persons, and for a pass again, the keys each week had. */
export interface ClosureStart {
  readonly activities: readonly ActivityKey[];
  /** The activities are an upload's own changes: their previous places are closed too, and verdicts they left behind deleted. */
  readonly seeded: boolean;
  readonly persons: readonly PersonSeed[];
  /** Keys to close each week over from the start, with a date in the week. */
  readonly weekKeys?: ReadonlyMap<string, { readonly date: string; readonly keys: Iterable<string> }>;
  /** More activities to judge where they are now, not as seeds (what an earlier attempt wrote unchecked). */
  readonly also?: readonly ActivityKey[];
}

/**
 * Everything a change can have reached, week by week. A day's verdicts depend only on that day's activities and
 * a week's payments only on that week's, through the persons (and groups) they share: from the start, each
 * week's set is closed over the calendar keys its activities share. Every key's head is read (`HeadWatch`) before
 * anything found through it, so that a judge can tell afterwards whether what it read has changed since.
 */
export class WeekClosure {
  readonly activities = new Map<string, StoredActivity>();
  /** Per week: a date in it and every calendar key its activities have (settled ones included). */
  readonly weeks = new Map<string, { date?: string; keys: Set<string> }>();
  /** Every key whose head this closure relied on. */
  readonly keys = new Set<string>();
  /** Verdicts of seeds that moved to another period (or were deleted): left behind, to delete. */
  readonly leftBehind: VerdictKey[] = [];
  private readonly pending = new Map<string, Set<string>>();
  private readonly expanded = new Set<string>();
  private readonly calendarCache = new Map<string, Promise<StoredCalendar[]>>();

  private constructor(
    private readonly store: RegisterStore,
    private readonly heads: HeadWatch,
    private readonly settled: ReadonlySet<string>,
  ) {}

  static async of(
    store: RegisterStore,
    heads: HeadWatch,
    settled: ReadonlySet<string>,
    start: ClosureStart,
  ): Promise<WeekClosure> {
    const closure = new WeekClosure(store, heads, settled);
    for (const [week, { date, keys }] of start.weekKeys ?? []) closure.addKeys(week, date, [...keys]);
    await closure.load(start.activities, start.seeded);
    await closure.load(start.also ?? [], false);
    await closure.loadPersons(start.persons);
    while (await closure.expand());
    return closure;
  }

  /** The activities judged: dated in one of the weeks. */
  live(): StoredActivity[] {
    return [...this.activities.values()].filter(
      (a) => a.content !== undefined && this.weeks.has(weekOfDate(a.content.date)),
    );
  }

  private addKeys(week: string, date: string | undefined, keys: readonly string[]): void {
    let entry = this.weeks.get(week);
    if (!entry) this.weeks.set(week, (entry = { keys: new Set() }));
    if (date === undefined) return;
    entry.date = date;
    let pending = this.pending.get(week);
    if (!pending) this.pending.set(week, (pending = new Set()));
    for (const key of keys) {
      entry.keys.add(key);
      this.keys.add(key);
      if (!this.settled.has(key) && !this.expanded.has(`${week}|${key}`)) pending.add(key);
    }
  }

  private consider(activity: StoredActivity, seed: boolean): void {
    this.activities.set(docId({ kind: 'activity', value: activity }), activity);
    if (activity.content)
      this.addKeys(
        weekOfDate(activity.content.date),
        activity.content.date,
        calendarKeysOf(activity.club, activity.content),
      );
    if (!seed || !activity.prev) return;
    const prevPeriod = periodOfDate(activity.prev.date);
    if (!activity.content || periodOfDate(activity.content.date) !== prevPeriod) {
      this.leftBehind.push({
        kind: 'verdict',
        club: activity.club,
        period: prevPeriod,
        vendor: activity.vendor,
        id: activity.id,
      });
    }
    this.addKeys(weekOfDate(activity.prev.date), activity.prev.date, activity.prev.keys);
  }

  private async load(keys: readonly ActivityKey[], seed: boolean): Promise<void> {
    const missing = keys.filter((k) => !this.activities.has(docId(k)));
    for (const doc of (await this.store.get(missing)).values()) this.consider(doc.value as StoredActivity, seed);
  }

  private async loadPersons(seeds: readonly PersonSeed[]): Promise<void> {
    // A settled person (this upload's alone) is named only by this upload's own seeds: nothing to look up.
    const persons = seeds.filter((p) => !this.settled.has(p.pid));
    await this.heads.read(persons.map((p) => p.pid));
    for (const p of persons) this.keys.add(p.pid);
    const found = await inParallel(persons, LOOKUPS_IN_FLIGHT, async (seed) => {
      const calendars = await this.store.calendarsOf(seed.pid);
      return calendars.filter((c) => seed.club === undefined || c.club === seed.club).flatMap((c) => refsOf(c));
    });
    await this.load(found.flat(), false);
  }

  /** One round: every pending (week, key) looked up; false when nothing was pending. */
  private async expand(): Promise<boolean> {
    const work: { week: string; key: string }[] = [];
    for (const [week, keys] of this.pending) {
      for (const key of keys) {
        this.expanded.add(`${week}|${key}`);
        work.push({ week, key });
      }
    }
    this.pending.clear();
    if (work.length === 0) return false;
    await this.heads.read(work.map((w) => w.key));
    const found = await inParallel(work, LOOKUPS_IN_FLIGHT, async ({ week, key }) => {
      const periods = periodsOfWeek(this.weeks.get(week)!.date!);
      const calendars = (await Promise.all(periods.map((period) => this.calendarsOf(key, period)))).flat();
      return calendars.flatMap((c) => refsOf(c).filter((r) => weekOfDate(r.date) === week));
    });
    await this.load(found.flat(), false);
    return true;
  }

  private calendarsOf(key: string, period: string): Promise<StoredCalendar[]> {
    const id = `${key}|${period}`;
    let found = this.calendarCache.get(id);
    if (!found) this.calendarCache.set(id, (found = this.store.calendarsOf(key, period)));
    return found;
  }
}

function refsOf(calendar: StoredCalendar): (ActivityKey & { date: string })[] {
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
