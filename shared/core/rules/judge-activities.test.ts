import { describe, expect, it } from 'vitest';
import { ACTIVITY_CODES, type ActivityCode } from '../errors/codes.js';
import { judgeActivities, weekOf } from './judge-activities.js';
import { activityKey } from './judge-input.js';
import { ruleSetFor } from './rule-sets.js';
import {
  activity,
  activityWith,
  adult,
  ALWAYS,
  anonymous,
  anonymousLines,
  CLUB_A,
  CLUB_B,
  children,
  codesOf,
  context,
  isCounted,
  judge,
  judgeOne,
  leader,
  leaderLine,
  participant,
  participantLine,
  participants,
  person,
} from './test-builders.js';

describe('rule sets by activity date', () => {
  it.each([
    ['2021-12-31', 'lok-before-2022'],
    ['2022-01-01', 'lok-2022'],
    ['2023-06-30', 'lok-2022'],
    ['2023-07-01', 'lok-2023-07'],
  ])('%s is judged by %s', (date, id) => {
    expect(ruleSetFor(date).id).toBe(id);
  });
});

describe('length', () => {
  it.each([
    // date, start, end, too short?
    ['2023-07-01', '17:00', '17:45', false],
    ['2023-07-01', '17:00', '17:44', true],
    ['2024-03-12', '09:15', '10:00', false],
    ['2023-06-30', '17:00', '18:00', false],
    ['2023-06-30', '17:00', '17:59', true],
    ['2023-06-30', '17:00', '17:45', true],
    ['2022-01-01', '17:00', '17:59', true],
    ['2021-12-31', '17:00', '18:00', false],
    ['2021-12-31', '17:00', '17:59', true],
  ])('%s %s–%s: TOO_SHORT %s', (date, start, end, tooShort) => {
    const verdict = judgeOne(activity({ date, start, end }));
    expect(verdict.reasons).toEqual(tooShort ? ['TOO_SHORT'] : []);
    expect(verdict.verdict).toBe(tooShort ? 'rejected' : 'approved');
  });

  it.each([
    ['end equals start', '17:00', '17:00'],
    ['end before start', '18:00', '17:00'],
    ['spans midnight', '23:30', '00:30'],
  ])('%s: INVALID_TIME_RANGE and no TOO_SHORT', (_name, start, end) => {
    const verdict = judgeOne(activity({ start, end }));
    expect(verdict.reasons).toEqual(['INVALID_TIME_RANGE']);
    expect(verdict.verdict).toBe('rejected');
  });
});

describe('MISSING_REQUIRED_DATA', () => {
  it.each(['start', 'end', 'sport', 'place'] as const)('missing %s', (field) => {
    const verdict = judgeOne(activity({ [field]: undefined }));
    expect(verdict.reasons).toEqual(['MISSING_REQUIRED_DATA']);
    expect(verdict.verdict).toBe('rejected');
    expect(verdict.payment).toBeUndefined();
  });

  it('missing date', () => {
    const verdict = judgeOne(activity({ date: undefined, anonymous: [anonymous(2012, 2, 'F')] }));
    expect(verdict.verdict).toBe('rejected');
    expect(verdict.reasons[0]).toBe('MISSING_REQUIRED_DATA');
    // The spec is silent on an undated activity's people. The engine judges no age or membership without a date:
    // nobody is counted and no leader is valid (without leader codes), so these two codes follow.
    expect(verdict.countedParticipants).toBe(0);
    expect(verdict.reasons).toEqual(['MISSING_REQUIRED_DATA', 'NO_VALID_LEADER', 'TOO_FEW_PARTICIPANTS']);
    // The receipt lists every participant who was not counted: here, all of them.
    expect(verdict.participants.length).toBeGreaterThan(0);
    expect(verdict.participants.every((p) => !p.counted && p.reasons.length === 0)).toBe(true);
    expect(verdict.participants).toContainEqual({
      anonymous: { birthYear: 2012, gender: 'F' },
      count: 2,
      counted: false,
      reasons: [],
    });
  });

  it('a free-text place is enough', () => {
    expect(judgeOne(activity({ place: 'bakom skolan, vid gamla eken' })).verdict).toBe('approved');
  });
});

describe('NO_COMMON_START_END', () => {
  it.each([
    ['2021-12-31', true],
    ['2023-06-30', true],
    ['2023-07-01', false],
    ['2024-03-12', false],
  ])('drop-in on %s: rejected %s', (date, rejected) => {
    const verdict = judgeOne(activity({ date, dropIn: true }));
    expect(verdict.reasons).toEqual(rejected ? ['NO_COMMON_START_END'] : []);
  });

  it('not drop-in before 2023-07-01 passes', () => {
    expect(judgeOne(activity({ date: '2023-06-30', dropIn: false })).reasons).toEqual([]);
  });
});

