/**
 * The LOK rule sets, chosen by the activity's date (never by the day it is judged). Every number of the
 * rules lives here, so that a clarification from RF is one edit. See ../../../docs/lok-rules.md.
 */
export interface RuleSet {
  readonly id: string;
  /** First activity date the set applies to, `YYYY-MM-DD`. */
  readonly validFrom: string;
  /** End − Start in minutes must be at least this. */
  readonly minimumMinutes: number;
  /** A drop-in activity fails NO_COMMON_START_END. */
  readonly commonStartEndRequired: boolean;
  /** Counted participants above this are not paid. */
  readonly participantCap: { readonly per: 'activity' | 'valid-leader'; readonly max: number };
  /** Per person, sport and ISO week; null when the set has no weekly cap. */
  readonly weeklyCap: null | {
    /** The n-th counted activity from this one on is paid at the reduced rate. */
    readonly reducedFrom: number;
    /** Counted activities beyond this are not paid, by age in the activity's calendar year. */
    readonly maxAged7to9: number;
    readonly maxAged10up: number;
  };
}

export const RULE_SETS: readonly RuleSet[] = [
  {
    id: 'lok-before-2022',
    validFrom: '0000-01-01',
    minimumMinutes: 60,
    commonStartEndRequired: true,
    participantCap: { per: 'activity', max: 30 },
    weeklyCap: null,
  },
  {
    id: 'lok-2022',
    validFrom: '2022-01-01',
    minimumMinutes: 60,
    commonStartEndRequired: true,
    participantCap: { per: 'activity', max: 30 },
    weeklyCap: { reducedFrom: 3, maxAged7to9: 3, maxAged10up: 5 },
  },
  {
    id: 'lok-2023-07',
    validFrom: '2023-07-01',
    minimumMinutes: 45,
    commonStartEndRequired: false,
    participantCap: { per: 'valid-leader', max: 20 },
    weeklyCap: { reducedFrom: 3, maxAged7to9: 3, maxAged10up: 5 },
  },
];

export function ruleSetFor(date: string): RuleSet {
  let chosen = RULE_SETS[0]!;
  for (const set of RULE_SETS) if (date >= set.validFrom) chosen = set;
  return chosen;
}

/** Participant age limits, by `activityYear − birthYear`. */
export const PARTICIPANT_AGE = { min: 7, max: 25 } as const;
/** A leader must have turned this old on the activity date (exact birth date). */
export const LEADER_MIN_AGE = 13;
/** An activity needs at least this many counted participants. */
export const MIN_COUNTED_PARTICIPANTS = 3;
/** An activity with at least this many valid leaders earns extra ledarstöd. */
export const EXTRA_LEADER_SUPPORT_FROM = 2;
