import { periodOfDate } from '../pipeline/activity-content.js';
import { docId, type RegisterStore } from '../pipeline/ports.js';
import type { ActivityContent, StoredActivity, StoredVerdict } from '../pipeline/stored.js';
import type { ActivityVerdict } from '../rules/verdict.js';

export interface ActivityDetail {
  readonly vendor: string;
  readonly club: string;
  readonly id: string;
  readonly content: ActivityContent;
  readonly receivedOn: string;
  /** Every reason, per leader and per participant not counted; absent while the activity awaits judging. */
  readonly verdict?: ActivityVerdict;
}

/**
 * One activity with every reason (RF operations answering "why was this activity rejected?"). Without a vendor,
 * every vendor the club has activated is asked: two source systems may use the same id.
 */
export async function activityDetail(
  store: RegisterStore,
  query: { club: string; id: string; vendor?: string },
): Promise<ActivityDetail[]> {
  const vendors =
    query.vendor !== undefined
      ? [query.vendor]
      : [...new Set((await store.clubs([query.club])).get(query.club)?.activations.map((a) => a.vendor) ?? [])];
  const activities = [
    ...(
      await store.get(vendors.map((vendor) => ({ kind: 'activity' as const, vendor, club: query.club, id: query.id })))
    ).values(),
  ]
    .map((doc) => doc.value as StoredActivity)
    .filter((a) => a.content !== undefined);
  const verdictKeys = activities.map((a) => ({
    kind: 'verdict' as const,
    club: a.club,
    period: periodOfDate(a.content!.date),
    vendor: a.vendor,
    id: a.id,
  }));
  const verdicts = await store.get(verdictKeys);
  return activities.map((a, i) => {
    const verdict = (verdicts.get(docId(verdictKeys[i]!))?.value as StoredVerdict | undefined)?.verdict;
    return {
      vendor: a.vendor,
      club: a.club,
      id: a.id,
      content: a.content!,
      receivedOn: a.receivedOn,
      ...(verdict ? { verdict } : {}),
    };
  });
}