describe('participant age (activity year − birth year)', () => {
  it.each([
    // birth date, disability on this activity, expected codes
    ['2017-12-31', false, []],
    ['2017-01-01', false, []],
    ['2018-01-01', false, ['PARTICIPANT_TOO_YOUNG']],
    ['1999-01-01', false, []],
    ['1999-12-31', false, []],
    ['1998-12-31', false, ['PARTICIPANT_TOO_OLD']],
    ['1998-12-31', true, []],
    ['1950-06-01', true, []],
    ['2018-06-01', true, ['PARTICIPANT_TOO_YOUNG']],
  ])('born %s (disability %s) on 2024-03-12: %j', (birthDate, disability, codes) => {
    const subject = person({ birthDate });
    const a = activity({ participants: [...participants(children(3)), participant(subject, { disability })] });
    const verdict = judgeOne(a);
    expect(verdict.verdict).toBe('approved');
    expect(codesOf(verdict, subject)).toEqual(codes);
    expect(isCounted(verdict, subject)).toBe(codes.length === 0);
    expect(verdict.countedParticipants).toBe(codes.length === 0 ? 4 : 3);
  });

  it('the disability marking counts only on the activity it is given on', () => {
    const subject = person({ birthDate: '1990-01-01' });
    const marked = activity({
      start: '10:00',
      end: '11:00',
      participants: [...participants(children(3)), participant(subject, { disability: true })],
    });
    const unmarked = activityWith(subject, { start: '12:00', end: '13:00', sport: 'innebandy' });
    const { of } = judge([marked, unmarked]);
    expect(codesOf(of(marked), subject)).toEqual([]);
    expect(codesOf(of(unmarked), subject)).toEqual(['PARTICIPANT_TOO_OLD']);
  });

  it('a parasport or deaf-sport club counts every participant as marked', () => {
    const subject = person({ birthDate: '1960-01-01' });
    const a = activityWith(subject);
    expect(codesOf(judgeOne(a), subject)).toEqual(['PARTICIPANT_TOO_OLD']);
    expect(codesOf(judgeOne(a, { everyoneDisabled: [CLUB_A] }), subject)).toEqual([]);
    expect(codesOf(judgeOne(a, { everyoneDisabled: [CLUB_B] }), subject)).toEqual(['PARTICIPANT_TOO_OLD']);
  });

  it.each([
    [2017, [], 2],
    [2018, ['PARTICIPANT_TOO_YOUNG'], 0],
    [1999, [], 2],
    [1998, ['PARTICIPANT_TOO_OLD'], 0],
  ])('anonymous participants born %i are judged on birth year: %j', (birthYear, codes, counted) => {
    const a = activity({ anonymous: [anonymous(birthYear, 2)] });
    const verdict = judgeOne(a);
    expect(verdict.countedParticipants).toBe(3 + counted);
    const lines = anonymousLines(verdict);
    if (codes.length === 0) expect(lines).toEqual([]);
    else expect(lines).toEqual([{ anonymous: { birthYear, gender: 'F' }, count: 2, counted: false, reasons: codes }]);
  });

  it('anonymous participants of a parasport club have no upper age limit', () => {
    const a = activity({ anonymous: [anonymous(1960, 1)] });
    expect(judgeOne(a, { everyoneDisabled: [CLUB_A] }).countedParticipants).toBe(4);
  });

  it('anonymous participants are taken as members and count towards the 3', () => {
    const verdict = judgeOne(
      activity({ tryOut: false, participants: [], anonymous: [anonymous(2012, 2), anonymous(2010, 1, 'M')] }),
    );
    expect(verdict.verdict).toBe('approved');
    expect(verdict.countedParticipants).toBe(3);
    expect(verdict.participants).toEqual([]);
  });
});

