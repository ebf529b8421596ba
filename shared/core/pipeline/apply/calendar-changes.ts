import { calendarEntry, calendarKeysOf, groupKey, periodOfDate } from '../activity-content.js';
import { docId, type PipelinePorts } from '../ports.js';
import { DocsOf, type KeyOf } from '../read-docs.js';
import type { ActivityContent } from '../stored.js';
import type { Writes } from './writes.js';

export type CalendarKey = KeyOf<'calendar'>;

/** The calendar items an activity's content is in: one per person or group key, in the period of its date. */
export function calendarDocKeys(vendor: string, club: string, content: ActivityContent | undefined): CalendarKey[] {
  if (!content || content.date === undefined) return [];
  const period = periodOfDate(content.date);
  return calendarKeysOf(club, content).map((key) => ({ kind: 'calendar' as const, key, period, vendor, club }));
}

/**
 * Calendar changes collected over a file: per calendar item, the entries to add and to remove. A calendar is one
 * item, bounded by DynamoDB's 400 KB: an activity that would take one past LIMITS.activitiesPerPeriod entries (the
 * reader's bound for one file, here across files) is refused before it is moved (`passes`).
 */
export class CalendarChanges {
  private readonly changes = new Map<string, { key: CalendarKey; add: Set<string>; remove: Set<string> }>();
  /** The stored entries of the calendars read before the activities are moved (`read`); absent: none stored. */
  private readonly stored = new Map<string, readonly string[]>();
  private readonly read = new Set<string>();
  /** The entries of the calendars `passes` has looked at, as they stand after the moves so far. */
  private readonly current = new Map<string, Set<string>>();

  /** Reads the calendars of these keys (those of persons this upload created have none stored). */
  async load(ports: PipelinePorts, keys: readonly CalendarKey[], settled: ReadonlySet<string>): Promise<void> {
    const wanted = new Map<string, CalendarKey>();
    for (const key of keys) if (!settled.has(key.key) && !this.read.has(docId(key))) wanted.set(docId(key), key);
    const docs = await DocsOf.read(ports.store, [...wanted.values()]);
    for (const [id, key] of wanted) {
      this.read.add(id);
      const entries = docs.of(key)?.entries;
      if (entries) this.stored.set(id, entries);
    }
  }

  /** The key whose calendar moving the activity from `before` to `after` would take past `max` entries, if any. */
  passes(
    vendor: string,
    club: string,
    id: string,
    before: ActivityContent | undefined,
    after: ActivityContent | undefined,
    max: number,
  ): CalendarKey | undefined {
    if (!after || after.date === undefined) return undefined;
    const entry = calendarEntry(after.date, id);
    const leaving = before?.date === undefined ? undefined : calendarEntry(before.date, id);
    const left = new Set(calendarDocKeys(vendor, club, before).map(docId));
    for (const key of calendarDocKeys(vendor, club, after)) {
      const entries = this.currentOf(docId(key));
      if (entries.has(entry)) continue;
      const freed = leaving !== undefined && left.has(docId(key)) && entries.has(leaving) ? 1 : 0;
      if (entries.size - freed + 1 > max) return key;
    }
    return undefined;
  }

  private currentOf(id: string): Set<string> {
    let entries = this.current.get(id);
    if (!entries) {
      entries = changed(this.stored.get(id) ?? [], this.changes.get(id));
      this.current.set(id, entries);
    }
    return entries;
  }

  move(
    vendor: string,
    club: string,
    id: string,
    before: ActivityContent | undefined,
    after: ActivityContent | undefined,
  ): void {
    for (const [content, op] of [
      [before, 'remove'],
      [after, 'add'],
    ] as const) {
      if (!content || content.date === undefined) continue;
      const entry = calendarEntry(content.date, id);
      for (const docKey of calendarDocKeys(vendor, club, content)) {
        const idOf = docId(docKey);
        let change = this.changes.get(idOf);
        if (!change) this.changes.set(idOf, (change = { key: docKey, add: new Set(), remove: new Set() }));
        if (op === 'remove') {
          change.remove.add(entry);
          if (!change.add.has(entry)) this.current.get(idOf)?.delete(entry);
        } else {
          change.add.add(entry);
          change.remove.delete(entry);
          this.current.get(idOf)?.add(entry);
        }
      }
    }
  }
  /** Reads the calendars, applies the changes, and adds the changed ones to the writes. Set operations: a retry re-applies them harmlessly. */
  async write(ports: PipelinePorts, writes: Writes, settled: ReadonlySet<string>): Promise<void> {
    // A person this upload created has calendars only from this file: what it adds is the whole calendar, so
    // there is nothing to read (a first load reads no calendar at all); those `load` read are not read again.
    const stored = await DocsOf.read(
      ports.store,
      [...this.changes.values()]
        .filter((c) => !settled.has(c.key.key) && !this.read.has(docId(c.key)))
        .map((c) => c.key),
    );
    for (const [id, change] of this.changes) {
      const before = this.stored.get(id) ?? stored.of(change.key)?.entries ?? [];
      const after = [...changed(before, change)].sort();
      if (after.length === before.length && after.every((e, i) => e === before[i])) continue;
      if (after.length === 0) writes.delete(change.key);
      else
        writes.put({
          kind: 'calendar',
          value: {
            key: change.key.key,
            period: change.key.period,
            vendor: change.key.vendor,
            club: change.key.club,
            entries: after,
          },
        });
    }
  }
}

/** How the vendor names a calendar key of an activity: the ref of its person, or its group's id (never a register id). */
export function calendarName(club: string, content: ActivityContent, key: string): string {
  const person = [...content.leaders, ...content.participants].find((p) => p.pid === key);
  return (
    person?.ref ??
    (content.group && groupKey(club, content.group.id) === key ? `group ${content.group.id}` : 'a person')
  );
}

/** A calendar's entries with a change applied: what it removes goes (unless it also adds it), what it adds comes. */
function changed(
  entries: readonly string[],
  change: { readonly add: ReadonlySet<string>; readonly remove: ReadonlySet<string> } | undefined,
): Set<string> {
  const result = new Set(entries);
  for (const e of change?.remove ?? []) if (!change!.add.has(e)) result.delete(e);
  for (const e of change?.add ?? []) result.add(e);
  return result;
}
