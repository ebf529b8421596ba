import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { stockholmDate, stockholmDateOf } from '../shared/adapters/clock/stockholm-date.js';
import { addDays } from '../shared/core/calendar/dates.js';
import type { Receipt } from '../shared/core/receipt/receipt.js';
import type { ActivityVerdict } from '../shared/core/rules/verdict.js';

/** The vendor the smoke test logs in as unless told otherwise: onboarded in the `test` stage for it alone. */
export const SMOKE_VENDOR = 'lok-smoke';

/** The sample the smoke test sends (in samples/), and its expected receipt (in samples/expected/). */
export const SMOKE_SAMPLE = 'club-valid.xml';
export const SMOKE_EXPECTED_RECEIPT = 'club-valid.receipt.json';

/** The sample's text and its expected receipt, read from samples/ of the repository at `root`. */
export function readSmokeSample(root: string): { readonly sample: string; readonly expected: Receipt } {
  return {
    sample: readFileSync(join(root, 'samples', SMOKE_SAMPLE), 'utf8'),
    expected: JSON.parse(readFileSync(join(root, 'samples', 'expected', SMOKE_EXPECTED_RECEIPT), 'utf8')) as Receipt,
  };
}

/** The smoke test's file name: unique per run, so that its receipt is its own and never one of an earlier run. */
export function smokeFileName(now: Date): string {
  return `smoke-${now.toISOString().replace(/[-:]|\.\d{3}/g, '')}-${randomBytes(3).toString('hex')}.xml`;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Replaces what `pattern` matches by `replace`; the sample changed in a way this code does not know if nothing matched. */
function rewrite(text: string, pattern: RegExp, replace: (...groups: string[]) => string): string {
  let found = false;
  const result = text.replace(pattern, (...match: string[]) => {
    found = true;
    return replace(...match);
  });
  if (!found) throw new Error(`the smoke sample ${SMOKE_SAMPLE} no longer has ${pattern.source}`);
  return result;
}

/**
 * The sample as the smoke vendor sends it at `now`, so that a stage judges it as its expected receipt says on any
 * day, however often it is sent:
 * - the header names the uploader (a file of another vendor is rejected, `INVALID_HEADER`);
 * - `created` is `now`: the bytes are new on every run (the same bytes again would be a `duplicate`);
 * - every activity and membership date moves by whole weeks, to the last week that has passed (the same weekdays
 *   and ISO weeks: the same days, caps and payments), so that the activities are never in a closed period,
 *   registered late or after `created`. The sample's own date (of `created`) was 2026-11-22.
 * Birth dates and personnummer stay: the persons grow older, which changes no verdict before the oldest
 * participant (born 2010) turns 26 in 2036.
 */
export function smokeSampleOf(sample: string, options: { readonly vendor: string; readonly now: Date }): string {
  const created = /<Import\b[^>]*\screated="([^"]+)"/.exec(sample)?.[1];
  if (!created) throw new Error(`the smoke sample ${SMOKE_SAMPLE} has no created time`);
  const sampleDay = stockholmDateOf(created);
  const today = stockholmDate(options.now);
  const shift = Math.floor((Date.parse(today) - Date.parse(sampleDay)) / DAY_MS / 7) * 7;
  const moved = (date: string) => addDays(date, shift);
  let text = rewrite(
    sample,
    /(<Import\b[^>]*\svendor=")[^"]*(")/,
    (_, before, after) => `${before}${options.vendor}${after}`,
  );
  text = rewrite(
    text,
    /(<Import\b[^>]*\screated=")[^"]*(")/,
    (_, before, after) => `${before}${options.now.toISOString().replace(/\.\d{3}Z$/, 'Z')}${after}`,
  );
  text = rewrite(text, /<Date>(\d{4}-\d\d-\d\d)<\/Date>/g, (_, date) => `<Date>${moved(date!)}</Date>`);
  return rewrite(text, /<Membership\b[^>]*>/g, (tag) =>
    tag.replace(/\s(from|to)="(\d{4}-\d\d-\d\d)"/g, (_, name: string, date: string) => ` ${name}="${moved(date)}"`),
  );
}

/** An activity's verdict as the receipt gives it, for a message: codes and refs (vendor ids), never a person's data. */
function verdictText(activity: ActivityVerdict | undefined): string {
  return activity === undefined ? 'missing' : JSON.stringify(activity);
}

/**
 * What is wrong with the smoke file's receipt, against the sample's expected receipt: empty when it is right.
 * Compared: the file and the vendor, the status (`applied`), no errors, and every activity's verdict with every
 * reason, per leader and participant, and its payment. Not compared: times, the sha256, the counts (a re-send
 * finds the records unchanged or moved, not created) and the period totals (the periods move with the dates).
 */
export function receiptProblems(
  receipt: Receipt,
  expected: Receipt,
  sent: { readonly file: string; readonly vendor: string },
): string[] {
  const problems: string[] = [];
  if (receipt.file !== sent.file) problems.push(`the receipt is of ${receipt.file}, not of ${sent.file}`);
  if (receipt.vendor !== sent.vendor) problems.push(`the receipt names vendor ${receipt.vendor}, not ${sent.vendor}`);
  if (receipt.status !== expected.status) problems.push(`status ${receipt.status}, expected ${expected.status}`);
  if (receipt.errors.length > 0)
    problems.push(`${receipt.errors.length} error(s): ${[...new Set(receipt.errors.map((e) => e.code))].join(', ')}`);
  const got = new Map(receipt.activities.map((a) => [a.id, a]));
  for (const want of expected.activities) {
    const activity = got.get(want.id);
    if (!isDeepStrictEqual(activity, want))
      problems.push(`activity ${want.id}: ${verdictText(activity)}, expected ${verdictText(want)}`);
  }
  const extra = receipt.activities.filter((a) => !expected.activities.some((w) => w.id === a.id)).map((a) => a.id);
  if (extra.length > 0) problems.push(`activities the sample does not have: ${extra.join(', ')}`);
  return problems;
}