describe('leaders', () => {
  it.each([
    ['2010-07-01', true],
    ['2010-06-30', true],
    ['2010-07-02', false],
    ['2012-01-01', false],
  ])('leader born %s on 2023-07-01 is valid: %s', (birthDate, valid) => {
    const lead = adult({ birthDate });
    const verdict = judgeOne(activity({ date: '2023-07-01', leaders: [leader(lead)] }));
    expect(leaderLine(verdict, lead)).toEqual({ valid, reasons: valid ? [] : ['LEADER_TOO_YOUNG'] });
    expect(verdict.reasons).toEqual(valid ? [] : ['NO_VALID_LEADER']);
  });

  it('a leader born on 29 Feb turns 13 on 1 Mar in a common year', () => {
    const lead = adult({ birthDate: '2012-02-29' });
    expect(leaderLine(judgeOne(activity({ date: '2025-02-28', leaders: [leader(lead)] })), lead).valid).toBe(false);
    expect(leaderLine(judgeOne(activity({ date: '2025-03-01', leaders: [leader(lead)] })), lead).valid).toBe(true);
  });

  it('NO_LEADER when none is registered, NO_VALID_LEADER when none is valid', () => {
    expect(judgeOne(activity({ leaders: [] })).reasons).toEqual(['NO_LEADER']);
    const young = adult({ birthDate: '2015-01-01' });
    const verdict = judgeOne(activity({ leaders: [leader(young)] }));
    expect(verdict.reasons).toEqual(['NO_VALID_LEADER']);
    expect(verdict.leaders).toEqual([{ ref: young.key, valid: false, reasons: ['LEADER_TOO_YOUNG'] }]);
  });

  it('an invalid leader does not reject the activity when another is valid', () => {
    const good = adult();
    const young = adult({ birthDate: '2015-01-01' });
    const verdict = judgeOne(activity({ leaders: [leader(young), leader(good)] }));
    expect(verdict.verdict).toBe('approved');
    expect(leaderLine(verdict, good)).toEqual({ valid: true, reasons: [] });
    expect(leaderLine(verdict, young)).toEqual({ valid: false, reasons: ['LEADER_TOO_YOUNG'] });
  });

  it.each([
    ['member of the other club only', { [CLUB_B]: [{ from: '2000-01-01' }] }, false],
    ['no memberships', {}, false],
    ['membership starting the day after', { [CLUB_A]: [{ from: '2024-03-13' }] }, false],
    ['membership ending the day before', { [CLUB_A]: [{ from: '2020-01-01', to: '2024-03-11' }] }, false],
    ['membership of exactly that day', { [CLUB_A]: [{ from: '2024-03-12', to: '2024-03-12' }] }, true],
  ])('LEADER_NOT_MEMBER: %s', (_name, memberships, valid) => {
    const lead = adult({ memberships });
    const verdict = judgeOne(activity({ leaders: [leader(lead)] }));
    expect(leaderLine(verdict, lead)).toEqual({ valid, reasons: valid ? [] : ['LEADER_NOT_MEMBER'] });
  });

  it('a try-out does not waive the leader membership', () => {
    const lead = adult({ memberships: {} });
    const verdict = judgeOne(activity({ tryOut: true, leaders: [leader(lead)] }));
    expect(leaderLine(verdict, lead).reasons).toEqual(['LEADER_NOT_MEMBER']);
    expect(verdict.reasons).toEqual(['NO_VALID_LEADER']);
  });

  it('LEADER_IDENTITY_MISSING when no birth date is known', () => {
    const lead = person({ identity: 'none' });
    const verdict = judgeOne(activity({ leaders: [leader(lead)] }));
    expect(leaderLine(verdict, lead)).toEqual({ valid: false, reasons: ['LEADER_IDENTITY_MISSING'] });
    expect(verdict.reasons).toEqual(['NO_VALID_LEADER']);
  });

  it('a leader known by birth date only (no personnummer) is judged on it', () => {
    const lead = adult({ identity: 'swedish-without-personnummer' });
    expect(leaderLine(judgeOne(activity({ leaders: [leader(lead)] })), lead).valid).toBe(true);
  });

  it('a leader without a birth date who is not a member gets both codes', () => {
    const lead = person({ identity: 'none', memberships: {} });
    // The spec asks for every code; it does not fix their order within a leader.
    expect([...leaderLine(judgeOne(activity({ leaders: [leader(lead)] })), lead).reasons].sort()).toEqual([
      'LEADER_IDENTITY_MISSING',
      'LEADER_NOT_MEMBER',
    ]);
  });

  it('a leader can carry several codes at once', () => {
    const lead = adult({ birthDate: '2015-01-01', memberships: {} });
    expect(leaderLine(judgeOne(activity({ leaders: [leader(lead)] })), lead).reasons).toEqual([
      'LEADER_TOO_YOUNG',
      'LEADER_NOT_MEMBER',
    ]);
  });

  describe('LEADER_OVERLAPPING_ACTIVITY', () => {
    const busy = adult();

    it.each([
      ['overlapping, other club', CLUB_B, '16:30', '17:30', true],
      ['overlapping, same club', CLUB_A, '16:30', '17:30', true],
      ['one minute overlap', CLUB_B, '16:00', '17:01', true],
      ['ends when the other starts', CLUB_B, '16:00', '17:00', false],
      ['starts when the other ends', CLUB_B, '18:00', '19:00', false],
    ])('%s', (_name, club, start, end, blocked) => {
      const earlier = activity({ club, start, end, leaders: [leader(busy)] });
      const later = activity({ club: CLUB_A, start: '17:00', end: '18:00', leaders: [leader(busy)] });
      const first = start < '17:00' ? earlier : later;
      const second = first === earlier ? later : earlier;
      const { of } = judge([later, earlier]);
      expect(of(first).verdict).toBe('approved');
      expect(leaderLine(of(second), busy)).toEqual({
        valid: !blocked,
        reasons: blocked ? ['LEADER_OVERLAPPING_ACTIVITY'] : [],
      });
      expect(of(second).reasons).toEqual(blocked ? ['NO_VALID_LEADER'] : []);
      // It names the activity it overlaps when that is the same club's, and only that there is one otherwise.
      const named = first.club === second.club ? { id: first.id } : { anotherClub: true };
      expect(of(second).leaders.find((l) => l.ref === busy.key)?.overlapsWith).toEqual(blocked ? named : undefined);
    });

    it('is not blocked by an earlier rejected activity', () => {
      const earlier = activity({ club: CLUB_B, start: '16:30', end: '17:30', remote: true, leaders: [leader(busy)] });
      const later = activity({ start: '17:00', end: '18:00', leaders: [leader(busy)] });
      const { of } = judge([earlier, later]);
      expect(of(earlier).reasons).toEqual(['REMOTE_ACTIVITY']);
      expect(leaderLine(of(later), busy)).toEqual({ valid: true, reasons: [] });
    });

    it('is not blocked by an earlier approved activity where the leader was not valid', () => {
      const notMemberOfB = adult({ memberships: { [CLUB_A]: [{ from: '2000-01-01' }] } });
      const earlier = activity({
        club: CLUB_B,
        start: '16:30',
        end: '17:30',
        leaders: [leader(notMemberOfB), leader(adult())],
      });
      const later = activity({ start: '17:00', end: '18:00', leaders: [leader(notMemberOfB)] });
      const { of } = judge([later, earlier]);
      expect(of(earlier).verdict).toBe('approved');
      expect(leaderLine(of(earlier), notMemberOfB).reasons).toEqual(['LEADER_NOT_MEMBER']);
      expect(leaderLine(of(later), notMemberOfB)).toEqual({ valid: true, reasons: [] });
      expect(of(later).verdict).toBe('approved');
    });

    it('is not blocked on another day', () => {
      const monday = activity({ date: '2024-03-11', leaders: [leader(busy)] });
      const tuesday = activity({ date: '2024-03-12', leaders: [leader(busy)] });
      const { of } = judge([tuesday, monday]);
      expect(of(monday).verdict).toBe('approved');
      expect(of(tuesday).verdict).toBe('approved');
    });
  });
});

