import { recordError } from '../../errors/record-error.js';
import { placeOf } from '../activity-content.js';
import type { LastChange } from '../stored.js';
import { closedFor, type ApplyContext, type ClubApply } from './apply-context.js';
import { personLeftInPlace } from './club-records.js';

/** A record the file removes: deleted by it (`explicit`), or in a full file not sent. */
interface Removal {
  readonly id: string;
  readonly line: number;
  readonly explicit: boolean;
}

/**
 * What the club's file removes of `stored`: its explicit deletions, and in a full file every item it did not send
 * that is live, or that this upload removed already (a retry counts it again).
 */
function removalsOf<T extends LastChange>(
  context: ApplyContext,
  club: ClubApply,
  explicit: readonly { id: string; line: number }[],
  stored: ReadonlyMap<string, T>,
  removes: (id: string, item: T) => boolean,
): Removal[] {
  const removals: Removal[] = explicit.map((d) => ({ id: d.id, line: d.line, explicit: true }));
  if (context.mode !== 'full') return removals;
  for (const [id, item] of stored)
    if (removes(id, item)) removals.push({ id, line: club.records.line, explicit: false });
  return removals;
}

/** Deletions of persons: explicit ones, and in full mode every live link the file did not send. */
export function removePersons(context: ApplyContext, club: ClubApply): void {
  const { records, links } = club;
  const leftInPlace = personLeftInPlace(records);
  const removals = removalsOf(
    context,
    club,
    records.deletedPersons,
    links,
    (ref, link) => leftInPlace(ref) && (!link.deleted || context.doneBefore(link) !== undefined),
  );
  for (const removal of removals) {
    const link = links.get(removal.id);
    if (context.doneBefore(link)?.deleted) {
      context.counts.persons.deleted++;
      context.seeds.person(link!.pid, records.club);
      continue;
    }
    if (!link || link.deleted) {
      if (removal.explicit)
        context.refuse(
          'persons',
          recordError('UNKNOWN_RECORD', removal.line, { club: records.club, record: removal.id }),
        );
      continue;
    }
    context.counts.persons.deleted++;
    context.writes.delete({ kind: 'membership', pid: link.pid, club: records.club, vendor: context.vendor });
    context.writes.put(
      {
        kind: 'person-link',
        value: { ...link, deleted: true, lastUpload: context.upload.uploadId, lastOutcome: 'deleted' },
      },
      'last',
    );
    context.seeds.person(link.pid, records.club);
  }
}

/**
 * Deletions of activities: explicit ones, and in full mode every live activity the file did not send (a record it
 * sent but that was refused is not "not sent"). An activity in a closed period stays (PERIOD_CLOSED).
 */
export function removeActivities(context: ApplyContext, club: ClubApply, sent: ReadonlySet<string>): void {
  const { records, activities, state } = club;
  const named = new Set([...sent, ...records.deletedActivities.map((d) => d.id), ...records.refusedActivityIds]);
  const removals = removalsOf(
    context,
    club,
    records.deletedActivities,
    activities,
    (id, stored) => !named.has(id) && (stored.content !== undefined || context.doneBefore(stored) !== undefined),
  );
  for (const removal of removals) {
    const stored = activities.get(removal.id);
    const where = { club: records.club, record: removal.id };
    if (context.doneBefore(stored)?.lastOutcome === 'deleted') {
      context.counts.activities.deleted++;
      context.seeds.activity(records.club, removal.id, stored!.prev);
      continue;
    }
    if (!stored?.content) {
      if (removal.explicit) context.refuse('activities', recordError('UNKNOWN_RECORD', removal.line, where));
      continue;
    }
    if (closedFor(state, stored, context.today)) {
      context.refuse('activities', recordError('PERIOD_CLOSED', removal.line, where), removal.explicit);
      continue;
    }
    context.counts.activities.deleted++;
    const prev = placeOf(records.club, stored.content)!;
    context.writes.put(
      {
        kind: 'activity',
        value: {
          vendor: context.vendor,
          club: records.club,
          id: removal.id,
          receivedOn: stored.receivedOn,
          createdOn: stored.createdOn,
          lastUpload: context.upload.uploadId,
          lastCompletedAt: context.upload.completedAt,
          lastOutcome: 'deleted',
          prev,
        },
      },
      'last',
    );
    context.calendars.move(context.vendor, records.club, removal.id, stored.content, undefined);
    context.seeds.activity(records.club, removal.id, prev);
  }
}
