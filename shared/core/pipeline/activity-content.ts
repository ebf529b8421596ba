import type { ActivityRecord } from '../format/records.js';
import type { JudgedActivity } from '../rules/judge-input.js';
import { compareStrings } from '../rules/ordering.js';
import { periodOf } from '../rules/periods.js';
import { UNDATED, type ActivityContent, type PreviousPlace, type StoredParticipant } from './stored.js';

function byRef(a: StoredParticipant, b: StoredParticipant): number {
  return compareStrings(a.ref, b.ref);
}

/**
 * The canonical content of an activity once its refs are resolved: fixed key order and participants sorted by
 * ref, so that a re-sent activity in another order compares equal (and its verdict could not differ anyway).
 */
export function contentOf(record: ActivityRecord, resolved: JudgedActivity): ActivityContent {
  const { date, start, end, sport, place, group } = record;
  return {
    ...(date !== undefined ? { date } : {}),
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
    ...(sport !== undefined ? { sport } : {}),
    ...(place !== undefined ? { place } : {}),
    type: record.type,
    ...(group ? { group: { id: group.id, name: group.name } } : {}),
    dropIn: record.dropIn,
    remote: record.remote,
    tryOut: record.tryOut,
    leaders: resolved.leaders.map((l) => ({ ref: l.ref, pid: l.person.key })).sort(byRef),
    participants: resolved.participants
      .map((p) => ({ ref: p.ref, pid: p.person.key, ...(p.disability ? { disability: true as const } : {}) }))
      .sort(byRef),
    anonymous: resolved.anonymous
      .map(({ birthYear, gender, count }) => ({ birthYear, gender, count }))
      .sort((a, b) => a.birthYear - b.birthYear || compareStrings(a.gender, b.gender) || a.count - b.count),
  };
}

export function sameContent(a: ActivityContent | undefined, b: ActivityContent | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** Equal in everything the rules read: a place counts only by being there, a group only by its id. */
export function sameJudgedContent(a: ActivityContent, b: ActivityContent): boolean {
  const judged = ({ place, group, ...rest }: ActivityContent) => ({
    ...rest,
    place: place !== undefined,
    group: group?.id,
  });
  return JSON.stringify(judged(a)) === JSON.stringify(judged(b));
}

/** Camps and competitions of a group conflict within a day (DUPLICATE_GROUP_DAY): the group is a calendar key too. */
export function groupKey(club: string, group: string): string {
  return `g.${club}.${group}`;
}

/**
 * The calendar keys of an activity: every person it names, and its group when it is a camp or a competition.
 * Activities that share a key on a day can change each other's verdicts; in a week, each other's payments.
 */
export function calendarKeysOf(club: string, content: ActivityContent | undefined): string[] {
  if (!content || content.date === undefined) return [];
  const keys = new Set<string>();
  for (const l of content.leaders) keys.add(l.pid);
  for (const p of content.participants) keys.add(p.pid);
  if (content.group && (content.type === 'camp' || content.type === 'competition'))
    keys.add(groupKey(club, content.group.id));
  return [...keys];
}

export function placeOf(club: string, content: ActivityContent | undefined): PreviousPlace | undefined {
  if (!content) return undefined;
  return { ...(content.date !== undefined ? { date: content.date } : {}), keys: calendarKeysOf(club, content) };
}

export function periodOfDate(date: string | undefined): string {
  return date === undefined ? UNDATED : periodOf(date);
}

export function calendarEntry(date: string, id: string): string {
  return `${date}|${id}`;
}

export function parseCalendarEntry(entry: string): { date: string; id: string } {
  const bar = entry.indexOf('|');
  return { date: entry.slice(0, bar), id: entry.slice(bar + 1) };
}
