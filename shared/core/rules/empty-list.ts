/**
 * Verdicts are mostly empty lists (no reasons, no warnings, no payment codes), a few per activity and a
 * hundred thousand activities in a big file: they all share this one empty list instead of each having its own.
 */
const NONE: readonly never[] = Object.freeze([]);

export function orNone<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NONE : list;
}

export function none<T>(): readonly T[] {
  return NONE;
}
