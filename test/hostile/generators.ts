/**
 * The hostile files too big to commit, made at test time by small named generators (the small ones are files in
 * this folder). Each yields the file as text pieces; they share the layout of the committed files: a club of four
 * good persons (lines 5–8) and one good activity A-1 (the first line after the persons), so that a partly bad file
 * shows its good records applied.
 */
import { LIMITS } from '../../shared/core/format/limits.js';

export type Pieces = Iterable<string>;

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<Import xmlns="urn:lok-importer:import:1" vendor="hostile-vendor" created="2026-11-22T02:00:00+01:00" mode="delta">\n' +
  '  <Club id="100042">\n    <Persons>\n';

export function person(
  id: string,
  personnummer: string | undefined,
  first = 'Åsa',
  last = 'Öberg',
  extra = '',
): string {
  const identity = personnummer === undefined ? '' : `<PersonalNumber>${personnummer}</PersonalNumber>`;
  return `      <Person id="${id}">${identity}<FirstName>${first}</FirstName><LastName>${last}</LastName><Membership from="2020-01-01"/>${extra}</Person>\n`;
}

const GOOD_PERSONS =
  person('P-1', '201003151238') +
  person('P-2', '201501017857', 'Björn', 'Löfgren') +
  person('P-3', '20120411-2484', 'Måns', 'Ängström') +
  person('L-1', '198805125633', 'Håkan', 'Wästlund');

function activityOpen(id: string): string {
  return `      <Activity id="${id}"><Date>2026-11-18</Date><Start>18:00</Start><End>19:30</End><Sport>Fotboll</Sport><Place>Vallen</Place><Leader ref="L-1"/>`;
}

/** An activity like A-1: the leader L-1 and the participants P-1, P-2 and P-3 on 2026-11-18. */
const goodActivity = (id: string): string =>
  `${activityOpen(id)}<Participant ref="P-1"/><Participant ref="P-2"/><Participant ref="P-3"/></Activity>\n`;

const GOOD_ACTIVITY = goodActivity('A-1');

/** A whole file: the good club with `persons` after its persons and `activities` after A-1. */
export function* club(persons: Pieces = [], activities: Pieces = []): Generator<string> {
  yield HEAD + GOOD_PERSONS;
  yield* persons;
  yield '    </Persons>\n    <Activities>\n' + GOOD_ACTIVITY;
  yield* activities;
  yield '    </Activities>\n  </Club>\n</Import>\n';
}

/** Small strings joined into pieces of about 64 KiB. */
function* batched(parts: Iterable<string>): Generator<string> {
  let piece = '';
  for (const part of parts) {
    piece += part;
    if (piece.length >= 65536) {
      yield piece;
      piece = '';
    }
  }
  yield piece;
}

function* times<T>(count: number, make: (i: number) => T): Generator<T> {
  for (let i = 0; i < count; i++) yield make(i);
}

/** `count` copies of `unit`, in pieces of about 64 KiB. */
function* repeated(unit: string, count: number): Generator<string> {
  const perPiece = Math.max(1, Math.floor(65536 / unit.length));
  const piece = unit.repeat(perPiece);
  let left = count;
  for (; left >= perPiece; left -= perPiece) yield piece;
  if (left > 0) yield unit.repeat(left);
}

function* activityOf(id: string, participants: Pieces): Generator<string> {
  yield activityOpen(id);
  yield* participants;
  yield '</Activity>\n';
}

/** One element with `count` attributes (the attack used 10 million, 119 MB). */
export const attributeFlood = (count: number): Pieces =>
  club([
    '      <Person id="P-9"',
    ...batched(times(count, (i) => ` a${i}="x"`)),
    '><FirstName>A</FirstName><LastName>B</LastName></Person>\n',
  ]);

/** `bytes` of whitespace inside one FirstName (the attack used 600 MB). */
export const whitespaceInName = (bytes: number): Pieces =>
  club([
    '      <Person id="P-9"><FirstName>',
    ...repeated(' ', bytes),
    'Åsa</FirstName><LastName>B</LastName></Person>\n',
  ]);

/** A comment, a CDATA section, a processing instruction or an attribute value of `bytes` characters. */
export const hugeComment = (bytes: number): Pieces => club(['<!--', ...repeated('x', bytes), '-->\n']);
export const hugeCdata = (bytes: number): Pieces =>
  club([
    '      <Person id="P-9"><FirstName><![CDATA[',
    ...repeated('x', bytes),
    ']]></FirstName><LastName>B</LastName></Person>\n',
  ]);
