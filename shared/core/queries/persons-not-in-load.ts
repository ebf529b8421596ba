import type { RegisterStore } from '../pipeline/ports.js';

export interface PersonNotInLoad {
  readonly pid: string;
  /** The vendors whose memberships tie the person to the club, and their ids for the person. */
  readonly heldBy: readonly { readonly vendor: string; readonly ref: string }[];
}

/**
 * After a club's first full load from a vendor: the persons the register holds for the club that the load did
 * not contain (members sent by other source systems, or earlier). RF asks clubs to clean these up before deltas
 * start; this is that list, as a report. Register ids and vendor ids only: no personal data.
 */
export async function personsNotInLoad(store: RegisterStore, vendor: string, club: string): Promise<PersonNotInLoad[]> {
  const loaded = new Set((await store.linksOf(vendor, club)).persons.filter((l) => !l.deleted).map((l) => l.pid));
  const members = (await store.membersOf(club)).filter((m) => !loaded.has(m.pid));
  const docs = await store.get(
    members.map((m) => ({ kind: 'membership' as const, pid: m.pid, club, vendor: m.vendor })),
  );
  const byPerson = new Map<string, { vendor: string; ref: string }[]>();
  for (const doc of docs.values()) {
    if (doc.kind !== 'membership') continue;
    const list = byPerson.get(doc.value.pid) ?? [];
    list.push({ vendor: doc.value.vendor, ref: doc.value.ref });
    byPerson.set(doc.value.pid, list);
  }
  return [...byPerson].map(([pid, heldBy]) => ({ pid, heldBy })).sort((a, b) => (a.pid < b.pid ? -1 : 1));
}