describe('participants', () => {
  const date = '2024-03-12';

  it.each([
    ['open-ended from the day', true, [{ from: date }]],
    ['from the day after', false, [{ from: '2024-03-13' }]],
    ['to the day', true, [{ from: '2023-01-01', to: date }]],
    ['to the day before', false, [{ from: '2023-01-01', to: '2024-03-11' }]],
    ['exactly that day', true, [{ from: date, to: date }]],
    ['a gap around the day', false, [{ from: '2023-01-01', to: '2024-03-01' }, { from: '2024-03-20' }]],
    ['the second of two memberships', true, [{ from: '2023-01-01', to: '2024-03-01' }, { from: '2024-03-10' }]],
  ] as const)('membership %s: counted %s', (_name, counted, clubMemberships) => {
    const subject = person({ memberships: { [CLUB_A]: clubMemberships } });
    const a = activityWith(subject, { date });
    const verdict = judgeOne(a);
    expect(codesOf(verdict, subject)).toEqual(counted ? [] : ['PARTICIPANT_NOT_MEMBER']);
    expect(isCounted(verdict, subject)).toBe(counted);
  });

  it('a membership of another club does not count', () => {
    const subject = person({ memberships: { [CLUB_B]: [{ from: '2000-01-01' }] } });
    const a = activityWith(subject);
    expect(codesOf(judgeOne(a), subject)).toEqual(['PARTICIPANT_NOT_MEMBER']);
  });

  it('a try-out (prova-på) counts non-members', () => {
    const nonMembers = children(3, { memberships: {} });
    const plain = activity({ participants: participants(nonMembers) });
    const tryOut = { ...plain, tryOut: true };
    const plainVerdict = judgeOne(plain);
    expect(plainVerdict.reasons).toEqual(['TOO_FEW_PARTICIPANTS']);
    expect(plainVerdict.participants.map((p) => p.reasons)).toEqual(nonMembers.map(() => ['PARTICIPANT_NOT_MEMBER']));
    const tryOutVerdict = judgeOne(tryOut);
    expect(tryOutVerdict.verdict).toBe('approved');
    expect(tryOutVerdict.countedParticipants).toBe(3);
    expect(tryOutVerdict.participants).toEqual([]);
  });

  it.each([
    ['personnummer', [], true],
    ['foreign', [], true],
    ['swedish-without-personnummer', ['PARTICIPANT_INCOMPLETE_PERSONNUMMER'], false],
    ['none', ['PARTICIPANT_IDENTITY_MISSING'], false],
  ] as const)('identity %s: %j', (identity, codes, counted) => {
    const subject = person({ identity });
    const a = activityWith(subject);
    const verdict = judgeOne(a);
    expect(codesOf(verdict, subject)).toEqual(codes);
    expect(isCounted(verdict, subject)).toBe(counted);
  });

  it('PARTICIPANT_IS_LEADER for a valid and for an invalid leader of the same activity', () => {
    const valid = adult({ birthDate: '2005-01-01' });
    const invalid = adult({ birthDate: '2012-06-01' });
    const a = activity({
      leaders: [leader(valid), leader(invalid)],
      participants: [...participants(children(3)), participant(valid), participant(invalid)],
    });
    const verdict = judgeOne(a);
    expect(verdict.verdict).toBe('approved');
    expect(leaderLine(verdict, valid).valid).toBe(true);
    expect(leaderLine(verdict, invalid).reasons).toEqual(['LEADER_TOO_YOUNG']);
    expect(codesOf(verdict, valid)).toEqual(['PARTICIPANT_IS_LEADER']);
    expect(codesOf(verdict, invalid)).toEqual(['PARTICIPANT_IS_LEADER']);
    expect(verdict.countedParticipants).toBe(3);
  });

  it('a person is the same person under different refs (identity of the register person)', () => {
    const both = adult({ birthDate: '2005-01-01' });
    const a = activity({
      leaders: [leader(both, 'L-1')],
      participants: [...participants(children(3)), participant(both, { ref: 'P-1' })],
    });
    expect(codesOf(judgeOne(a), 'P-1')).toEqual(['PARTICIPANT_IS_LEADER']);
  });

  it('a participant can carry every code that applies', () => {
    const subject = person({ identity: 'swedish-without-personnummer', birthDate: '1990-01-01', memberships: {} });
    const a = activityWith(subject, { leaders: [leader(adult()), leader(subject)] });
    // The spec asks for every code; it does not fix their order within a participant.
    expect([...codesOf(judgeOne(a), subject)].sort()).toEqual([
      'PARTICIPANT_INCOMPLETE_PERSONNUMMER',
      'PARTICIPANT_IS_LEADER',
      'PARTICIPANT_NOT_MEMBER',
      'PARTICIPANT_TOO_OLD',
    ]);
  });

  it('lists every not-counted participant with all its codes, sorted by ref', () => {
    const old = person({ birthDate: '1990-01-01', memberships: {}, key: 'b-old' });
    const young = person({ birthDate: '2020-01-01', key: 'a-young' });
    const a = activity({ participants: [participant(old), participant(young), ...participants(children(3))] });
    const verdict = judgeOne(a);
    expect(verdict.participants).toEqual([
      { ref: 'a-young', counted: false, reasons: ['PARTICIPANT_TOO_YOUNG'] },
      { ref: 'b-old', counted: false, reasons: ['PARTICIPANT_TOO_OLD', 'PARTICIPANT_NOT_MEMBER'] },
    ]);
  });
});

