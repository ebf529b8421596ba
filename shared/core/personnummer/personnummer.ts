import { formatDate, isRealDate } from '../calendar/dates.js';

/**
 * Swedish personnummer and samordningsnummer, as the Importer format spec reads them.
 *
 * We do not use the `personnummer` npm package at run time: it takes the century of a 10-digit number from the
 * machine's clock (`new Date()`, in the machine's time zone) with no way to inject the evaluation date, and it
 * throws one undifferentiated error, while a receipt must say which check failed. The tests use that package as
 * an independent oracle on 12-digit numbers, where its clock plays no part in the century.
 */

export interface Personnummer {
  /** Normalised 12 digits, no separator. */
  readonly normalized: string;
  /** The real birth date (for a samordningsnummer: the day minus 60). */
  readonly birthDate: string;
  readonly coordination: boolean;
  /** Legal gender from the serial's last digit: odd = male, even = female. */
  readonly legalGender: 'F' | 'M';
}

export type PersonnummerFault = 'FORMAT' | 'CHECK_DIGIT' | 'DATE' | 'FUTURE' | 'SERIAL';

export type PersonnummerResult =
  | { readonly ok: true; readonly value: Personnummer }
  | { readonly ok: false; readonly fault: PersonnummerFault; readonly message: readonly [string, string] };

const FAULT_MESSAGES: Record<PersonnummerFault, readonly [string, string]> = {
  FORMAT: ['ska vara 10 eller 12 siffror, med eller utan - eller +', 'must be 10 or 12 digits, with or without - or +'],
  CHECK_DIGIT: ['kontrollsiffran stämmer inte', 'check digit does not match'],
  DATE: ['datumet finns inte', 'the date does not exist'],
  FUTURE: ['datumet ligger i framtiden', 'the date lies in the future'],
  SERIAL: ['födelsenumret 000 är inte tillåtet', 'the serial 000 is not allowed'],
};

const SHAPE = /^(\d{2})?(\d{6})([-+])?(\d{4})$/;

function fail(fault: PersonnummerFault): PersonnummerResult {
  return { ok: false, fault, message: FAULT_MESSAGES[fault] };
}

/** Luhn over the 10 digits: doubled weights on even positions from the left. */
export function luhnValid(tenDigits: string): boolean {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let v = (tenDigits.charCodeAt(i) - 48) * (i % 2 === 0 ? 2 : 1);
    if (v > 9) v -= 9;
    sum += v;
  }
  return sum % 10 === 0;
}

/** The check digit that makes nine digits (YYMMDDNNN) Luhn-valid. */
export function checkDigitFor(nineDigits: string): number {
  for (let d = 0; d <= 9; d++) if (luhnValid(nineDigits + d)) return d;
  throw new Error('unreachable: one digit always completes a Luhn sum');
}

/**
 * Parse a personnummer or samordningsnummer against an evaluation date (`YYYY-MM-DD`, Europe/Stockholm).
 * For 10 digits the century follows the calendar-year rule: `-` or none = born in Y−99…Y, `+` = Y−199…Y−100.
 */
export function parsePersonnummer(input: string, evaluationDate: string): PersonnummerResult {
  const m = SHAPE.exec(input.trim());
  if (!m) return fail('FORMAT');
  const [, century, yymmdd = '', separator, tail = ''] = m;
  const ten = yymmdd + tail;
  const yy = Number(yymmdd.slice(0, 2));
  let year: number;
  if (century !== undefined) {
    year = Number(century) * 100 + yy;
  } else {
    const evaluationYear = Number(evaluationDate.slice(0, 4));
    year = evaluationYear - ((((evaluationYear - yy) % 100) + 100) % 100);
    if (separator === '+') year -= 100;
  }
  const month = Number(yymmdd.slice(2, 4));
  const dayField = Number(yymmdd.slice(4, 6));
  const coordination = dayField > 60;
  const day = coordination ? dayField - 60 : dayField;
  if (!isRealDate(year, month, day)) return fail('DATE');
  if (tail.slice(0, 3) === '000') return fail('SERIAL');
  if (!luhnValid(ten)) return fail('CHECK_DIGIT');
  const birthDate = formatDate(year, month, day);
  if (birthDate > evaluationDate) return fail('FUTURE');
  return {
    ok: true,
    value: {
      normalized: String(year).padStart(4, '0').slice(0, 2) + ten,
      birthDate,
      coordination,
      legalGender: Number(tail[2]) % 2 === 1 ? 'M' : 'F',
    },
  };
}
