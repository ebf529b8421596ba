import { yearOf } from '../calendar/dates.js';
import type { PaymentCode } from '../errors/codes.js';
import { roundSek, type AmountsByYear } from './amounts.js';
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
  marked: boolean;
  seen: number;
  /** The same person's series in another sport this week. */
  readonly next: Series | undefined;
}

type Rate = 'full' | 'reduced' | 'unpaid';

const NO_CODES: ReadonlyMap<string, readonly PaymentCode[]> = new Map();

/**
 * Payments of the approved activities of one ISO week (every club). Never changes a verdict: the weekly cap
 * per person and sport, and the participant cap per activity, only reduce the amount.
 */
export function payWeek(
  approved: readonly DayJudgement[],
  context: JudgeContext,
  amountsFor: AmountsByYear,
): Map<DayJudgement, WeekPayment> {
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
        one = { sport, marked: false, seen: 0, next: series.get(participant.person) };
        series.set(participant.person, one);
      }
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
    // Made only when a participant gets a code: most activities have none, and a week has thousands.
    let codes: Map<string, PaymentCode[]> | undefined;
    const codeFor = (ref: string, code: PaymentCode): void => {
      codes ??= new Map();
      const list = codes.get(ref);
      if (list) list.push(code);
      else codes.set(ref, [code]);
    };

    // Weekly cap: the n-th counted activity of a person in a sport this week, in the ordering.
    const slots = seriesOfParticipants.get(judgement)!;
    const counted: JudgedParticipant[] = [];
    const rates: Rate[] = [];
    let reducedCount = 0;
    let unpaidCount = 0;
    for (let i = 0; i < slots.length; i++) {
      const one = slots[i];
      if (!one) continue;
      const participant = judgement.participants[i]!;
      const n = ++one.seen;
      const cap = rules.weeklyCap;
      let rate: Rate = 'full';
      if (cap) {
        const { birthDate } = participant.person;
        const age = birthDate === undefined ? 0 : yearOf(date) - yearOf(birthDate);
        const max = one.marked || age >= 10 ? cap.maxAged10up : cap.maxAged7to9;
        if (n > max) rate = 'unpaid';
        else if (n >= cap.reducedFrom) rate = 'reduced';
      }
      if (rate === 'unpaid') {
        unpaidCount++;
        codeFor(participant.ref, 'WEEKLY_CAP_REACHED');
      } else if (rate === 'reduced') {
        reducedCount++;
        codeFor(participant.ref, 'WEEKLY_CAP_REDUCED');
      }
      counted.push(participant);
      rates.push(rate);
    }

    // Participant cap: above it, anonymous participants first, then the last in the order of the vendor's ids.
    const cap =
      rules.participantCap.per === 'activity'
        ? rules.participantCap.max
        : rules.participantCap.max * judgement.validLeaders;
    let overCap = Math.max(0, judgement.countedParticipants - cap);
    const anonymousUnpaid = Math.min(overCap, judgement.countedAnonymous);
    overCap -= anonymousUnpaid;
    let dropped: Set<string> | undefined;
    if (overCap > 0) {
      const refs = counted.map((p) => p.ref).sort(compareStrings);
      dropped = new Set(refs.slice(refs.length - overCap));
    }
    let paid = judgement.countedAnonymous - anonymousUnpaid;
    let paidReduced = 0;
    counted.forEach(({ ref }, i) => {
      if (dropped?.has(ref)) codeFor(ref, 'OVER_PARTICIPANT_CAP');
      else if (rates[i] !== 'unpaid') {
        paid++;
        if (rates[i] === 'reduced') paidReduced++;
      }
    });

    const activityCodes: PaymentCode[] = [];
    if (judgement.countedParticipants > cap) activityCodes.push('OVER_PARTICIPANT_CAP');
    if (reducedCount > 0) activityCodes.push('WEEKLY_CAP_REDUCED');
    if (unpaidCount > 0) activityCodes.push('WEEKLY_CAP_REACHED');
    const amounts = amountsFor(yearOf(activity.date ?? '0000'));
    const extraLeaderSupport = judgement.validLeaders >= EXTRA_LEADER_SUPPORT_FROM;
    out.set(judgement, {
      participantCodes: codes ?? NO_CODES,
      payment: {
        paidParticipants: paid,
        reducedParticipants: paidReduced,
        unpaidParticipants: judgement.countedParticipants - paid,
        extraLeaderSupport,
        amountSek: roundSek(
          amounts.leaderSupport +
            (extraLeaderSupport ? amounts.extraLeaderSupport : 0) +
            (paid - paidReduced) * amounts.participantSupport +
            paidReduced * amounts.reducedParticipantSupport,
        ),
        codes: orNone(activityCodes),
      },
    });
  }
  return out;
}
