import { recordError } from '../../errors/record-error.js';
import type { ActivityRecord } from '../../format/records.js';
import { LIMITS } from '../../format/limits.js';
import type { PersonLink } from '../../register/match-in-file.js';
import { resolveActivity } from '../../register/resolve-activity.js';
import type { JudgedPerson } from '../../rules/judge-input.js';
import { contentOf, periodOfDate, placeOf, sameContent, sameJudgedContent } from '../activity-content.js';
import type { ActivityContent, StoredActivity } from '../stored.js';
import { closedFor, type ApplyContext, type ClubApply } from './apply-context.js';
import { calendarDocKeys, calendarName } from './calendar-changes.js';

/** How an activity's refs resolve: to this file's accepted persons, or to live links the file leaves in place. */
type LinkOf = (club: string, ref: string) => PersonLink | undefined;

function linkResolver(accepted: ReadonlyMap<string, string>): LinkOf {
  const stubs = new Map<string, JudgedPerson>();
  return (_club, ref) => {
    const pid = accepted.get(ref);
    if (pid === undefined) return undefined;
    let person = stubs.get(pid);
    if (!person) stubs.set(pid, (person = { key: pid, identity: 'none', memberships: new Map() }));
    return { ref, person, disability: false };
  };
}

/**
 * Applies a club's activity records, given the refs its persons resolve to (`accepted`), and stages their writes
 * and calendar changes. Returns the ids the file sent.
 */
export async function applyActivities(
  context: ApplyContext,
  club: ClubApply,
  accepted: ReadonlyMap<string, string>,
): Promise<Set<string>> {
  const linkOf = linkResolver(accepted);
  const resolve = (record: ActivityRecord) =>
    resolveActivity(record, linkOf, {
      vendor: context.vendor,
      receivedOn: context.today,
      createdOn: context.createdOn,
    });
  await loadCalendars(context, club, resolve);
  const sent = new Set<string>();
  for (const record of club.records.activities) {
    sent.add(record.id);
    const stored = club.activities.get(record.id);
    const resolved = resolve(record);
    for (const error of resolved.errors) context.errors.push(error);
    const done = context.doneBefore(stored);
    if (done) againDone(context, club, record, done);
    else applyActivity(context, club, { record, stored, content: contentOf(record, resolved.activity) });
  }
  return sent;
}

/**
 * The calendars the club's activities are added to, read before any is moved: an activity that would take one
 * past the limit is refused. Keys only (the activities are resolved again after).
 */
async function loadCalendars(
  context: ApplyContext,
  club: ClubApply,
  resolve: (record: ActivityRecord) => ReturnType<typeof resolveActivity>,
): Promise<void> {
  await context.calendars.load(
    context.ports,
    club.records.activities.flatMap((record) => {
      const stored = club.activities.get(record.id);
      if (context.doneBefore(stored)) return [];
      const content = contentOf(record, resolve(record).activity);
      return sameContent(stored?.content, content) ? [] : calendarDocKeys(context.vendor, club.records.club, content);
    }),
    context.seeds.settled,
  );
}

/**
 * Applied by an earlier attempt of this upload (or a failed upload of the same bytes): the same outcome. Its
 * calendars were written before it (phase one ends before any link is written), so nothing more to write.
 */
function againDone(context: ApplyContext, club: ClubApply, record: ActivityRecord, stored: StoredActivity): void {
  const { club: id } = club.records;
  context.counts.activities[stored.lastOutcome]++;
  if (stored.content)
    context.applied.push({ club: id, id: record.id, period: periodOfDate(stored.content.date), line: record.line });
  // A new person's calendar is written from this file's entries alone (not read): this activity's must be
  // among them again. For a calendar that is read, the entry is there already and nothing changes.
  if (stored.content) context.calendars.move(context.vendor, id, record.id, undefined, stored.content);
  if (!stored.verdictUnchanged) context.seeds.activity(id, record.id, placeOf(id, stored.content), stored.prev);
}

/** An activity record of the file, what the register holds under its id (if anything) and its new content. */
interface IncomingActivity {
  readonly record: ActivityRecord;
  readonly stored: StoredActivity | undefined;
  readonly content: ActivityContent;
}

/** An activity record to apply: unchanged, refused (a closed period, a full calendar), or created or updated. */
function applyActivity(context: ApplyContext, club: ClubApply, incoming: IncomingActivity): void {
  const { record, stored, content } = incoming;
  const clubId = club.records.club;
  const live = stored?.content !== undefined ? stored : undefined;
  const applied = { club: clubId, id: record.id, period: periodOfDate(content.date), line: record.line };
  if (live && sameContent(live.content, content)) {
    context.counts.activities.unchanged++;
    context.applied.push(applied);
    return;
  }
  if (live && closedFor(club.state, live, context.today)) {
    context.refuse('activities', recordError('PERIOD_CLOSED', record.line, { club: clubId, record: record.id }));
    return;
  }
  const full = context.calendars.passes(
    context.vendor,
    clubId,
    record.id,
    live?.content,
    content,
    LIMITS.activitiesPerPeriod,
  );
  if (full) {
    const detail = `${calendarName(clubId, content, full.key)} > ${LIMITS.activitiesPerPeriod} (${full.period})`;
    context.refuse(
      'activities',
      recordError('TOO_MANY_ACTIVITIES', record.line, { club: clubId, record: record.id }, detail),
    );
    return;
  }
  writeActivity(context, club, incoming);
  context.applied.push(applied);
}

/** Stages a created or updated activity (phase two), moves it in its calendars and seeds its re-judging. */
function writeActivity(context: ApplyContext, club: ClubApply, { record, stored, content }: IncomingActivity): void {
  const { vendor, upload, createdOn } = context;
  const clubId = club.records.club;
  const live = stored?.content !== undefined ? stored : undefined;
  const outcome = live ? 'updated' : 'created';
  context.counts.activities[outcome]++;
  const prev = placeOf(clubId, live?.content);
  // A new place name (or group name) changes no verdict: nothing to re-judge, which keeps a typical small
  // correction from re-judging every week its leaders and participants reach.
  // (The file's created date matters only to ACTIVITY_IN_FUTURE: whether the activity lies after it.)
  const future = (created: string) => content.date !== undefined && content.date > created;
  const verdictUnchanged =
    live !== undefined && future(live.createdOn) === future(createdOn) && sameJudgedContent(live.content!, content);
  context.writes.put(
    {
      kind: 'activity',
      value: {
        vendor,
        club: clubId,
        id: record.id,
        content,
        receivedOn: stored?.receivedOn ?? context.today,
        createdOn,
        lastUpload: upload.uploadId,
        lastCompletedAt: upload.completedAt,
        lastOutcome: outcome,
        ...(prev ? { prev } : {}),
        ...(verdictUnchanged ? { verdictUnchanged } : {}),
      },
    },
    'last',
  );
  context.calendars.move(vendor, clubId, record.id, live?.content, content);
  if (!verdictUnchanged) context.seeds.activity(clubId, record.id, placeOf(clubId, content), prev);
}
