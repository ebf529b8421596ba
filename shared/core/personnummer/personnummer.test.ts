import fc from 'fast-check';
import PersonnummerImport from 'personnummer';
import { describe, expect, it } from 'vitest';
import { checkDigitFor, luhnValid, parsePersonnummer, type PersonnummerFault } from './personnummer.js';

/**
 * The `personnummer` package (3.2.1) is an independent oracle. It ships CommonJS (`module.exports = Personnummer`)
 * with types written as `export default`, so under NodeNext TypeScript types the default import as the module
 * namespace while Node hands us the class itself; take whichever carries `valid`.
 */
interface Oracle {
  valid(pin: string): boolean;
}
const oracleModule = PersonnummerImport as unknown as Oracle & { default?: Oracle };
const Oracle: Oracle = typeof oracleModule.valid === 'function' ? oracleModule : (oracleModule.default as Oracle);

/** The evaluation date most tests run against. */
const EVAL = '2026-03-01';

/** Nine digits (YYMMDDNNN) completed with their check digit. */
function ten(yymmdd: string, serial: string): string {
  const nine = yymmdd + serial;
  return nine + String(checkDigitFor(nine));
}

/** Twelve digits (YYYYMMDD NNNC) with the check digit computed over the last nine before it. */
function twelve(yyyymmdd: string, serial: string): string {
  return yyyymmdd.slice(0, 2) + ten(yyyymmdd.slice(2), serial);
}

/** `YYMMDD` + separator + `NNNC` from ten digits, or `YYYYMMDD` + separator + `NNNC` from twelve. */
function withSeparator(digits: string, separator: '' | '-' | '+'): string {
  return digits.slice(0, -4) + separator + digits.slice(-4);
}

/** The same number with its check digit replaced by `(c + by) mod 10` (by in 1…9: always a wrong digit). */
function corruptCheck(digits: string, by = 1): string {
  const last = Number(digits.slice(-1));
  return digits.slice(0, -1) + String((last + by) % 10);
}