export const hugeProcessingInstruction = (bytes: number): Pieces => club(['<?flood ', ...repeated('x', bytes), '?>\n']);
export const hugeAttributeValue = (bytes: number): Pieces =>
  club(['      <Person id="', ...repeated('x', bytes), '"><FirstName>A</FirstName><LastName>B</LastName></Person>\n']);
export const hugeElementName = (bytes: number): Pieces => club(['      <P', ...repeated('x', bytes), '/>\n']);
export const hugeEntityName = (bytes: number): Pieces =>
  club([
    '      <Person id="P-9"><FirstName>&',
    ...repeated('x', bytes),
    ';</FirstName><LastName>B</LastName></Person>\n',
  ]);

/** `depth` elements nested in one another inside a record. */
export const deepNesting = (depth: number): Pieces =>
  club([
    '      <Person id="P-9"><FirstName>A</FirstName><LastName>B</LastName>',
    ...repeated('<X>', depth),
    ...repeated('</X>', depth),
    '</Person>\n',
  ]);

/** One activity A-2 naming `count` participants, cycling through `refs`. */
export function manyParticipants(count: number, refs: readonly string[]): Pieces {
  const cycle = refs.map((ref) => `<Participant ref="${ref}"/>`).join('');
  return club([], activityOf('A-2', repeated(cycle, Math.ceil(count / refs.length))));
}

/** One activity A-2 naming `count` participants no person has. */
export function unknownRefs(count: number): Pieces {
  return club([], activityOf('A-2', batched(times(count, (i) => `<Participant ref="X-${i}"/>`))));
}

/** `persons` persons with `perPerson` unknown attributes each: an error each, past LIMITS.errorsPerFile in all. */
export function unknownAttributesOnManyPersons(persons: number, perPerson: number): Pieces {
  const attributes = Array.from({ length: perPerson }, (_, i) => ` u${i}="x"`).join('');
  return club(
    batched(
      times(
        persons,
        (i) => `      <Person id="U-${i}"${attributes}><FirstName>A</FirstName><LastName>B</LastName></Person>\n`,
      ),
    ),
  );
}

/** `count` person ids of the club with one personnummer: every one refused, each error naming the others. */
export function duplicatePersonnummer(count: number): Pieces {
  return club(batched(times(count, (i) => person(`D-${i}`, '200201018967'))));
}

const PAD = (prefix: string, i: number): string =>
  `${prefix}${String(i).padStart(LIMITS.idChars - prefix.length, '0')}`;

/** `count` more activities like A-1, with ids of LIMITS.idChars: each an entry in the same persons' calendars of 2026-2. */
export const activitiesOfOnePeriod = (count: number): Pieces =>
  club([], batched(times(count, (i) => goodActivity(PAD('S-', i)))));

/**
 * An activity at every record limit at once: ids and refs of LIMITS.idChars, fields of LIMITS.fieldChars, the most
 * participants (each marked with a disability), leaders and anonymous participants, each person a member only
 * from 2027 (so that every participant is listed in the verdict with a reason). Its stored items must stay under
 * DynamoDB's 400 KB.
 */
export function maximalActivity(): Pieces {
  const long = 'Å'.repeat(LIMITS.fieldChars);
  const ids = [
    ...times(LIMITS.participantsPerActivity, (i) => PAD('M-', i)),
    ...times(LIMITS.leadersPerActivity, (i) => PAD('N-', i)),
  ];
  const persons = ids.map(
    (id) =>
      `      <Person id="${id}"><BirthDate>2012-01-01</BirthDate><Nationality>SE</Nationality>` +
      `<FirstName>${long}</FirstName><LastName>${long}</LastName><Membership from="2027-01-01"/></Person>\n`,
  );
  const activity = function* () {
    yield (
      `      <Activity id="${PAD('A-', 0)}"><Date>2026-11-18</Date><Start>18:00</Start><End>19:30</End><Sport>${long}</Sport><Type>camp</Type>` +
      `<Group id="${PAD('G-', 0)}">${long}</Group><Place>${long}</Place>`
    );
    for (let i = 0; i < LIMITS.leadersPerActivity; i++) yield `<Leader ref="${PAD('N-', i)}"/>`;
    for (let i = 0; i < LIMITS.participantsPerActivity; i++)
      yield `<Participant ref="${PAD('M-', i)}" disability="true"/>`;
    for (let i = 0; i < LIMITS.anonymousPerActivity; i++)
      yield `<AnonymousParticipants birthYear="${1950 + Math.floor(i / 3)}" gender="${'FMX'[i % 3]}" count="9999"/>`;
    yield '</Activity>\n';
  };
  return club(batched(persons), batched(activity()));
}
