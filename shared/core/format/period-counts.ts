import { recordError } from '../errors/record-error.js';
import { periodOf } from '../rules/periods.js';
import type { ImportEvent } from './import-event.js';
import { LIMITS } from './limits.js';
import type { ActivityRecord } from './records.js';

/** The activities counted for one person or group in one period, and the last one that counted (counted once each). */
interface Count {
  activities: number;
  last: number;
}

/**
 * Counts, for one club of a file, the activities that name each person or group in each LOK period, as the register's
 * calendars hold them (pipeline/activity-content.ts, calendarKeysOf: every leader and participant of a dated activity,
 * and the group of a camp or competition; the file's refs and group ids stand for those keys within a club). A
 * calendar is one item of the register, which cannot grow past 400 KB: an activity that would take one of them past
 * LIMITS.activitiesPerPeriod is refused (TOO_MANY_ACTIVITIES), in file order, and counts for none of them.
 */
export class PeriodCounts {
  private readonly periods = new Map<string, Map<string, Count>>();
  /** The period of each date seen (a file repeats its dates). */
  private readonly periodOfDate = new Map<string, string>();
  /** The counts of the activity being admitted, kept between activities so that none allocates a list. */
  private readonly named: Count[] = [];
  private activities = 0;

  /** The activity's event, or its refusal when it would take a calendar past the limit. */
  admit(event: ImportEvent & { readonly kind: 'activity' }): ImportEvent {
    const { record } = event;
    if (record.date === undefined) return event;
    const period = this.periodOf(record.date);
    let counts = this.periods.get(period);
    if (!counts) this.periods.set(period, (counts = new Map()));
    const named = this.named;
    named.length = 0;
    let full: string | undefined;
    eachCalendarName(record, (name) => {
      let count = counts.get(name);
      if (count === undefined) counts.set(name, (count = { activities: 0, last: 0 }));
      else if (full === undefined && count.activities >= LIMITS.activitiesPerPeriod) full = name;
      named.push(count);
    });
    if (full !== undefined) {
      const { club, id, line } = record;
      const error = recordError(
        'TOO_MANY_ACTIVITIES',
        line,
        { club, record: id },
        `${full} > ${LIMITS.activitiesPerPeriod} (${period})`,
      );
      return { kind: 'refused', entity: 'activity', club, id, line, errors: [error] };
    }
    const stamp = ++this.activities;
    for (const count of named) {
      if (count.last === stamp) continue;
      count.activities++;
      count.last = stamp;
    }
    return event;
  }

  private periodOf(date: string): string {
    let period = this.periodOfDate.get(date);
    if (period === undefined) this.periodOfDate.set(date, (period = periodOf(date)));
    return period;
  }
}

/** Each ref of an activity's leaders and participants (a person may come twice), and its group when it is a camp or a competition. */
function eachCalendarName(activity: ActivityRecord, visit: (name: string) => void): void {
  for (const leader of activity.leaders) visit(leader.ref);
  for (const ref of activity.participants.refs) visit(ref);
  if (activity.group && (activity.type === 'camp' || activity.type === 'competition'))
    visit(`group ${activity.group.id}`);
}