function expectOk(input: string, evaluationDate: string = EVAL) {
  const r = parsePersonnummer(input, evaluationDate);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(input)} on ${evaluationDate} to be valid, got ${r.fault}`);
  return r.value;
}

function faultOf(input: string, evaluationDate: string = EVAL): PersonnummerFault | undefined {
  const r = parsePersonnummer(input, evaluationDate);
  return r.ok ? undefined : r.fault;
}

describe('test helpers and Luhn', () => {
  it('luhnValid agrees with a hand-computed number (Skatteverket example 811218-9876)', () => {
    // weights 2 1 2 1 …: 16→7, 1, 2, 2, 2, 8, 18→9, 8, 14→5, 6 = 50
    expect(luhnValid('8112189876')).toBe(true);
    expect(luhnValid('8112189875')).toBe(false);
    expect(checkDigitFor('811218987')).toBe(6);
    // The spec's example number.
    expect(checkDigitFor('100315123')).toBe(8);
  });

  it('checkDigitFor yields the one completing digit, for every nine digits tried', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (nine) => {
        const c = checkDigitFor(nine);
        for (let d = 0; d <= 9; d++) expect(luhnValid(nine + String(d))).toBe(d === c);
      }),
    );
  });

  it('the oracle is loaded and agrees on the Skatteverket example', () => {
    expect(typeof Oracle.valid).toBe('function');
    expect(Oracle.valid('198112189876')).toBe(true);
    expect(Oracle.valid('198112189875')).toBe(false);
  });
});

describe('parsePersonnummer: shape', () => {
  const base10 = ten('100315', '123'); // 1003151238, born 2010-03-15
  const base12 = '20' + base10;

  it.each([
    ['10 digits, no separator', base10],
    ['10 digits, -', withSeparator(base10, '-')],
    ['12 digits, no separator', base12],
    ['12 digits, -', withSeparator(base12, '-')],
    ['12 digits, + (separator ignored)', withSeparator(base12, '+')],
    ['leading and trailing spaces', `  ${base12}  `],
    ['tab and newline', `\t${withSeparator(base10, '-')}\n`],
    ['CR LF', `\r\n${base12}\r\n`],
    ['no-break space', `\u00a0${base12}\u00a0`],
  ])('%s: %j → 201003151238', (_label, input) => {
    const v = expectOk(input);
    expect(v.normalized).toBe('201003151238');
    expect(v.birthDate).toBe('2010-03-15');
    expect(v.coordination).toBe(false);
  });

  it('10 digits with + is the same digits a century earlier', () => {
    const v = expectOk(withSeparator(base10, '+'));
    expect(v.normalized).toBe('191003151238');
    expect(v.birthDate).toBe('1910-03-15');
  });

  it.each([
    ['empty', ''],
    ['only whitespace', '   '],
    ['8 digits', base10.slice(0, 8)],
    ['9 digits', base10.slice(0, 9)],
    ['11 digits', base10 + '1'],
    ['13 digits', base12 + '1'],
    ['11 digits with separator', '0' + withSeparator(base10, '-')],
    ['space instead of separator', `${base10.slice(0, 6)} ${base10.slice(6)}`],
    ['space inside the 12 digits', `${base12.slice(0, 4)} ${base12.slice(4)}`],
    ['double separator', `${base10.slice(0, 6)}--${base10.slice(6)}`],
    ['-+ separator', `${base10.slice(0, 6)}-+${base10.slice(6)}`],
    ['separator in the wrong place (10)', `${base10.slice(0, 4)}-${base10.slice(4)}`],
    ['separator in the wrong place (12)', `${base12.slice(0, 6)}-${base12.slice(6)}`],
    ['separator after the century', `${base12.slice(0, 2)}-${base12.slice(2)}`],
    ['trailing separator', `${base10}-`],
    ['leading +', `+${base10}`],
    ['leading -', `-${base12}`],
    ['en dash', `${base10.slice(0, 6)}\u2013${base10.slice(6)}`],
    ['minus sign U+2212', `${base10.slice(0, 6)}\u2212${base10.slice(6)}`],
    ['slash', `${base10.slice(0, 6)}/${base10.slice(6)}`],
    ['underscore', `${base10.slice(0, 6)}_${base10.slice(6)}`],
    ['dot', `${base10.slice(0, 6)}.${base10.slice(6)}`],
    ['letter O for zero', base10.replace('0', 'O')],
    ['interim number letter (T)', `${base10.slice(0, 6)}-T${base10.slice(7)}`],
    ['letter suffix', `${base12}a`],
    ['full-width digits', base12.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))],
    ['Arabic-Indic digits', base10.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)))],
    ['zero-width space (not whitespace)', `${base12}\u200b`],
    ['inner newline', `${base10.slice(0, 6)}\n${base10.slice(6)}`],
    ['quoted', `"${base12}"`],
    ['negative-looking', `-${base10}`],
  ])('%s: %j → FORMAT', (_label, input) => {
    expect(faultOf(input)).toBe('FORMAT');
  });

  it('every fault carries a Swedish and an English message', () => {
    const inputs: Record<PersonnummerFault, string> = {
      FORMAT: 'x',
      CHECK_DIGIT: corruptCheck(base12),
      DATE: ten('230229', '123'),
      FUTURE: twelve('20260302', '123'),
      SERIAL: twelve('20100315', '000'),
    };
    for (const [fault, input] of Object.entries(inputs)) {
      const r = parsePersonnummer(input, EVAL);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.fault).toBe(fault);
      expect(r.message).toHaveLength(2);
      for (const text of r.message) expect(text.length).toBeGreaterThan(0);
    }
  });
});

describe('parsePersonnummer: check digit', () => {
  const valid = [
    twelve('20100315', '123'),
    twelve('19811218', '987'),
    twelve('18991231', '001'),
    twelve('19701063', '239'), // samordningsnummer
  ];
  const cases = valid.flatMap((digits) =>
    [1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((by) => {
      const bad = corruptCheck(digits, by);
      return [
        [bad],
        [withSeparator(bad, '-')],
        [bad.slice(2)],
        [withSeparator(bad.slice(2), digits.startsWith('20') ? '-' : '+')],
      ];
    }),
  );

  it.each(cases)('%s → CHECK_DIGIT', (input) => {
    expect(faultOf(input)).toBe('CHECK_DIGIT');
  });

  it('the Luhn sum covers the last ten digits only: the century digits are not part of it', () => {
    // 1910-03-15 and 2010-03-15 share the same ten digits and so the same check digit.
    expect(expectOk(twelve('19100315', '123')).normalized.slice(2)).toBe(
      expectOk(twelve('20100315', '123')).normalized.slice(2),
    );
  });

  it('a transposition of two adjacent different digits is caught', () => {
    // 811218-9876 → 811218-9786 (8 and 7 swapped in the serial)
    expect(faultOf('198112189786')).toBe('CHECK_DIGIT');
  });
});

describe('parsePersonnummer: date', () => {
  it.each([
    ['29 Feb in a leap year (2024)', twelve('20240229', '123'), '2024-02-29'],
    ['29 Feb in a leap year, 10 digits', ten('240229', '123'), '2024-02-29'],
    ['29 Feb 2000 (divisible by 400)', twelve('20000229', '123'), '2000-02-29'],
    ['29 Feb 2000, 10 digits with - on 2026', withSeparator(ten('000229', '123'), '-'), '2000-02-29'],
    ['29 Feb 1896', twelve('18960229', '123'), '1896-02-29'],
    ['31 Jan', twelve('19990131', '123'), '1999-01-31'],
    ['30 Apr', twelve('19990430', '123'), '1999-04-30'],
    ['31 Dec', twelve('19991231', '123'), '1999-12-31'],
    ['1 Jan', twelve('19990101', '123'), '1999-01-01'],
  ])('%s: %s → %s', (_label, input, birthDate) => {
    expect(expectOk(input).birthDate).toBe(birthDate);
  });

  it.each([
    ['29 Feb in a non-leap year (2023)', twelve('20230229', '123')],
    ['29 Feb 2023, 10 digits', ten('230229', '123')],
    ['29 Feb 1900 (divisible by 100, not 400)', twelve('19000229', '123')],
    ['29 Feb 1900 by century rule: 000229+ on 2026', withSeparator(ten('000229', '123'), '+')],
    ['29 Feb 2100', twelve('21000229', '123')],
    ['30 Feb', twelve('20240230', '123')],
    ['31 Apr', twelve('20230431', '123')],
    ['31 Jun', twelve('20230631', '123')],
    ['31 Sep', twelve('20230931', '123')],
    ['31 Nov', twelve('20231131', '123')],
    ['month 00', twelve('20230001', '123')],
    ['month 13', twelve('20231301', '123')],
    ['month 99', twelve('20239901', '123')],
    ['day 00', twelve('20230100', '123')],
    ['day 32', twelve('20230132', '123')],
    ['day 40', twelve('20230140', '123')],
    ['day 60 (= coordination day 0)', twelve('20230160', '123')],
    ['coordination day 92 (= 32)', twelve('20230192', '123')],
    ['coordination day 99', twelve('20230199', '123')],
    ['coordination 89 in Feb 2023 (= 29 Feb, non-leap)', twelve('20230289', '123')],
    ['coordination 91 in April (= 31 Apr)', twelve('20230491', '123')],
    ['coordination 61 in month 13', twelve('20231361', '123')],
  ])('%s: %s → DATE', (_label, input) => {
    expect(faultOf(input)).toBe('DATE');
  });
});

describe('parsePersonnummer: samordningsnummer (day + 60)', () => {
  it.each([
    [twelve('19701063', '239'), '1970-10-03', '19701063'],
    [withSeparator(ten('701063', '239'), '-'), '1970-10-03', '19701063'],
    [twelve('20230161', '123'), '2023-01-01', '20230161'],
    [twelve('20230191', '123'), '2023-01-31', '20230191'],
    [twelve('20240289', '123'), '2024-02-29', '20240289'],
    [twelve('20230490', '123'), '2023-04-30', '20230490'],
    [twelve('18991291', '123'), '1899-12-31', '18991291'],
    [withSeparator(ten('271261', '123'), '+'), '1827-12-01', '18271261'],
    [twelve('20260361', '123'), '2026-03-01', '20260361'], // born on the evaluation date
  ])('%s → born %s, normalised keeps day + 60', (input, birthDate, normalizedStart) => {
    const v = expectOk(input);
    expect(v.coordination).toBe(true);
    expect(v.birthDate).toBe(birthDate);
    expect(v.normalized.slice(0, 8)).toBe(normalizedStart);
    expect(v.normalized).toHaveLength(12);
  });

  it('an ordinary number is not a samordningsnummer', () => {
    expect(expectOk(twelve('20230131', '123')).coordination).toBe(false);
  });

  it('a samordningsnummer in the future is FUTURE, judged on day − 60', () => {
    expect(faultOf(twelve('20260362', '123'))).toBe('FUTURE'); // 2026-03-02
    expect(faultOf(twelve('20260362', '123'), '2026-03-02')).toBeUndefined();
  });

  it('a samordningsnummer with serial 000 is SERIAL', () => {
    expect(faultOf(twelve('19701063', '000'))).toBe('SERIAL');
  });
});

describe('parsePersonnummer: serial', () => {
  it.each([
    ['12 digits', twelve('20100315', '000')],
    ['12 digits, -', withSeparator(twelve('20100315', '000'), '-')],
    ['10 digits', ten('100315', '000')],
    ['10 digits, -', withSeparator(ten('100315', '000'), '-')],
    ['10 digits, +', withSeparator(ten('100315', '000'), '+')],
    ['1800s', twelve('18500101', '000')],
  ])('serial 000, %s: %s → SERIAL', (_label, input) => {
    expect(faultOf(input)).toBe('SERIAL');
  });

  it.each(['001', '009', '010', '099', '100', '500', '900', '990', '999'])('serial %s is fine', (serial) => {
    expect(expectOk(twelve('20100315', serial)).normalized).toBe(twelve('20100315', serial));
  });
});

describe('parsePersonnummer: not in the future', () => {
  it.each([
    ['born on the evaluation date (12)', twelve('20260301', '123'), EVAL, '2026-03-01'],
    ['born on the evaluation date (10, -)', withSeparator(ten('260301', '123'), '-'), EVAL, '2026-03-01'],
    ['born on the evaluation date (10, none)', ten('260301', '123'), EVAL, '2026-03-01'],
    ['born the day before', twelve('20260228', '123'), EVAL, '2026-02-28'],
    ['born on 1 Jan of the evaluation year', twelve('20270101', '123'), '2027-01-01', '2027-01-01'],
    ['the next day is fine a day later', twelve('20260302', '123'), '2026-03-02', '2026-03-02'],
  ])('%s: %s on %s → %s', (_label, input, evaluationDate, birthDate) => {
    expect(expectOk(input, evaluationDate).birthDate).toBe(birthDate);
  });

  it.each([
    ['the day after the evaluation date (12)', twelve('20260302', '123'), EVAL],
    ['the day after (10, -)', withSeparator(ten('260302', '123'), '-'), EVAL],
    ['later in the evaluation year: 261231- is 2026, not 1926', withSeparator(ten('261231', '123'), '-'), EVAL],
    ['later in the evaluation year, no separator', ten('261231', '123'), EVAL],
    ['next year (12)', twelve('20270101', '123'), EVAL],
    ['31 Dec → 1 Jan', twelve('20270101', '123'), '2026-12-31'],
    ['far future', twelve('29991231', '123'), EVAL],
  ])('%s: %s on %s → FUTURE', (_label, input, evaluationDate) => {
    expect(faultOf(input, evaluationDate)).toBe('FUTURE');
  });

  it('the evaluation date is injected, not read from the clock', () => {
    const input = twelve('20300615', '123');
    expect(faultOf(input, '2030-06-14')).toBe('FUTURE');
    expect(faultOf(input, '2030-06-15')).toBeUndefined();
    expect(faultOf(twelve('19500615', '123'), '1950-06-14')).toBe('FUTURE');
  });
});

describe('parsePersonnummer: century of a 10-digit number (calendar-year rule)', () => {
  // Evaluation year Y: '-' or none → birth year in Y−99 … Y; '+' → Y−199 … Y−100.
  it.each([
    // evaluation 2026-03-01: '-' → 1927 … 2026, '+' → 1827 … 1926
    ['260101', '-', EVAL, '2026-01-01'],
    ['260101', '', EVAL, '2026-01-01'],
    ['260101', '+', EVAL, '1926-01-01'],
    ['270101', '-', EVAL, '1927-01-01'],
    ['270101', '', EVAL, '1927-01-01'],
    ['270101', '+', EVAL, '1827-01-01'],
    ['000101', '-', EVAL, '2000-01-01'],
    ['000101', '+', EVAL, '1900-01-01'],
    ['991231', '-', EVAL, '1999-12-31'],
    ['991231', '+', EVAL, '1899-12-31'],
    ['500615', '+', EVAL, '1850-06-15'],
    // Turns 100 in 2026 but not yet on 2026-03-01: written with '+' from 1 Jan of the year they turn 100.
    ['261231', '+', EVAL, '1926-12-31'],
    ['260302', '+', EVAL, '1926-03-02'],
    // Turned 100 today.
    ['260301', '+', EVAL, '1926-03-01'],
    // Evaluation on the last and first day of a year: the rule moves with the calendar year, not the birthday.
    ['270101', '-', '2026-12-31', '1927-01-01'],
    ['270101', '-', '2027-01-01', '2027-01-01'],
    ['270101', '+', '2027-01-01', '1927-01-01'],
    ['261231', '+', '2026-12-31', '1926-12-31'],
    ['261231', '-', '2026-12-31', '2026-12-31'],
    // Evaluation year 2000: '-' → 1901 … 2000, '+' → 1801 … 1900.
    ['000101', '-', '2000-06-15', '2000-01-01'],
    ['010101', '-', '2000-06-15', '1901-01-01'],
    ['000101', '+', '2000-06-15', '1900-01-01'],
    ['010101', '+', '2000-06-15', '1801-01-01'],
    // Evaluation year 1999 (just before a century turn).
    ['991231', '-', '1999-12-31', '1999-12-31'],
    ['000101', '-', '1999-12-31', '1900-01-01'],
    ['000101', '+', '1999-12-31', '1800-01-01'],
  ])('%s%s on %s → born %s', (yymmdd, separator, evaluationDate, birthDate) => {
    const v = expectOk(withSeparator(ten(yymmdd, '123'), separator as '' | '-' | '+'), evaluationDate);
    expect(v.birthDate).toBe(birthDate);
    expect(v.normalized).toBe(birthDate.slice(0, 2) + ten(yymmdd, '123'));
  });

  it('a person turning 100 this year cannot be written with - (it would be this year, in the future)', () => {
    expect(faultOf(withSeparator(ten('261231', '123'), '-'))).toBe('FUTURE');
    expect(expectOk(withSeparator(ten('261231', '123'), '+')).birthDate).toBe('1926-12-31');
  });

  it('for 12 digits the separator is ignored', () => {
    for (const yyyymmdd of ['19260101', '19261231', '19270101', '20260101', '18270101', '18991231']) {
      const digits = twelve(yyyymmdd, '123');
      const expected = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
      for (const separator of ['', '-', '+'] as const) {
        const v = expectOk(withSeparator(digits, separator));
        expect(v.normalized).toBe(digits);
        expect(v.birthDate).toBe(expected);
      }
    }
  });
});

describe('parsePersonnummer: no upper age limit', () => {
  it.each([
    twelve('18000101', '123'),
    twelve('18270101', '123'),
    twelve('18500615', '321'),
    twelve('18991231', '999'),
    twelve('17990101', '123'),
  ])('%s is valid', (input) => {
    const v = expectOk(input);
    expect(v.normalized).toBe(input);
    expect(v.birthDate.slice(0, 4)).toBe(input.slice(0, 4));
  });
});

describe('parsePersonnummer: legal gender from the 9th digit', () => {
  it.each([
    ['120', 'F'],
    ['121', 'M'],
    ['122', 'F'],
    ['123', 'M'],
    ['124', 'F'],
    ['125', 'M'],
    ['126', 'F'],
    ['127', 'M'],
    ['128', 'F'],
    ['129', 'M'],
    ['001', 'M'],
    ['990', 'F'],
  ] as const)('serial %s → %s', (serial, gender) => {
    expect(expectOk(twelve('20100315', serial)).legalGender).toBe(gender);
    expect(expectOk(withSeparator(ten('100315', serial), '-')).legalGender).toBe(gender);
    expect(expectOk(twelve('20100375', serial)).legalGender).toBe(gender); // samordningsnummer
  });
});

describe('parsePersonnummer: normalised form', () => {
  it.each([
    ['1003151238', '201003151238'],
    ['100315-1238', '201003151238'],
    ['100315+1238', '191003151238'],
    ['20100315-1238', '201003151238'],
    ['20100315+1238', '201003151238'],
    [' 811218-9876 ', '198112189876'],
    ['19811218+9876', '198112189876'],
  ])('%j → %s', (input, normalized) => {
    const v = expectOk(input);
    expect(v.normalized).toBe(normalized);
    expect(v.normalized).toMatch(/^\d{12}$/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties

/** Days in a month from the platform's calendar (independent of dates.ts); years ≥ 100 only. */
function platformDaysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A real date as { year, month, day } within [minYear, maxYear]. */
function realDate(minYear: number, maxYear: number) {
  return fc
    .record({ year: fc.integer({ min: minYear, max: maxYear }), month: fc.integer({ min: 1, max: 12 }) })
    .chain(({ year, month }) =>
      fc.integer({ min: 1, max: platformDaysInMonth(year, month) }).map((day) => ({ year, month, day })),
    );
}

const serialArb = fc.integer({ min: 1, max: 999 }).map((n) => pad(n, 3));

describe('properties', () => {
  it('agrees with the personnummer package on valid 12-digit numbers (1900–2025), and both refuse a bad check digit', () => {
    fc.assert(
      fc.property(
        realDate(1900, 2025),
        serialArb,
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        (d, serial, coordination, by) => {
          const yyyymmdd = pad(d.year, 4) + pad(d.month, 2) + pad(d.day + (coordination ? 60 : 0), 2);
          const digits = twelve(yyyymmdd, serial);
          const ours = parsePersonnummer(digits, EVAL);
          expect(ours.ok).toBe(true);
          expect(Oracle.valid(digits)).toBe(true);
          if (ours.ok) {
            expect(ours.value.normalized).toBe(digits);
            expect(ours.value.birthDate).toBe(`${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`);
            expect(ours.value.coordination).toBe(coordination);
            expect(ours.value.legalGender).toBe(Number(serial[2]) % 2 === 1 ? 'M' : 'F');
          }
          const bad = corruptCheck(digits, by);
          expect(faultOf(bad)).toBe('CHECK_DIGIT');
          expect(Oracle.valid(bad)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('agrees with the personnummer package on validity of arbitrary 12 digits dated 1800–2025', () => {
    // Arbitrary month/day fields (invalid dates, day + 60, serial 000 included); half the time the check digit is
    // made right so that the date and serial checks are exercised, not only Luhn.
    const arb = fc
      .record({
        year: fc.integer({ min: 1800, max: 2025 }),
        month: fc.integer({ min: 0, max: 19 }),
        day: fc.oneof(
          fc.integer({ min: 0, max: 99 }),
          fc.integer({ min: 27, max: 32 }),
          fc.integer({ min: 58, max: 93 }),
        ),
        serial: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999 })),
        check: fc.integer({ min: 0, max: 9 }),
        fixCheck: fc.boolean(),
      })
      .map(({ year, month, day, serial, check, fixCheck }) => {
        const nine = pad(year % 100, 2) + pad(month, 2) + pad(day, 2) + pad(serial, 3);
        const c = fixCheck ? checkDigitFor(nine) : check;
        return String(Math.floor(year / 100)) + nine + String(c);
      });
    fc.assert(
      fc.property(arb, (digits) => {
        expect(parsePersonnummer(digits, EVAL).ok).toBe(Oracle.valid(digits));
      }),
      { numRuns: 2000 },
    );
  });

  it('the 10-digit form with the right separator for the evaluation date normalises to the same 12 digits', () => {
    const arb = fc
      .record({
        evaluation: realDate(1950, 2150),
        age: fc.integer({ min: 0, max: 199 }),
        birth: realDate(2000, 2000).map(({ month, day }) => ({ month, day })), // any day of a leap year
        serial: serialArb,
        coordination: fc.boolean(),
        noSeparator: fc.boolean(),
      })
      .filter(({ evaluation, age, birth }) => {
        const year = evaluation.year - age;
        if (birth.day > platformDaysInMonth(year, birth.month)) return false; // 29 Feb outside a leap year
        return age > 0 || birth.month * 100 + birth.day <= evaluation.month * 100 + evaluation.day;
      });
    fc.assert(
      fc.property(arb, ({ evaluation, age, birth, serial, coordination, noSeparator }) => {
        const evaluationDate = `${pad(evaluation.year, 4)}-${pad(evaluation.month, 2)}-${pad(evaluation.day, 2)}`;
        const year = evaluation.year - age;
        const yyyymmdd = pad(year, 4) + pad(birth.month, 2) + pad(birth.day + (coordination ? 60 : 0), 2);
        const digits = twelve(yyyymmdd, serial);
        // '+' from the calendar year the person turns 100.
        const separator = age >= 100 ? '+' : noSeparator ? '' : '-';
        const short = parsePersonnummer(withSeparator(digits.slice(2), separator), evaluationDate);
        const long = parsePersonnummer(digits, evaluationDate);
        expect(long.ok).toBe(true);
        expect(short).toEqual(long);
        if (short.ok) expect(short.value.normalized).toBe(digits);
      }),
      { numRuns: 1000 },
    );
  });

  it('surrounding whitespace changes nothing; any other character anywhere is FORMAT', () => {
    const whitespace = fc
      .array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0'), { maxLength: 4 })
      .map((chars) => chars.join(''));
    const foreign = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 1 })
      .filter((ch) => !/^[\d\s+-]$/.test(ch) && ch.trim() === ch);
    fc.assert(
      fc.property(
        realDate(1900, 2025),
        serialArb,
        fc.constantFrom('', '-', '+'),
        fc.boolean(),
        whitespace,
        whitespace,
        foreign,
        fc.nat(),
        (d, serial, separator, short, before, after, ch, at) => {
          const digits = twelve(pad(d.year, 4) + pad(d.month, 2) + pad(d.day, 2), serial);
          const text = withSeparator(short ? digits.slice(2) : digits, separator);
          expect(parsePersonnummer(before + text + after, EVAL)).toEqual(parsePersonnummer(text, EVAL));
          const i = at % (text.length + 1);
          expect(faultOf(before + text.slice(0, i) + ch + text.slice(i) + after)).toBe('FORMAT');
        },
      ),
      { numRuns: 500 },
    );
  });
});
