/**
 * Grant amounts in SEK, configuration per year. Every figure is a forecast of the application, never a promise;
 * the reduced rate is unconfirmed (lok-rules.md), so it is configuration too.
 */
export interface Amounts {
  readonly leaderSupport: number;
  readonly extraLeaderSupport: number;
  readonly participantSupport: number;
  readonly reducedParticipantSupport: number;
}

/** Amounts are kept in whole öre. */
export function roundSek(amount: number): number {
  return Math.round(amount * 100) / 100;
}

export const DEFAULT_AMOUNTS: Amounts = {
  leaderSupport: 21,
  extraLeaderSupport: 5,
  participantSupport: 7.86,
  reducedParticipantSupport: 3.93,
};

export type AmountsByYear = (year: number) => Amounts;

export const defaultAmountsByYear: AmountsByYear = () => DEFAULT_AMOUNTS;