describe('overlap and once a day', () => {
  /** [club, date, start, end, sport] */
  type Side = readonly [string, string, string, string, string];
  type Case = readonly [name: string, first: Side, second: Side, codes: readonly string[]];
  const cases: Case[] = [
    [
      'adjacent, other sport',
      [CLUB_A, '2024-03-12', '17:00', '18:00', 'fotboll'],
      [CLUB_A, '2024-03-12', '18:00', '19:00', 'innebandy'],
      [],
    ],
    [
      'one minute overlap, other sport',
      [CLUB_A, '2024-03-12', '17:00', '18:01', 'fotboll'],
      [CLUB_A, '2024-03-12', '18:00', '19:00', 'innebandy'],
      ['PARTICIPANT_OVERLAPPING_ACTIVITY'],
    ],
    [
      'same times, other sport, other club',
      [CLUB_A, '2024-03-12', '17:00', '18:00', 'fotboll'],
      [CLUB_B, '2024-03-12', '17:00', '18:00', 'innebandy'],
      ['PARTICIPANT_OVERLAPPING_ACTIVITY'],
    ],
    [
      'adjacent, same sport',
      [CLUB_A, '2024-03-12', '17:00', '18:00', 'fotboll'],
      [CLUB_A, '2024-03-12', '18:00', '19:00', 'fotboll'],
      ['PARTICIPANT_ALREADY_COUNTED_TODAY'],
    ],
    [
      'morning and evening, same sport, other club',
      [CLUB_B, '2024-03-12', '09:00', '10:00', 'fotboll'],
      [CLUB_A, '2024-03-12', '19:00', '20:00', 'fotboll'],
      ['PARTICIPANT_ALREADY_COUNTED_TODAY'],
    ],
    [
      'overlapping, same sport, other club',
      [CLUB_B, '2024-03-12', '17:00', '18:01', 'fotboll'],
      [CLUB_A, '2024-03-12', '18:00', '19:00', 'fotboll'],
      ['PARTICIPANT_OVERLAPPING_ACTIVITY', 'PARTICIPANT_ALREADY_COUNTED_TODAY'],
    ],
    [
      'same sport, next day',
      [CLUB_A, '2024-03-12', '17:00', '18:00', 'fotboll'],
      [CLUB_A, '2024-03-13', '17:00', '18:00', 'fotboll'],
      [],
    ],
    [
      'overlapping across midnight of two days',
      [CLUB_A, '2024-03-12', '22:00', '23:59', 'fotboll'],
      [CLUB_A, '2024-03-13', '00:00', '01:00', 'innebandy'],
      [],
    ],
    [
      'same sport, other case and spacing',
      [CLUB_A, '2024-03-12', '17:00', '18:00', 'Fotboll'],
      [CLUB_A, '2024-03-12', '18:00', '19:00', ' fotboll'],
      ['PARTICIPANT_ALREADY_COUNTED_TODAY'],
    ],
  ];

  it.each(cases)('%s', (_name, [club1, date1, start1, end1, sport1], [club2, date2, start2, end2, sport2], codes) => {
    const subject = person();
    const first = activityWith(subject, { club: club1, date: date1, start: start1, end: end1, sport: sport1 });
    const second = activityWith(subject, { club: club2, date: date2, start: start2, end: end2, sport: sport2 });
    const { of } = judge([second, first]);
    expect(of(first).verdict).toBe('approved');
    expect(isCounted(of(first), subject)).toBe(true);
    expect(of(second).verdict).toBe('approved');
    expect(codesOf(of(second), subject)).toEqual(codes);
    expect(of(second).countedParticipants).toBe(codes.length === 0 ? 4 : 3);
  });

  it('a person counted in an earlier rejected activity is not blocked', () => {
    const subject = person();
    const rejected = activityWith(subject, { start: '16:00', end: '17:30', remote: true });
    const later = activityWith(subject, { start: '17:00', end: '18:00' });
    const { of } = judge([later, rejected]);
    expect(of(rejected).verdict).toBe('rejected');
    expect(isCounted(of(rejected), subject)).toBe(true);
    expect(codesOf(of(later), subject)).toEqual([]);
  });

  it('a person not counted in an earlier approved activity is not blocked', () => {
    const subject = person({ memberships: { [CLUB_A]: [{ from: '2000-01-01' }] } });
    const earlier = activityWith(subject, { club: CLUB_B, start: '16:00', end: '17:30' });
    const later = activityWith(subject, { start: '17:00', end: '18:00' });
    const { of } = judge([later, earlier]);
    expect(of(earlier).verdict).toBe('approved');
    expect(codesOf(of(earlier), subject)).toEqual(['PARTICIPANT_NOT_MEMBER']);
    expect(codesOf(of(later), subject)).toEqual([]);
  });

  it('a leader of an earlier activity can be a participant of an overlapping one', () => {
    const teen = adult({ birthDate: '2008-01-01' });
    const led = activity({ start: '16:00', end: '17:30', leaders: [leader(teen)] });
    const played = activity({
      club: CLUB_B,
      start: '17:00',
      end: '18:00',
      participants: [...participants(children(3)), participant(teen)],
    });
    const { of } = judge([played, led]);
    expect(codesOf(of(played), teen)).toEqual([]);
  });

  it('anonymous participants are outside the overlap and once-a-day rules', () => {
    const first = activity({ participants: [], anonymous: [anonymous(2012, 3)] });
    const second = activity({ participants: [], anonymous: [anonymous(2012, 3)] });
    const { of } = judge([first, second]);
    expect(of(first).verdict).toBe('approved');
    expect(of(second).verdict).toBe('approved');
    expect(of(second).countedParticipants).toBe(3);
  });

  it('counted participants are shown as counted on a rejected activity, too', () => {
    const verdict = judgeOne(activity({ remote: true }));
    expect(verdict.verdict).toBe('rejected');
    expect(verdict.countedParticipants).toBe(3);
    expect(verdict.payment).toBeUndefined();
  });
});

