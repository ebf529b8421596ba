import { yearOf } from '../calendar/dates.js';
import type { PaymentCode } from '../errors/codes.js';
import type { AmountsByYear } from './amounts.js';
import { sameSportKey, type DayJudgement } from './judge-day.js';
import type { JudgeContext, JudgedPerson } from './judge-input.js';
import { compareActivities, compareStrings } from './ordering.js';
import { EXTRA_LEADER_SUPPORT_FROM, ruleSetFor } from './rule-sets.js';
import type { Payment } from './verdict.js';

export interface WeekPayment {
  readonly payment: Payment;
  /** Person ref → payment codes of that counted participant. */
  readonly participantCodes: ReadonlyMap<string, readonly PaymentCode[]>;
}

type Rate = 'full' | 'reduced' | 'unpaid';

interface Entry {
  readonly judgement: DayJudgement;
  readonly ref: string;
  readonly person: JudgedPerson;
  readonly disability: boolean;
}

function round(amount: number): number {
  return Math.round(amount * 100) / 100;
}

function listIn<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/**
 * Payments of the approved activities of one ISO week (every club). Never changes a verdict: the weekly cap
 * per person and sport, and the participant cap per activity, only reduce the amount.
 */
export function payWeek(approved: readonly DayJudgement[], context: JudgeContext, amountsFor: AmountsByYear): Map<DayJudgement, WeekPayment> {
  const ordered = [...approved].sort((a, b) => compareActivities(a.activity, b.activity));

  // Weekly cap: a person's counted activities in a sport this week, in the ordering.
  const series = new Map<JudgedPerson, Map<string, Entry[]>>();
  for (const judgement of ordered) {
    const sport = sameSportKey(judgement.activity.sport);
    const everyone = context.club(judgement.activity.club).countsEveryoneAsDisabled;
    for (const { participant, reasons } of judgement.participants) {
      if (reasons.length > 0) continue;
      let sports = series.get(participant.person);
      if (!sports) series.set(participant.person, (sports = new Map()));
      listIn(sports, sport).push({ judgement, ref: participant.ref, person: participant.person, disability: participant.disability || everyone });
    }
  }
  const rates = new Map<DayJudgement, Map<string, Rate>>();
  const codes = new Map<DayJudgement, Map<string, PaymentCode[]>>();
  const codesOf = (judgement: DayJudgement, ref: string): PaymentCode[] => {
    let byRef = codes.get(judgement);
    if (!byRef) codes.set(judgement, (byRef = new Map()));
    return listIn(byRef, ref);
  };
  for (const sports of series.values()) {
    for (const entries of sports.values()) {
      const marked = entries.some((e) => e.disability);
      entries.forEach((entry, index) => {
        const date = entry.judgement.activity.date ?? '';
        const cap = ruleSetFor(date).weeklyCap;
        let rate: Rate = 'full';
        if (cap) {
          const { birthDate } = entry.person;
          const age = birthDate === undefined ? 0 : yearOf(date) - yearOf(birthDate);
          const max = marked || age >= 10 ? cap.maxAged10up : cap.maxAged7to9;
          if (index + 1 > max) rate = 'unpaid';
          else if (index + 1 >= cap.reducedFrom) rate = 'reduced';
        }
        if (rate === 'full') return;
        codesOf(entry.judgement, entry.ref).push(rate === 'unpaid' ? 'WEEKLY_CAP_REACHED' : 'WEEKLY_CAP_REDUCED');
        let byRef = rates.get(entry.judgement);
        if (!byRef) rates.set(entry.judgement, (byRef = new Map()));
        byRef.set(entry.ref, rate);
      });
    }
  }

  const out = new Map<DayJudgement, WeekPayment>();
  for (const judgement of ordered) {
    const { activity } = judgement;
    const rules = ruleSetFor(activity.date ?? '');
    const cap = rules.participantCap.per === 'activity' ? rules.participantCap.max : rules.participantCap.max * judgement.validLeaders;
    const countedAnonymous = judgement.anonymous.filter((a) => a.reasons.length === 0).reduce((n, a) => n + a.group.count, 0);
    // Above the cap: anonymous participants first, then the last in the order of the vendor's person ids.
    let overCap = Math.max(0, judgement.countedParticipants - cap);
    const anonymousUnpaid = Math.min(overCap, countedAnonymous);
    overCap -= anonymousUnpaid;
    const counted = judgement.participants.filter((p) => p.reasons.length === 0).map((p) => p.participant.ref).sort(compareStrings);
    const dropped = new Set(counted.slice(counted.length - overCap));
    const activityRates = rates.get(judgement);
    let paid = countedAnonymous - anonymousUnpaid;
    let reduced = 0;
    for (const ref of counted) {
      if (dropped.has(ref)) {
        codesOf(judgement, ref).push('OVER_PARTICIPANT_CAP');
        continue;
      }
      const rate = activityRates?.get(ref) ?? 'full';
      if (rate !== 'unpaid') paid++;
      if (rate === 'reduced') reduced++;
    }
    const participantCodes = codes.get(judgement) ?? new Map<string, PaymentCode[]>();
    const all = [...participantCodes.values()].flat();
    const activityCodes: PaymentCode[] = [];
    if (judgement.countedParticipants > cap) activityCodes.push('OVER_PARTICIPANT_CAP');
    if (all.includes('WEEKLY_CAP_REDUCED')) activityCodes.push('WEEKLY_CAP_REDUCED');
    if (all.includes('WEEKLY_CAP_REACHED')) activityCodes.push('WEEKLY_CAP_REACHED');
    const amounts = amountsFor(yearOf(activity.date ?? '0000'));
    const extraLeaderSupport = judgement.validLeaders >= EXTRA_LEADER_SUPPORT_FROM;
    out.set(judgement, {
      participantCodes,
      payment: {
        paidParticipants: paid,
        reducedParticipants: reduced,
        unpaidParticipants: judgement.countedParticipants - paid,
        extraLeaderSupport,
        amountSek: round(amounts.leaderSupport + (extraLeaderSupport ? amounts.extraLeaderSupport : 0)
          + (paid - reduced) * amounts.participantSupport + reduced * amounts.reducedParticipantSupport),
        codes: activityCodes,
      },
    });
  }
  return out;
}
