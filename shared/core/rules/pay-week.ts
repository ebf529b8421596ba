import { yearOf } from '../calendar/dates.js';
import type { PaymentCode } from '../errors/codes.js';
import type { AmountsByYear } from './amounts.js';
import { orNone } from './empty-list.js';
import { sameSportKey, type DayJudgement } from './judge-day.js';
import type { JudgeContext, JudgedParticipant, JudgedPerson } from './judge-input.js';
import { compareActivities, compareStrings } from './ordering.js';
import { EXTRA_LEADER_SUPPORT_FROM, ruleSetFor } from './rule-sets.js';
import type { Payment } from './verdict.js';

export interface WeekPayment {
  readonly payment: Payment;
  /** Person ref → payment codes of that counted participant (only those that have any). */
  readonly participantCodes: ReadonlyMap<string, readonly PaymentCode[]>;
}

/** One person's counted activities in one sport this week. */
interface Series {
  readonly sport: string;
  counted: number;
  marked: boolean;
  seen: number;
  /** The same person's series in another sport this week. */
  readonly next: Series | undefined;
}

function round(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/**
 * Payments of the approved activities of one ISO week (every club). Never changes a verdict: the weekly cap
 * per person and sport, and the participant cap per activity, only reduce the amount.
 */
export function payWeek(approved: readonly DayJudgement[], context: JudgeContext, amountsFor: AmountsByYear): Map<DayJudgement, WeekPayment> {
  const ordered = [...approved].sort((a, b) => compareActivities(a.activity, b.activity));

  // First the whole week: a person's counted activities per sport, and whether a disability mark on any of them
  // raises the limit on all. Each counted participation remembers its series, so the second pass looks nothing up.
  const series = new Map<JudgedPerson, Series>();
  const seriesOfParticipants = new Map<DayJudgement, (Series | undefined)[]>();
  for (const judgement of ordered) {
    const sport = sameSportKey(judgement.activity.sport);
    const everyone = context.club(judgement.activity.club).countsEveryoneAsDisabled;
    const { participants, participantReasons } = judgement;
    const slots: (Series | undefined)[] = new Array(participants.length);
    for (let i = 0; i < participants.length; i++) {
      if (participantReasons[i]!.length > 0) continue;
      const participant = participants[i]!;
      // A person has one sport in a week, rarely a few: a chain per person, not a map per person.
      let one = series.get(participant.person);
      while (one && one.sport !== sport) one = one.next;
      if (!one) {
        one = { sport, counted: 0, marked: false, seen: 0, next: series.get(participant.person) };
        series.set(participant.person, one);
      }
      one.counted++;
      one.marked ||= participant.disability || everyone;
      slots[i] = one;
    }
    seriesOfParticipants.set(judgement, slots);
  }

  const out = new Map<DayJudgement, WeekPayment>();
  for (const judgement of ordered) {
    const { activity } = judgement;
    const date = activity.date ?? '';
    const rules = ruleSetFor(date);
    const codes = new Map<string, PaymentCode[]>();
    const codeFor = (ref: string, code: PaymentCode): void => {
      const list = codes.get(ref);
      if (list) list.push(code);
      else codes.set(ref, [code]);
    };

    // Weekly cap: the n-th counted activity of a person in a sport this week, in the ordering.
    const unpaid = new Set<string>();
    const reduced = new Set<string>();
    const slots = seriesOfParticipants.get(judgement)!;
    const counted: JudgedParticipant[] = [];
    for (let i = 0; i < slots.length; i++) {
      const one = slots[i];
      if (!one) continue;
      const { person, ref } = judgement.participants[i]!;
      counted.push(judgement.participants[i]!);
      const n = ++one.seen;
      const cap = rules.weeklyCap;
      if (!cap) continue;
      const age = person.birthDate === undefined ? 0 : yearOf(date) - yearOf(person.birthDate);
      const max = one.marked || age >= 10 ? cap.maxAged10up : cap.maxAged7to9;
      if (n > max) {
        unpaid.add(ref);
        codeFor(ref, 'WEEKLY_CAP_REACHED');
      } else if (n >= cap.reducedFrom) {
        reduced.add(ref);
        codeFor(ref, 'WEEKLY_CAP_REDUCED');
      }
    }

    // Participant cap: above it, anonymous participants first, then the last in the order of the vendor's ids.
    const cap = rules.participantCap.per === 'activity' ? rules.participantCap.max : rules.participantCap.max * judgement.validLeaders;
    let overCap = Math.max(0, judgement.countedParticipants - cap);
    const anonymousUnpaid = Math.min(overCap, judgement.countedAnonymous);
    overCap -= anonymousUnpaid;
    const refs = counted.map((p) => p.ref);
    if (overCap > 0) refs.sort(compareStrings);
    const dropped = new Set(refs.slice(refs.length - overCap));
    let paid = judgement.countedAnonymous - anonymousUnpaid;
    let paidReduced = 0;
    for (const ref of refs) {
      if (dropped.has(ref)) codeFor(ref, 'OVER_PARTICIPANT_CAP');
      else if (!unpaid.has(ref)) {
        paid++;
        if (reduced.has(ref)) paidReduced++;
      }
    }

    const activityCodes: PaymentCode[] = [];
    if (judgement.countedParticipants > cap) activityCodes.push('OVER_PARTICIPANT_CAP');
    if (reduced.size > 0) activityCodes.push('WEEKLY_CAP_REDUCED');
    if (unpaid.size > 0) activityCodes.push('WEEKLY_CAP_REACHED');
    const amounts = amountsFor(yearOf(activity.date ?? '0000'));
    const extraLeaderSupport = judgement.validLeaders >= EXTRA_LEADER_SUPPORT_FROM;
    out.set(judgement, {
      participantCodes: codes,
      payment: {
        paidParticipants: paid,
        reducedParticipants: paidReduced,
        unpaidParticipants: judgement.countedParticipants - paid,
        extraLeaderSupport,
        amountSek: round(amounts.leaderSupport + (extraLeaderSupport ? amounts.extraLeaderSupport : 0)
          + (paid - paidReduced) * amounts.participantSupport + paidReduced * amounts.reducedParticipantSupport),
        codes: orNone(activityCodes),
      },
    });
  }
  return out;
}