describe('TOO_FEW_PARTICIPANTS', () => {
  it.each([
    [2, ['TOO_FEW_PARTICIPANTS']],
    [3, []],
    [4, []],
  ])('%i counted participants: %j', (n, reasons) => {
    const verdict = judgeOne(activity({ participants: participants(children(n)) }));
    expect(verdict.reasons).toEqual(reasons);
    expect(verdict.countedParticipants).toBe(n);
  });

  it('participants that are not counted do not count', () => {
    const a = activity({
      participants: [...participants(children(2)), participant(person({ birthDate: '2020-01-01' }))],
    });
    expect(judgeOne(a).reasons).toEqual(['TOO_FEW_PARTICIPANTS']);
  });

  it('leaders never count towards the 3, not even when also registered as participants', () => {
    const leaders = [adult(), adult({ birthDate: '2008-05-05' })];
    const a = activity({
      leaders: leaders.map((l) => leader(l)),
      participants: [...participants(children(2)), participant(leaders[1]!)],
    });
    const verdict = judgeOne(a);
    expect(verdict.reasons).toEqual(['TOO_FEW_PARTICIPANTS']);
    expect(verdict.countedParticipants).toBe(2);
  });

  it('anonymous participants count towards the 3', () => {
    expect(
      judgeOne(activity({ participants: participants(children(2)), anonymous: [anonymous(2012, 1)] })).reasons,
    ).toEqual([]);
  });
});

describe('DUPLICATE_GROUP_DAY', () => {
  it.each([
    ['camp then competition', true, 'camp', 'g1', 'competition', 'g1'],
    ['camp then camp', true, 'camp', 'g1', 'camp', 'g1'],
    ['competition then competition', true, 'competition', 'g1', 'competition', 'g1'],
    ['competition then camp', true, 'competition', 'g1', 'camp', 'g1'],
    ['other groups', false, 'camp', 'g1', 'camp', 'g2'],
    ['without a group', false, 'camp', undefined, 'camp', undefined],
    ['training with a group', false, 'training', 'g1', 'training', 'g1'],
    ['camp then training', false, 'camp', 'g1', 'training', 'g1'],
    ['training then camp', false, 'training', 'g1', 'camp', 'g1'],
    ['other then competition', false, 'other', 'g1', 'competition', 'g1'],
  ] as const)('%s: duplicate %s', (_name, duplicate, type1, group1, type2, group2) => {
    const first = activity({ type: type1, group: group1, start: '09:00', end: '12:00' });
    const second = activity({ type: type2, group: group2, start: '13:00', end: '16:00' });
    const { of } = judge([second, first]);
    expect(of(first).reasons).toEqual([]);
    expect(of(second).reasons).toEqual(duplicate ? ['DUPLICATE_GROUP_DAY'] : []);
  });

  it('only on the same day', () => {
    const first = activity({ type: 'camp', group: 'g1', date: '2024-03-12' });
    const second = activity({ type: 'camp', group: 'g1', date: '2024-03-13' });
    const { of } = judge([first, second]);
    expect(of(second).reasons).toEqual([]);
  });

  it('is not blocked by an earlier rejected camp', () => {
    const first = activity({ type: 'camp', group: 'g1', start: '09:00', end: '12:00', leaders: [] });
    const second = activity({ type: 'camp', group: 'g1', start: '13:00', end: '16:00' });
    const { of } = judge([first, second]);
    expect(of(first).reasons).toEqual(['NO_LEADER']);
    expect(of(second).reasons).toEqual([]);
  });
});

