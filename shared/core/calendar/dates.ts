/**
 * Calendar dates as `YYYY-MM-DD` strings and times as minutes after midnight. Strings sort in date order, so
 * the rules compare them directly; nothing here depends on the machine's time zone.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})$/;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isRealDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** The date if `text` is a real calendar date written `YYYY-MM-DD`, else undefined. */
export function parseDate(text: string): string | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  return isRealDate(Number(m[1]), Number(m[2]), Number(m[3])) ? text : undefined;
}

/** Minutes after midnight if `text` is a 24-hour `HH:MM` time (00:00–23:59), else undefined. */
export function parseTime(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? h * 60 + min : undefined;
}

export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

function toUtcDays(date: string): number {
  return Date.UTC(yearOf(date), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
}

function fromUtcDays(days: number): string {
  const d = new Date(days * 86_400_000);
  return formatDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function addDays(date: string, days: number): string {
  return fromUtcDays(toUtcDays(date) + days);
}

/** ISO 8601 week of a date, e.g. `2026-W01`; the week belongs to the year of its Thursday. */
export function isoWeek(date: string): string {
  const days = toUtcDays(date);
  const weekday = (new Date(days * 86_400_000).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = days - weekday + 3;
  const thursdayDate = fromUtcDays(thursday);
  const weekYear = yearOf(thursdayDate);
  const week = Math.floor((thursday - toUtcDays(formatDate(weekYear, 1, 1))) / 7) + 1;
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

/** Whole years from `birthDate` to `date`: the age on that day (a birthday on 29 Feb is reached on 1 Mar). */
export function ageOn(birthDate: string, date: string): number {
  const years = yearOf(date) - yearOf(birthDate);
  return date.slice(5) >= birthDate.slice(5) ? years : years - 1;
}
