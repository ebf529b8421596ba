import type { FileContents } from '../../check/file-contents.js';
import { recordError } from '../../errors/record-error.js';
import type { PipelineClock, PipelinePorts } from '../ports.js';
import type { StagedApply } from '../staging.js';
import { applyActivities } from './activities.js';
import { ApplyContext, isActive, type AppliedActivity, type ApplyingUpload, type ClubApply } from './apply-context.js';
import { recordsPerClub, type ClubRecords } from './club-records.js';
import { matchPersons } from './persons.js';
import { removeActivities } from './removals.js';

/**
 * A club's part of the apply step's result: its activities keep their lines, so the join puts them in file order;
 * its settled persons are ids (the join keeps those of one club only); the keys its changes reach are moved by the
 * join, once for the file: a head moved per club would not move again for the file's next club (a retry's move
 * is skipped), and a judge elsewhere that read it in between would miss that club's writes.
 */
export type ClubApplied = Omit<StagedApply, 'activities' | 'seeds'> & {
  readonly activities: readonly AppliedActivity[];
  readonly seeds: Omit<StagedApply['seeds'], 'settled'> & { readonly settled: readonly string[] };
  /** The calendar keys whose heads the join moves once every club is written (rejudge.ts). */
  readonly touched: readonly string[];
};

/**
 * Applies a file's contents (a unit's clubs, from their parts): per club its persons, its activities and its
 * removals, then the calendar changes; written in two phases (phase two marks records done). The club's result.
 */
export async function applyContents(
  ports: PipelinePorts,
  upload: ApplyingUpload,
  file: FileContents,
  sha256: string,
  clock: PipelineClock,
): Promise<ClubApplied> {
  const context = new ApplyContext(
    ports,
    upload,
    clock.today,
    clock.swedishDateOf(file.header.created),
    file.header.mode,
  );
  // Bounded (errors found after reading have no limit of their own: a ref to nobody is one each).
  for (const error of file.errors) context.errors.push(error);
  const perClub = recordsPerClub(file, context.errors, context.counts);
  const states = await ports.store.clubs([...perClub.keys()]);
  for (const records of perClub.values()) {
    const state = states.get(records.club);
    if (!state || !isActive(state, upload.vendor, context.today)) refuseClub(context, records);
    else await applyClub(context, await clubApply(context, records, state));
  }
  await writeAll(context);
  return resultOf(context, sha256);
}

/** The vendor is not active for the club: every record of it is refused (CLUB_NOT_ACTIVATED). */
function refuseClub(context: ApplyContext, records: ClubRecords): void {
  context.errors.push(recordError('CLUB_NOT_ACTIVATED', records.line, { club: records.club }));
  context.counts.persons.refused += records.persons.length + records.deletedPersons.length;
  context.counts.activities.refused += records.activities.length + records.deletedActivities.length;
}

/** A club the vendor is active for, with the person links and activities the vendor holds for it. */
async function clubApply(context: ApplyContext, records: ClubRecords, state: ClubApply['state']): Promise<ClubApply> {
  context.authorised.push(records.club);
  const links = await context.ports.store.linksOf(context.vendor, records.club);
  return {
    records,
    state,
    links: new Map(links.persons.map((l) => [l.ref, l])),
    activities: new Map(links.activities.map((a) => [a.id, a])),
  };
}

async function applyClub(context: ApplyContext, club: ClubApply): Promise<void> {
  const accepted = await matchPersons(context, club);
  const sent = await applyActivities(context, club, accepted);
  removeActivities(context, club, sent);
}

/**
 * The calendar changes, then phase one, then the links and activities that mark each record done: a crash in
 * between leaves records that a retry applies again, never a link without the items it points to.
 */
async function writeAll(context: ApplyContext): Promise<void> {
  const { store } = context.ports;
  const { writes } = context;
  await context.calendars.write(context.ports, writes, context.seeds.settled);
  await store.write([...writes.first.values()], [...writes.firstDeletes.values()]);
  await store.write([...writes.last.values()]);
}

/** The club's result: in file order once the join has every club's (byLine). */
function resultOf(context: ApplyContext, sha256: string): ClubApplied {
  const { errors, seeds } = context;
  return {
    status: errors.total > 0 ? 'partially_applied' : 'applied',
    sha256,
    counts: context.counts,
    ...errors.summary(),
    clubs: context.authorised,
    activities: context.applied,
    seeds: { activities: seeds.activities, persons: [...seeds.persons.values()], settled: [...seeds.settled] },
    touched: [...seeds.touched],
  };
}