describe('PERIOD_CLOSED', () => {
  it.each([
    ['2024-03-12', '2024-12-15', false],
    ['2024-03-12', '2024-12-16', true],
    ['2024-06-30', '2024-12-16', true],
    ['2024-07-01', '2024-12-16', false],
    ['2024-09-10', '2025-06-15', false],
    ['2024-09-10', '2025-06-16', true],
    ['2024-12-31', '2025-06-16', true],
  ])('activity %s judged on %s: closed %s', (date, today, closed) => {
    expect(judgeOne(activity({ date }), { today }).reasons).toEqual(closed ? ['PERIOD_CLOSED'] : []);
  });

  it('closed for the club that submitted the period, open for others', () => {
    const a = activity({ club: CLUB_A, date: '2024-03-12' });
    const b = activity({ club: CLUB_B, date: '2024-03-12', leaders: [leader(adult())] });
    const autumn = activity({ club: CLUB_A, date: '2024-09-10' });
    const { of } = judge([a, b, autumn], { submitted: { [CLUB_A]: ['2024-1'] } });
    expect(of(a).reasons).toEqual(['PERIOD_CLOSED']);
    expect(of(b).reasons).toEqual([]);
    expect(of(autumn).reasons).toEqual([]);
  });

  it('a rejected activity in a closed period does not block later ones', () => {
    const subject = person();
    const closed = activityWith(subject, { club: CLUB_A, start: '16:00', end: '17:00' });
    const open = activityWith(subject, { club: CLUB_B, start: '16:30', end: '17:30' });
    const { of } = judge([closed, open], { submitted: { [CLUB_A]: ['2024-1'] } });
    expect(of(closed).reasons).toEqual(['PERIOD_CLOSED']);
    expect(codesOf(of(open), subject)).toEqual([]);
  });
});

describe('activity types and remote', () => {
  it.each([
    ['training', []],
    ['competition', []],
    ['camp', []],
    ['other', []],
    ['meeting', ['NOT_SPORT_ACTIVITY']],
    ['education', ['NOT_SPORT_ACTIVITY']],
  ] as const)('type %s: %j', (type, reasons) => {
    expect(judgeOne(activity({ type })).reasons).toEqual(reasons);
  });

  it('REMOTE_ACTIVITY', () => {
    expect(judgeOne(activity({ remote: true })).reasons).toEqual(['REMOTE_ACTIVITY']);
  });
});

describe('all codes are reported, in the order of ACTIVITY_CODES', () => {
  const order = Object.keys(ACTIVITY_CODES) as ActivityCode[];

  it.each([
    {
      name: 'short, drop-in before 2023-07, no leader, too few, closed, meeting, remote',
      a: () =>
        activity({
          date: '2023-06-30',
          start: '17:00',
          end: '17:30',
          dropIn: true,
          leaders: [],
          participants: participants(children(1)),
          type: 'meeting',
          remote: true,
        }),
      today: '2023-12-16',
      reasons: [
        'TOO_SHORT',
        'NO_COMMON_START_END',
        'NO_LEADER',
        'TOO_FEW_PARTICIPANTS',
        'PERIOD_CLOSED',
        'NOT_SPORT_ACTIVITY',
        'REMOTE_ACTIVITY',
      ],
    },
    {
      name: 'missing place, end before start, invalid leader, education',
      a: () =>
        activity({
          place: undefined,
          start: '18:00',
          end: '17:00',
          leaders: [leader(adult({ memberships: {} }))],
          type: 'education',
        }),
      today: undefined,
      reasons: ['MISSING_REQUIRED_DATA', 'INVALID_TIME_RANGE', 'NO_VALID_LEADER', 'NOT_SPORT_ACTIVITY'],
    },
  ])('$name', ({ a, today, reasons }) => {
    const verdict = judgeOne(a(), today === undefined ? {} : { today });
    expect(verdict.reasons).toEqual(reasons);
    expect([...verdict.reasons].sort((x, y) => order.indexOf(x) - order.indexOf(y))).toEqual(verdict.reasons);
  });

  it('a duplicate camp with other faults lists every code', () => {
    const first = activity({ type: 'camp', group: 'g1', start: '09:00', end: '12:00' });
    const second = activity({
      type: 'camp',
      group: 'g1',
      start: '13:00',
      end: '13:30',
      leaders: [],
      participants: [],
      remote: true,
    });
    const { of } = judge([second, first]);
    expect(of(second).reasons).toEqual([
      'TOO_SHORT',
      'NO_LEADER',
      'TOO_FEW_PARTICIPANTS',
      'DUPLICATE_GROUP_DAY',
      'REMOTE_ACTIVITY',
    ]);
  });
});

