import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  ageOn,
  daysInMonth,
  formatDate,
  isLeapYear,
  isoWeek,
  isRealDate,
  parseDate,
  parseTime,
  yearOf,
} from './dates.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The platform's calendar, independent of dates.ts (years ≥ 100 only: Date.UTC maps 0–99 to 1900–1999). */
function platformDate(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day));
}
function platformFormat(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** Any real date from 1900-01-01 to 2199-12-31, as the platform's calendar writes it. */
const dateArb = fc
  .integer({ min: 0, max: 300 * 365 })
  .map((n) => platformFormat(new Date(Date.UTC(1900, 0, 1) + n * 86_400_000)));

describe('isLeapYear, daysInMonth, isRealDate', () => {
  it.each([
    [2024, true],
    [2023, false],
    [2000, true], // divisible by 400
    [1900, false], // divisible by 100, not 400
    [2100, false],
    [1600, true],
    [1896, true],
  ])('isLeapYear(%i) = %s', (year, leap) => {
    expect(isLeapYear(year)).toBe(leap);
  });

  it('daysInMonth matches the platform calendar for every month of 1890–2110', () => {
    for (let year = 1890; year <= 2110; year++) {
      for (let month = 1; month <= 12; month++) {
        expect(daysInMonth(year, month)).toBe(platformDate(year, month + 1, 0).getUTCDate());
      }
    }
  });

  it.each([
    [2024, 2, 29, true],
    [2023, 2, 29, false],
    [2023, 0, 1, false],
    [2023, 13, 1, false],
    [2023, 1, 0, false],
    [2023, 1, 31, true],
    [2023, 4, 31, false],
  ])('isRealDate(%i, %i, %i) = %s', (y, m, d, real) => {
    expect(isRealDate(y, m, d)).toBe(real);
  });

  it('formatDate pads; yearOf reads the year', () => {
    expect(formatDate(2026, 3, 1)).toBe('2026-03-01');
    expect(formatDate(987, 12, 31)).toBe('0987-12-31');
    expect(yearOf('2026-03-01')).toBe(2026);
  });
});

describe('parseDate', () => {
  it.each(['2024-02-29', '2000-02-29', '2026-01-01', '2026-12-31', '1899-12-31', '2023-04-30', '2023-01-31'])(
    '%s is a real date',
    (text) => {
      expect(parseDate(text)).toBe(text);
    },
  );

  it.each([
    ['29 Feb in a non-leap year', '2023-02-29'],
    ['29 Feb 1900', '1900-02-29'],
    ['29 Feb 2100', '2100-02-29'],
    ['30 Feb', '2024-02-30'],
    ['31 Apr', '2023-04-31'],
    ['31 Nov', '2023-11-31'],
    ['month 00', '2023-00-10'],
    ['month 13', '2023-13-10'],
    ['day 00', '2023-01-00'],
    ['day 32', '2023-01-32'],
    ['one-digit month', '2024-2-29'],
    ['one-digit day', '2024-02-9'],
    ['no dashes', '20240229'],
    ['slashes', '2024/02/29'],
    ['day first', '29-02-2024'],
    ['two-digit year', '24-02-29'],
    ['five-digit year', '12024-02-29'],
    ['with time', '2024-02-29T00:00'],
    ['with offset', '2024-02-29Z'],
    ['leading space', ' 2024-02-29'],
    ['trailing space', '2024-02-29 '],
    ['trailing newline', '2024-02-29\n'],
    ['empty', ''],
    ['letters', 'YYYY-MM-DD'],
    ['full-width digits', '２０２４-０２-２９'],
    ['signed year', '+2024-02-29'],
  ])('%s: %j → undefined', (_label, text) => {
    expect(parseDate(text)).toBeUndefined();
  });

  it('accepts exactly the dates the platform calendar knows (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2199 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (year, month, day) => {
          const text = `${year}-${pad(month, 2)}-${pad(day, 2)}`;
          const real = month >= 1 && month <= 12 && platformFormat(platformDate(year, month, day)) === text;
          expect(parseDate(text)).toBe(real ? text : undefined);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parseTime', () => {
  it.each([
    ['00:00', 0],
    ['00:01', 1],
    ['07:30', 450],
    ['12:00', 720],
    ['18:00', 1080],
    ['19:30', 1170],
    ['23:59', 1439],
  ])('%s → %i minutes', (text, minutes) => {
    expect(parseTime(text)).toBe(minutes);
  });

  it.each([
    ['24:00', '24:00'],
    ['25:00', '25:00'],
    ['minute 60', '12:60'],
    ['one-digit hour', '7:30'],
    ['one-digit minute', '07:3'],
    ['seconds', '07:30:00'],
    ['dot', '07.30'],
    ['no colon', '0730'],
    ['am/pm', '07:30 PM'],
    ['leading space', ' 07:30'],
    ['trailing space', '07:30 '],
    ['empty', ''],
    ['negative', '-1:30'],
  ])('%s: %j → undefined', (_label, text) => {
    expect(parseTime(text)).toBeUndefined();
  });

  it('accepts every HH:MM from 00:00 to 23:59 and nothing with HH ≥ 24 or MM ≥ 60 (exhaustive)', () => {
    for (let h = 0; h < 100; h++) {
      for (let m = 0; m < 100; m++) {
        expect(parseTime(`${pad(h, 2)}:${pad(m, 2)}`)).toBe(h < 24 && m < 60 ? h * 60 + m : undefined);
      }
    }
  });
});

describe('isoWeek', () => {
  // ISO 8601: weeks start on Monday; a week belongs to the year that holds its Thursday, so week 1 is the week
  // with the year's first Thursday (equivalently, the week containing 4 January). A year has 53 weeks when it
  // starts on a Thursday, or is a leap year starting on a Wednesday.
  it.each([
    // 2020 is a leap year starting on Wednesday → 53 weeks. 2020-12-31 is a Thursday: its own Thursday is in 2020.
    ['2020-12-31', '2020-W53'],
    // 2021-01-03 is a Sunday; its Monday is 2020-12-28 and its Thursday 2020-12-31 → still 2020-W53.
    ['2021-01-03', '2020-W53'],
    // 2021-01-01 is a Friday; Thursday of that week is 2020-12-31 → 2020-W53.
    ['2021-01-01', '2020-W53'],
    // 2021-01-04 is a Monday; its Thursday 2021-01-07 is the first Thursday of 2021 → 2021-W01.
    ['2021-01-04', '2021-W01'],
    // 2024-12-30 is a Monday; its Thursday is 2025-01-02, the first Thursday of 2025 → 2025-W01.
    ['2024-12-30', '2025-W01'],
    // 2024-12-29 is a Sunday; its Thursday 2024-12-26 → 2024; 2024 starts on Monday (leap) → 52 weeks → W52.
    ['2024-12-29', '2024-W52'],
    // 2025-01-01 is a Wednesday in the same week as 2024-12-30 → 2025-W01.
    ['2025-01-01', '2025-W01'],
    // 2025-12-29 is a Monday; its Thursday is 2026-01-01 → 2026-W01.
    ['2025-12-29', '2026-W01'],
    // 2026-01-01 is a Thursday → 2026-W01; a year starting on Thursday has 53 weeks.
    ['2026-01-01', '2026-W01'],
    // 2026-12-31 is a Thursday (365 days after a Thursday start: day 365 ≡ day 1 mod 7) → 2026-W53.
    ['2026-12-31', '2026-W53'],
    // 2027-01-01 is a Friday; Thursday of its week is 2026-12-31 → 2026-W53.
    ['2027-01-01', '2026-W53'],
    // 2027-01-03 is a Sunday, still the week of 2026-12-31 → 2026-W53.
    ['2027-01-03', '2026-W53'],
    // 2027-01-04 is a Monday; its Thursday 2027-01-07 → 2027-W01.
    ['2027-01-04', '2027-W01'],
    // 2022-01-01 is a Saturday; its Thursday 2021-12-30; 2021 starts on Friday, non-leap → 52 weeks → 2021-W52.
    ['2022-01-01', '2021-W52'],
    // 2023-01-01 is a Sunday; its Thursday 2022-12-29; 2022 starts on Saturday → 52 weeks → 2022-W52.
    ['2023-01-01', '2022-W52'],
    // 2023-01-02 is a Monday; its Thursday 2023-01-05 → 2023-W01.
    ['2023-01-02', '2023-W01'],
    // 2015 starts on Thursday → 53 weeks; 2015-12-31 is a Thursday → 2015-W53; 2016-01-03 (Sunday) too.
    ['2015-12-31', '2015-W53'],
    ['2016-01-03', '2015-W53'],
    // 2008-12-29 is a Monday; its Thursday is 2009-01-01 → 2009-W01.
    ['2008-12-29', '2009-W01'],
    // 2009 starts on Thursday → 53 weeks; 2010-01-03 is a Sunday whose Thursday is 2009-12-31 → 2009-W53.
    ['2010-01-03', '2009-W53'],
    // 1900-01-01 is a Monday; its Thursday 1900-01-04 → 1900-W01.
    ['1900-01-01', '1900-W01'],
    // Mid-year: 2026-11-18 is a Wednesday; its Thursday 2026-11-19 is day 323 of 2026; W01's Thursday is day 1,
    // so (323 − 1) / 7 + 1 = 47.
    ['2026-11-18', '2026-W47'],
    // 2026-03-01 is a Sunday; its Thursday 2026-02-26 is day 57 → (57 − 1) / 7 + 1 = 9.
    ['2026-03-01', '2026-W09'],
  ])('%s → %s', (date, week) => {
    expect(isoWeek(date)).toBe(week);
  });

  /** Independent ISO week by the ordinal-date formula: week = ⌊(ordinal − weekday + 10) / 7⌋, Monday = 1. */
  function referenceIsoWeek(date: string): string {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const weekday = ((platformDate(y, m, d).getUTCDay() + 6) % 7) + 1;
    const ordinal = (platformDate(y, m, d).getTime() - platformDate(y, 1, 1).getTime()) / 86_400_000 + 1;
    const weeksIn = (year: number) => {
      const jan1 = platformDate(year, 1, 1).getUTCDay(); // 4 = Thursday, 3 = Wednesday
      const leap = platformDate(year, 2, 29).getUTCMonth() === 1;
      return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
    };
    let year = y;
    let week = Math.floor((ordinal - weekday + 10) / 7);
    if (week < 1) {
      year = y - 1;
      week = weeksIn(year);
    } else if (week > weeksIn(y)) {
      year = y + 1;
      week = 1;
    }
    return `${year}-W${pad(week, 2)}`;
  }

  it('agrees with the ordinal-date formula (property)', () => {
    fc.assert(
      fc.property(dateArb, (date) => {
        expect(isoWeek(date)).toBe(referenceIsoWeek(date));
      }),
      { numRuns: 3000 },
    );
  });

  it('the seven days from a Monday share one week, and the next Monday starts the next (property)', () => {
    // 1900-01-01 was a Monday.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 * 52 }), (weeks) => {
        const monday = platformFormat(new Date(Date.UTC(1900, 0, 1) + weeks * 7 * 86_400_000));
        expect(platformDate(...(monday.split('-').map(Number) as [number, number, number])).getUTCDay()).toBe(1);
        const week = isoWeek(monday);
        for (let i = 1; i < 7; i++) expect(isoWeek(addDays(monday, i))).toBe(week);
        const next = isoWeek(addDays(monday, 7));
        expect(next).not.toBe(week);
        const [year, w] = week.split('-W').map(Number) as [number, number];
        expect([`${year}-W${pad(w + 1, 2)}`, `${year + 1}-W01`]).toContain(next);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('addDays', () => {
  it.each([
    ['2026-03-01', 0, '2026-03-01'],
    ['2026-03-01', 1, '2026-03-02'],
    ['2026-01-31', 1, '2026-02-01'], // month end
    ['2026-04-30', 1, '2026-05-01'],
    ['2026-02-01', -1, '2026-01-31'],
    ['2025-12-31', 1, '2026-01-01'], // year end
    ['2026-01-01', -1, '2025-12-31'],
    ['2024-02-28', 1, '2024-02-29'], // leap
    ['2024-02-29', 1, '2024-03-01'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2023-02-28', 1, '2023-03-01'], // non-leap
    ['2023-03-01', -1, '2023-02-28'],
    ['2000-02-28', 1, '2000-02-29'], // divisible by 400
    ['2100-02-28', 1, '2100-03-01'], // divisible by 100
    ['1900-02-28', 1, '1900-03-01'],
    ['2024-01-01', 365, '2024-12-31'], // 2024 has 366 days
    ['2024-01-01', 366, '2025-01-01'],
    ['2023-01-01', 365, '2024-01-01'],
    ['2026-03-29', 1, '2026-03-30'], // Swedish DST change (last Sunday of March): no drift
    ['2026-10-25', 1, '2026-10-26'], // and back (last Sunday of October)
    ['2026-03-01', -36_525, '1926-03-01'], // a hundred years: 36 500 days + 25 leap days (1928…2024)
    ['1899-12-31', 1, '1900-01-01'],
  ])('addDays(%s, %i) = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('matches the platform calendar and round-trips (property)', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -20_000, max: 20_000 }), (date, days) => {
        const [y, m, d] = date.split('-').map(Number) as [number, number, number];
        const later = addDays(date, days);
        expect(later).toBe(platformFormat(platformDate(y, m, d + days)));
        expect(parseDate(later)).toBe(later);
        expect(addDays(later, -days)).toBe(date);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ageOn', () => {
  it.each([
    ['2010-03-15', '2026-03-14', 15], // the day before the birthday
    ['2010-03-15', '2026-03-15', 16], // the birthday itself
    ['2010-03-15', '2026-03-16', 16],
    ['2010-03-15', '2010-03-15', 0], // born that day
    ['2010-03-15', '2011-03-14', 0],
    ['2010-03-15', '2011-03-15', 1],
    ['2010-12-31', '2026-01-01', 15], // across a year end
    ['2010-01-01', '2025-12-31', 15],
    ['2010-01-01', '2026-01-01', 16],
    // 29 Feb birthdays: in a non-leap year the birthday is reached on 1 Mar.
    ['2008-02-29', '2025-02-28', 16],
    ['2008-02-29', '2025-03-01', 17],
    ['2008-02-29', '2024-02-28', 15],
    ['2008-02-29', '2024-02-29', 16], // leap year: on the day
    ['2008-02-29', '2024-03-01', 16],
    ['2000-02-29', '2100-02-28', 99], // 2100 is not a leap year
    ['2000-02-29', '2100-03-01', 100],
    // Born 28 Feb or 1 Mar around a leap day.
    ['2008-02-28', '2024-02-28', 16],
    ['2008-03-01', '2024-02-29', 15],
    ['2008-03-01', '2024-03-01', 16],
    // A hundred years.
    ['1926-03-01', '2026-03-01', 100],
    ['1926-03-02', '2026-03-01', 99],
    ['1899-12-31', '2026-03-01', 126],
  ])('ageOn(%s, %s) = %i', (birthDate, date, age) => {
    expect(ageOn(birthDate, date)).toBe(age);
  });

  it('rises by one exactly on the birthday (1 Mar for a 29 Feb birthday in a non-leap year) (property)', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 120 }), (birthDate, years) => {
        const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
        const year = y + years;
        // The birthday in `year`: the same month and day, or 1 Mar when 29 Feb does not exist.
        const birthday = parseDate(`${pad(year, 4)}-${pad(m, 2)}-${pad(d, 2)}`) ?? `${pad(year, 4)}-03-01`;
        expect(ageOn(birthDate, birthday)).toBe(years);
        expect(ageOn(birthDate, addDays(birthday, -1))).toBe(years - 1);
        expect(ageOn(birthDate, birthDate)).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});
