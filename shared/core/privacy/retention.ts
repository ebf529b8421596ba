import { calendarKeysOf } from '../pipeline/activity-content.js';
import { inParallel } from '../pipeline/in-parallel.js';
import { docId, type DocKey, type PipelineClock, type PipelinePorts } from '../pipeline/ports.js';
import { UNDATED, type StoredMembership, type StoredPersonLink } from '../pipeline/stored.js';
import { archiveKey } from '../storage/bucket-layout.js';
import { finalDateOf } from '../rules/periods.js';
import { eraseFound } from './erase-person.js';
import type { PrivacyStore } from './ports.js';

/**
 * How long the register keeps what it was sent: seven years, as the archive's lifecycle keeps received files
 * (cdk/constructs/file-store.ts, `archive-seven-years`). LOK-stöd applications are audited for years and the
 * underlying records kept as accounting records are (bokföringslagen, seven years); docs/operations.md.
 */
export const RETENTION_YEARS = 7;

/** The first day still kept: `today` seven years back (29 February falls on 28 February). */
export function retentionCutoff(today: string): string {
  const [year, month, day] = today.split('-') as [string, string, string];
  const back = `${String(Number(year) - RETENTION_YEARS).padStart(4, '0')}-${month}-${day}`;
  return back.endsWith('-02-29') ? back.replace(/-29$/, '-28') : back;
}

/** Removes an archived file, saying whether there was one (local mode's folder; in S3 the lifecycle rule does it). */
export interface ArchivePurge {
  remove(key: string): Promise<boolean>;
}

export interface PurgeOptions {
  readonly privacy: PrivacyStore;
  /** Where archived files are removed by the nightly job; absent where the store removes them itself (S3 lifecycle). */
  readonly archive?: ArchivePurge;
}

/** What the purge removed tonight (counts and ids only). */
export interface PurgeReport {
  readonly cutoff: string;
  /** Club periods whose final date is before the cutoff and whose activities and verdicts were removed tonight. */
  readonly periods: readonly { readonly club: string; readonly period: string; readonly activities: number }[];
  /** Persons left with no activity and no membership within the retention period, erased tonight. */
  readonly persons: number;
  /** Archived files of uploads completed before the cutoff, removed tonight. */
  readonly archivedFiles: number;
}

/** Persons checked at once. */
const PERSONS_IN_FLIGHT = 16;

/**
 * The nightly purge (docs/operations.md, Data protection): the activities, calendars and verdicts of every club
 * period whose final date lies before the cutoff (the period totals stay: figures, no persons); then every person
 * named by no activity whose memberships all ended before the cutoff, or who has none and whom every vendor has
 * deleted, erased as on request; then the archived files of uploads completed before the cutoff. Twice changes
 * nothing more.
 */
export async function purgeExpired(
  ports: PipelinePorts,
  clock: PipelineClock,
  options: PurgeOptions,
): Promise<PurgeReport> {
  const cutoff = retentionCutoff(clock.today);
  const periods = await purgePeriods(ports, cutoff);
  const persons = await purgePersons(ports, clock, options.privacy, cutoff);
  let archivedFiles = 0;
  if (options.archive) {
    for (const entry of await options.privacy.uploadsCompletedBefore(`${cutoff}T00:00:00.000Z`)) {
      if (await options.archive.remove(archiveKey(entry))) archivedFiles++;
    }
  }
  return { cutoff, periods, persons, archivedFiles };
}

async function purgePeriods(ports: PipelinePorts, cutoff: string): Promise<PurgeReport['periods']> {
  const { store } = ports;
  const purged: { club: string; period: string; activities: number }[] = [];
  for (const club of await store.allClubs()) {
    for (const { totals } of await store.totalsOf(club)) {
      if (totals.period === UNDATED || finalDateOf(totals.period) >= cutoff) continue;
      const verdicts = await store.verdictsOf(club, totals.period);
      if (verdicts.length === 0) continue;
      const found = await store.get(
        verdicts.map((v): DocKey => ({ kind: 'activity', vendor: v.vendor, club, id: v.id })),
      );
      const calendars = new Map<string, DocKey>();
      for (const doc of found.values()) {
        if (doc.kind !== 'activity') continue;
        for (const key of calendarKeysOf(club, doc.value.content)) {
          const calendar: DocKey = { kind: 'calendar', key, period: totals.period, vendor: doc.value.vendor, club };
          calendars.set(docId(calendar), calendar);
        }
      }
      // Verdicts last: they are how a retry finds the period's activities again.
      await store.write(
        [],
        [
          ...calendars.values(),
          ...verdicts.map((v): DocKey => ({ kind: 'activity', vendor: v.vendor, club, id: v.id })),
        ],
      );
      await store.write(
        [],
        verdicts.map((v): DocKey => ({ kind: 'verdict', club, period: totals.period, vendor: v.vendor, id: v.id })),
      );
      purged.push({ club, period: totals.period, activities: verdicts.length });
    }
  }
  return purged;
}

/** Whether the person's memberships leave them kept: one that had not ended by the cutoff, or, with none, a vendor still holding them. */
function stillMember(
  memberships: readonly StoredMembership[],
  links: readonly StoredPersonLink[],
  cutoff: string,
): boolean {
  const periods = memberships.flatMap((m) => m.memberships);
  if (periods.length === 0) return links.some((l) => !l.deleted);
  return periods.some((p) => p.to === undefined || p.to >= cutoff);
}

async function purgePersons(
  ports: PipelinePorts,
  clock: PipelineClock,
  privacy: PrivacyStore,
  cutoff: string,
): Promise<number> {
  let erased = 0;
  const persons = [...(await privacy.personsWithLinks()).entries()];
  await inParallel(persons, PERSONS_IN_FLIGHT, async ([pid, links]) => {
    const calendars = await ports.store.calendarsOf(pid);
    if (calendars.some((c) => c.entries.length > 0)) return;
    const memberships = await privacy.membershipsOf(pid);
    if (stillMember(memberships, links, cutoff)) return;
    const found = (await ports.store.get([{ kind: 'person', pid }])).get(docId({ kind: 'person', pid }));
    await eraseFound(ports, clock, pid, {
      person: found?.kind === 'person' ? found.value : undefined,
      memberships,
      links,
      calendars,
    });
    erased++;
  });
  return erased;
}
