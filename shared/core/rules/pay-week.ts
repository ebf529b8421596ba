import { yearOf } from '../calendar/dates.js';
import type { PaymentCode } from '../errors/codes.js';
import type { AmountsByYear } from './amounts.js';
import type { DayJudgement } from './judge-day.js';
import { activityKey, type JudgeContext } from './judge-input.js';
import { compareActivities, compareStrings } from './ordering.js';
import { EXTRA_LEADER_SUPPORT_FROM, ruleSetFor } from './rule-sets.js';
import { sportKey } from './judge-day.js';
import type { Payment } from './verdict.js';

export interface WeekPayments {
  /** Activity key → payment (approved activities only). */
  readonly payments: ReadonlyMap<string, Payment>;
  /** Activity key → person ref → payment codes of that counted participant. */
  readonly participantCodes: ReadonlyMap<string, ReadonlyMap<string, readonly PaymentCode[]>>;
}

type Rate = 'full' | 'reduced' | 'unpaid';

function round(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/**
 * Payments of the approved activities of one ISO week (every club). Never changes a verdict: the weekly cap
 * per person and sport, and the participant cap per activity, only reduce the amount.
 */
export function payWeek(approved: readonly DayJudgement[], context: JudgeContext, amountsFor: AmountsByYear): WeekPayments {
  const ordered = [...approved].sort((a, b) => compareActivities(a.activity, b.activity));
  const codes = new Map<string, Map<string, PaymentCode[]>>();
  const codeOf = (key: string, ref: string): PaymentCode[] => {
    let byRef = codes.get(key);
    if (!byRef) codes.set(key, (byRef = new Map()));
    let list = byRef.get(ref);
    if (!list) byRef.set(ref, (list = []));
    return list;
  };

  // Weekly cap: the n-th counted activity of a person in a sport this week.
  const series = new Map<string, { judgement: DayJudgement; ref: string; person: string; disability: boolean }[]>();
  for (const judgement of ordered) {
    for (const { participant, reasons } of judgement.participants) {
      if (reasons.length > 0) continue;
      const key = sportKey(participant.person, judgement.activity.sport ?? '');
      const everyone = context.club(judgement.activity.club).countsEveryoneAsDisabled;
      const entry = { judgement, ref: participant.ref, person: participant.person, disability: participant.disability || everyone };
      const list = series.get(key);
      if (list) list.push(entry);
      else series.set(key, [entry]);
    }
  }
  const rates = new Map<string, Map<string, Rate>>();
  for (const entries of series.values()) {
    const marked = entries.some((e) => e.disability);
    entries.forEach((entry, index) => {
      const date = entry.judgement.activity.date ?? '';
      const cap = ruleSetFor(date).weeklyCap;
      const n = index + 1;
      let rate: Rate = 'full';
      if (cap) {
        const birthDate = context.person(entry.person)?.birthDate;
        const age = birthDate === undefined ? 0 : yearOf(date) - yearOf(birthDate);
        const max = marked || age >= 10 ? cap.maxAged10up : cap.maxAged7to9;
        if (n > max) rate = 'unpaid';
        else if (n >= cap.reducedFrom) rate = 'reduced';
      }
      const key = activityKey(entry.judgement.activity);
      if (rate !== 'full') codeOf(key, entry.ref).push(rate === 'unpaid' ? 'WEEKLY_CAP_REACHED' : 'WEEKLY_CAP_REDUCED');
      let byRef = rates.get(key);
      if (!byRef) rates.set(key, (byRef = new Map()));
      byRef.set(entry.ref, rate);
    });
  }

  const payments = new Map<string, Payment>();
  for (const judgement of ordered) {
    const { activity } = judgement;
    const key = activityKey(activity);
    const rules = ruleSetFor(activity.date ?? '');
    const cap = rules.participantCap.per === 'activity' ? rules.participantCap.max : rules.participantCap.max * judgement.validLeaders;
    const countedAnonymous = judgement.anonymous.filter((a) => a.reasons.length === 0).reduce((n, a) => n + a.group.count, 0);
    // Above the cap: anonymous participants first, then the last in the order of the vendor's person ids.
    let overCap = Math.max(0, judgement.countedParticipants - cap);
    const anonymousUnpaid = Math.min(overCap, countedAnonymous);
    overCap -= anonymousUnpaid;
    const counted = judgement.participants.filter((p) => p.reasons.length === 0).map((p) => p.participant.ref).sort(compareStrings);
    const droppedRefs = new Set(counted.slice(counted.length - overCap));
    let paid = countedAnonymous - anonymousUnpaid;
    let reduced = 0;
    for (const ref of counted) {
      if (droppedRefs.has(ref)) {
        codeOf(key, ref).push('OVER_PARTICIPANT_CAP');
        continue;
      }
      const rate = rates.get(key)?.get(ref) ?? 'full';
      if (rate !== 'unpaid') paid++;
      if (rate === 'reduced') reduced++;
    }
    const activityCodes: PaymentCode[] = [];
    if (judgement.countedParticipants > cap) activityCodes.push('OVER_PARTICIPANT_CAP');
    const participantCodes = [...(codes.get(key)?.values() ?? [])].flat();
    if (participantCodes.includes('WEEKLY_CAP_REDUCED')) activityCodes.push('WEEKLY_CAP_REDUCED');
    if (participantCodes.includes('WEEKLY_CAP_REACHED')) activityCodes.push('WEEKLY_CAP_REACHED');
    const amounts = amountsFor(yearOf(activity.date ?? '0000'));
    const extraLeaderSupport = judgement.validLeaders >= EXTRA_LEADER_SUPPORT_FROM;
    payments.set(key, {
      paidParticipants: paid,
      reducedParticipants: reduced,
      unpaidParticipants: judgement.countedParticipants - paid,
      extraLeaderSupport,
      amountSek: round(amounts.leaderSupport + (extraLeaderSupport ? amounts.extraLeaderSupport : 0)
        + (paid - reduced) * amounts.participantSupport + reduced * amounts.reducedParticipantSupport),
      codes: activityCodes,
    });
  }
  return { payments, participantCodes: codes };
}
