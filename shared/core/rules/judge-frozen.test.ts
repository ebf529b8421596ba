import { describe, expect, it } from 'vitest';
import type { JudgedActivity } from './judge-input.js';
import {
  activity,
  activityWith,
  adult,
  anonymous,
  CLUB_A,
  CLUB_B,
  children,
  codesOf,
  isCounted,
  judge,
  leader,
  leaderLine,
  participant,
  participants,
  person,
} from './test-builders.js';

/**
 * Frozen verdicts (docs/lok-rules.md, "The application"): an activity of a period closed for its club is not judged
 * again, and the rest of its day is judged against its stored verdict as it stands.
 */
describe('frozen verdicts', () => {
  const kids = children(4);
  const coach = adult();
  const submittedA = { submitted: { [CLUB_A]: ['2024-1'] } };

  it('a frozen approved activity keeps its verdict and blocks what comes after it, as when it was judged', () => {
    const first = activity({
      club: CLUB_A,
      start: '16:00',
      end: '17:30',
      leaders: [leader(coach)],
      participants: participants(kids),
    });
    const { of: before } = judge([first]);
    const frozen: JudgedActivity = { ...first, frozen: before(first) };
    const later = activity({
      club: CLUB_B,
      start: '17:00',
      end: '18:00',
      leaders: [leader(coach)],
      participants: [...participants(kids), ...participants(children(3))],
    });
    const { of } = judge([frozen, later], submittedA);
    expect(of(frozen)).toEqual(before(first));
    for (const kid of kids)
      expect(codesOf(of(later), kid)).toEqual([
        'PARTICIPANT_OVERLAPPING_ACTIVITY',
        'PARTICIPANT_ALREADY_COUNTED_TODAY',
      ]);
    expect(leaderLine(of(later), coach)).toMatchObject({ valid: false, reasons: ['LEADER_OVERLAPPING_ACTIVITY'] });
    // Without the frozen verdict the closed activity is PERIOD_CLOSED and blocks nobody.
    const { of: unfrozen } = judge([first, later], submittedA);
    expect(unfrozen(first).reasons).toEqual(['PERIOD_CLOSED']);
    for (const kid of kids) expect(isCounted(unfrozen(later), kid)).toBe(true);
  });

  it('freezing activities with their own verdicts changes no verdict of the day, payments included', () => {
    const subject = person();
    const day = [
      activity({
        club: CLUB_A,
        start: '09:00',
        end: '10:00',
        participants: [...participants(kids), participant(subject)],
        anonymous: [anonymous(2014, 2)],
      }),
      activityWith(subject, { club: CLUB_A, start: '09:30', end: '11:00' }),
      activity({
        club: CLUB_B,
        start: '10:30',
        end: '12:00',
        participants: [...participants(kids), ...participants(children(2))],
      }),
      activity({
        club: CLUB_B,
        start: '13:00',
        end: '14:00',
        participants: [participant(subject), ...participants(children(2))],
      }),
      activity({ club: CLUB_A, date: '2024-03-13', participants: [participant(subject), ...participants(kids)] }),
    ];
    const { of: plain } = judge(day);
    const frozen = day.map((a, i) => (i < 2 || i === 4 ? { ...a, frozen: plain(a) } : a));
    const { of } = judge(frozen);
    day.forEach((a, i) => expect(of(frozen[i]!), a.id).toEqual(plain(a)));
  });

  it('a frozen rejected activity blocks nobody', () => {
    const lonely = activity({
      club: CLUB_A,
      start: '16:00',
      end: '17:00',
      leaders: [],
      participants: participants(kids),
    });
    const { of: before } = judge([lonely]);
    expect(before(lonely).verdict).toBe('rejected');
    const later = activity({ club: CLUB_B, start: '16:30', end: '17:30', participants: participants(kids) });
    const { of } = judge([{ ...lonely, frozen: before(lonely) }, later], submittedA);
    expect(of(later).verdict).toBe('approved');
  });
});
