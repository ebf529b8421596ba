import type { ActivityCode, LeaderCode, ParticipantCode, PaymentCode, WarningCode } from '../errors/codes.js';
import type { Gender } from '../format/records.js';

export interface LeaderVerdict {
  readonly ref: string;
  readonly valid: boolean;
  readonly reasons: readonly LeaderCode[];
  /**
   * With LEADER_OVERLAPPING_ACTIVITY: the earlier approved activity the leader already leads at that time — its id
   * when it is the same club's, only that it is another club's otherwise (a vendor learns nothing of other clubs).
   */
  readonly overlapsWith?: { readonly id: string } | { readonly anotherClub: true };
}

/** A participant that was not counted or carries a code (the others are counted and need no line). */
export interface ParticipantVerdict {
  readonly ref: string;
  readonly counted: boolean;
  readonly reasons: readonly (ParticipantCode | PaymentCode)[];
}

export interface AnonymousVerdict {
  readonly anonymous: { readonly birthYear: number; readonly gender: Gender };
  readonly count: number;
  readonly counted: boolean;
  readonly reasons: readonly (ParticipantCode | PaymentCode)[];
}

export interface Payment {
  readonly paidParticipants: number;
  readonly reducedParticipants: number;
  readonly unpaidParticipants: number;
  readonly extraLeaderSupport: boolean;
  readonly amountSek: number;
  readonly codes: readonly PaymentCode[];
}

export interface ActivityVerdict {
  readonly club: string;
  readonly id: string;
  readonly verdict: 'approved' | 'rejected';
  readonly reasons: readonly ActivityCode[];
  readonly countedParticipants: number;
  readonly leaders: readonly LeaderVerdict[];
  readonly participants: readonly (ParticipantVerdict | AnonymousVerdict)[];
  readonly warnings: readonly WarningCode[];
  /** Only for approved activities. */
  readonly payment?: Payment;
}