describe('ordering: the first in (date, start, end, club, id) wins whatever the input order', () => {
  type Spec = {
    readonly club: string;
    readonly id: string;
    readonly date: string;
    readonly start: string;
    readonly end: string;
  };
  const base: Spec = { club: CLUB_A, id: 'A-1', date: '2024-03-12', start: '17:00', end: '18:00' };
  it.each<[string, Spec, Spec]>([
    ['earlier date', { ...base, date: '2024-03-11', club: CLUB_B, id: 'Z' }, { ...base }],
    ['earlier start', { ...base, start: '16:30', end: '19:00', club: CLUB_B, id: 'Z' }, { ...base }],
    ['earlier end', { ...base, end: '17:45', club: CLUB_B, id: 'Z' }, { ...base }],
    ['smaller club id', { ...base, club: CLUB_A, id: 'Z' }, { ...base, club: CLUB_B, id: 'A' }],
    ['smaller activity id, as text', { ...base, id: 'A-10' }, { ...base, id: 'A-9' }],
  ])('%s', (_name, winnerSpec, loserSpec) => {
    const shared = children(3);
    const lead = adult();
    const make = (spec: Spec) => activity({ ...spec, leaders: [leader(lead)], participants: participants(shared) });
    // Across days the shared leader and children are free again; within a day they are blocked.
    const winner = make(winnerSpec);
    const loser = make(loserSpec);
    for (const input of [
      [winner, loser],
      [loser, winner],
    ]) {
      const { of } = judge(input);
      expect(of(winner).verdict).toBe('approved');
      if (winnerSpec.date === loserSpec.date) {
        expect(of(loser).verdict).toBe('rejected');
        expect(of(loser).reasons).toContain('TOO_FEW_PARTICIPANTS');
        for (const child of shared) expect(codesOf(of(loser), child)).toContain('PARTICIPANT_ALREADY_COUNTED_TODAY');
      } else {
        expect(of(loser).verdict).toBe('approved');
      }
    }
  });

  it('three clubs at the same time: only the first is approved, in every input order', () => {
    const everywhere = { [CLUB_A]: [ALWAYS], [CLUB_B]: [ALWAYS], 'club-c': [ALWAYS] };
    const shared = children(3, { memberships: everywhere });
    const acts = ['club-c', CLUB_B, CLUB_A].map((club) =>
      activity({
        club,
        id: 'X',
        leaders: [leader(adult({ memberships: everywhere }))],
        participants: participants(shared),
      }),
    );
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const order of orders) {
      const verdicts = judgeActivities(
        order.map((i) => acts[i]!),
        context(),
      );
      expect(acts.map((a) => verdicts.get(activityKey(a))?.verdict)).toEqual(['rejected', 'rejected', 'approved']);
    }
  });
});

describe('warnings', () => {
  it.each([
    // date, received, created, warnings
    ['2024-03-12', '2024-08-25', '2024-03-12', []],
    ['2024-03-12', '2024-08-26', '2024-03-12', ['REGISTERED_LATE']],
    ['2024-06-30', '2024-08-26', '2024-06-30', ['REGISTERED_LATE']],
    ['2024-09-10', '2025-02-25', '2024-09-10', []],
    ['2024-09-10', '2025-02-26', '2024-09-10', ['REGISTERED_LATE']],
    ['2024-07-01', '2024-08-26', '2024-07-01', []],
    ['2024-03-12', '2024-03-12', '2024-03-11', ['ACTIVITY_IN_FUTURE']],
    ['2024-03-12', '2024-03-12', '2024-03-12', []],
    ['2024-03-12', '2024-09-01', '2024-03-01', ['REGISTERED_LATE', 'ACTIVITY_IN_FUTURE']],
  ])('activity %s received %s in a file created %s: %j', (date, receivedOn, createdOn, warnings) => {
    const verdict = judgeOne(activity({ date, receivedOn, createdOn }));
    expect(verdict.warnings).toEqual(warnings);
    expect(verdict.verdict).toBe('approved');
  });

  it('warnings are given on rejected activities too', () => {
    const verdict = judgeOne(activity({ remote: true, receivedOn: '2024-08-26' }));
    expect(verdict.verdict).toBe('rejected');
    expect(verdict.warnings).toEqual(['REGISTERED_LATE']);
  });
});

describe('verdict shape', () => {
  it('an approved activity has no codes, its leaders and a payment', () => {
    const lead = adult();
    const a = activity({ leaders: [leader(lead)] });
    expect(judgeOne(a)).toEqual({
      club: CLUB_A,
      id: a.id,
      verdict: 'approved',
      reasons: [],
      countedParticipants: 3,
      leaders: [{ ref: lead.key, valid: true, reasons: [] }],
      participants: [],
      warnings: [],
      payment: {
        paidParticipants: 3,
        reducedParticipants: 0,
        unpaidParticipants: 0,
        extraLeaderSupport: false,
        amountSek: 44.58,
        codes: [],
      },
    });
  });

  it('weekOf is the ISO week of the date, or "undated"', () => {
    expect(weekOf(activity({ date: '2024-12-30' }))).toBe('2025-W01');
    expect(weekOf(activity({ date: '2025-01-05' }))).toBe('2025-W01');
    expect(weekOf(activity({ date: '2023-12-31' }))).toBe('2023-W52');
    expect(weekOf(activity({ date: '2024-01-01' }))).toBe('2024-W01');
    expect(weekOf(activity({ date: '2021-01-03' }))).toBe('2020-W53');
    expect(weekOf(activity({ date: undefined }))).toBe('undated');
  });

  it('a counted participant without codes is not listed in the receipt', () => {
    const kids = children(3);
    expect(participantLine(judgeOne(activity({ participants: participants(kids) })), kids[0]!.key)).toBeUndefined();
  });
});
