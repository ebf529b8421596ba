import { XMLBuilder } from 'fast-xml-parser';
import { addDays, formatDate } from '../calendar/dates.js';
import { IMPORT_NAMESPACE, type ImportMode } from '../format/records.js';
import { checkDigitFor } from '../personnummer/personnummer.js';
import { Random } from './random.js';
import { COLOURS, FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES, NATIONALITIES, PLACES, SPORTS } from './swedish-names.js';

export interface GenerateOptions {
  readonly clubs: number;
  readonly persons: number;
  readonly activities: number;
  /** Share of records made deliberately bad (refused records or rule failures), 0–1. */
  readonly badShare: number;
  readonly seed: string;
  readonly vendor?: string;
  /** The file's `mode` (default `delta`): a `full` file removes what the vendor sent the clubs before and left out. */
  readonly mode?: ImportMode;
  /** Activity dates are spread over [from, to]. */
  readonly from?: string;
  readonly to?: string;
  /** First club id; clubs are numbered from it. */
  readonly firstClubId?: number;
}

interface GeneratedPerson {
  readonly id: string;
  readonly birthYear: number;
  readonly female: boolean;
}

interface Group {
  readonly id: string;
  readonly name: string;
  readonly sport: string;
  readonly place: string;
  readonly members: GeneratedPerson[];
  readonly leaders: GeneratedPerson[];
  readonly start: string;
  nextDay: number;
}

// suppressBooleanAttributes off: the builder would otherwise write disability="true" as a bare, ill-formed attribute.
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

function indent(xml: string, spaces: string): string {
  return (
    xml
      .trimEnd()
      .split('\n')
      .map((line) => spaces + line)
      .join('\n') + '\n'
  );
}

/** Spreads `total` over `parts` as evenly as whole numbers allow. */
function share(total: number, parts: number, index: number): number {
  return Math.floor((total * (index + 1)) / parts) - Math.floor((total * index) / parts);
}

/**
 * Writes a realistic, deterministic Importer XML v1 file as a sequence of text chunks (one per record), so a
 * file of any size streams out in constant memory: Swedish names with åäö, valid personnummer, groups by birth
 * year, several sports, leaders, memberships, and a share of deliberately bad records.
 */
export function* generateImport(options: GenerateOptions): Generator<string> {
  const random = new Random(options.seed);
  const from = options.from ?? '2026-08-17';
  const to = options.to ?? '2026-11-20';
  const span = Math.max(1, Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1);
  const year = Number(from.slice(0, 4));
  const usedNumbers = new Set<string>();
  const bad = (): boolean => random.chance(options.badShare);

  yield `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="${IMPORT_NAMESPACE}" vendor="${options.vendor ?? 'demo-vendor'}" created="${addDays(to, 1)}T02:00:00+01:00" mode="${options.mode ?? 'delta'}">\n`;
  for (let c = 0; c < options.clubs; c++) {
    const club = String((options.firstClubId ?? 100042) + c);
    const personCount = Math.max(share(options.persons, options.clubs, c), 0);
    const activityCount = share(options.activities, options.clubs, c);
    const sports = [random.pick(SPORTS), random.pick(SPORTS)];
    yield `  <Club id="${club}">\n    <Persons>\n`;

    const youth: GeneratedPerson[] = [];
    const leaders: GeneratedPerson[] = [];
    for (let p = 0; p < personCount; p++) {
      const isLeader = p % 10 === 0;
      const female = random.chance(0.5);
      const birthYear = isLeader
        ? year - random.int(16, 55)
        : year - random.int(random.chance(0.05) ? 4 : 7, random.chance(0.05) ? 30 : 20);
      const person: GeneratedPerson = { id: `P-${club}-${p + 1}`, birthYear, female };
      (isLeader ? leaders : youth).push(person);
      yield indent(builder.build({ Person: personElement(person, random, usedNumbers, year, bad()) }), '      ');
    }
    yield `    </Persons>\n    <Activities>\n`;

    const groups = makeGroups(club, youth, leaders, sports, random, from);
    for (let a = 0; a < activityCount && groups.length > 0; a++) {
      const group = groups[a % groups.length]!;
      const date = addDays(group.start, group.nextDay % span);
      group.nextDay += random.int(2, 4);
      yield indent(
        builder.build({ Activity: activityElement(`A-${club}-${a + 1}`, group, date, random, bad()) }),
        '      ',
      );
    }
    yield `    </Activities>\n  </Club>\n`;
  }
  yield `</Import>\n`;
}

function personElement(
  person: GeneratedPerson,
  random: Random,
  used: Set<string>,
  year: number,
  bad: boolean,
): Record<string, unknown> {
  const month = random.int(1, 12);
  const day = random.int(1, 28);
  const element: Record<string, unknown> = { '@_id': person.id };
  const foreign = random.chance(0.02);
  const badKind = bad ? random.int(0, 2) : -1;
  if (foreign || badKind === 1) {
    element.BirthDate = formatDate(person.birthYear, month, day);
    if (badKind !== 1) element.Nationality = random.pick(NATIONALITIES);
  } else {
    let number: string;
    do {
      const serial = random.int(1, 99) * 10 + (person.female ? random.int(0, 4) * 2 : random.int(0, 4) * 2 + 1);
      const nine = `${String(person.birthYear).slice(2)}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${String(serial).padStart(3, '0')}`;
      let check = checkDigitFor(nine);
      if (badKind === 0) check = (check + 1) % 10;
      number = String(person.birthYear).slice(0, 2) + nine + check;
    } while (used.has(number));
    used.add(number);
    // Vendors write personnummer every which way; the importer must accept them all.
    const style = random.int(0, 2);
    element.PersonalNumber =
      style === 0
        ? number
        : style === 1
          ? `${number.slice(0, 8)}-${number.slice(8)}`
          : `${number.slice(2, 8)}${year - person.birthYear >= 100 ? '+' : '-'}${number.slice(8)}`;
  }
  element.FirstName = random.pick(person.female ? FIRST_NAMES_F : FIRST_NAMES_M);
  element.LastName = random.pick(LAST_NAMES);
  element.Gender = badKind === 2 ? 'K' : person.female ? 'F' : 'M';
  if (random.chance(0.4)) element.Email = `${person.id.toLowerCase()}@example.se`;
  element.MemberNumber = person.id.split('-').pop();
  element.Membership = { '@_from': `${Math.min(year - 1, person.birthYear + random.int(5, 12))}-01-01` };
  return element;
}

function makeGroups(
  club: string,
  youth: GeneratedPerson[],
  leaders: GeneratedPerson[],
  sports: string[],
  random: Random,
  from: string,
): Group[] {
  const byYear = [...youth].sort((a, b) => a.birthYear - b.birthYear || (a.id < b.id ? -1 : 1));
  const groups: Group[] = [];
  for (let i = 0; i < byYear.length; i += 14) {
    const members = byYear.slice(i, i + 14);
    const first = members[0]!;
    const groupLeaders =
      leaders.length === 0
        ? []
        : [
            leaders[groups.length % leaders.length]!,
            ...(random.chance(0.4) ? [leaders[(groups.length + 1) % leaders.length]!] : []),
          ];
    groups.push({
      id: `G-${club}-${groups.length + 1}`,
      name: `${first.female ? 'F' : 'P'}${String(first.birthYear).slice(2)} ${random.pick(COLOURS)}`,
      sport: sports[groups.length % sports.length]!,
      place: random.pick(PLACES),
      members,
      leaders: [...new Set(groupLeaders)],
      start: addDays(from, groups.length % 3),
      nextDay: 0,
    });
  }
  return groups;
}

function activityElement(
  id: string,
  group: Group,
  date: string,
  random: Random,
  bad: boolean,
): Record<string, unknown> {
  const startMinutes = random.int(64, 78) * 15;
  const length = random.pick([60, 60, 75, 90, 90, 120]);
  const time = (m: number): string =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const kind = bad ? random.int(0, 6) : -1;
  const roll = random.next();
  const type = roll < 0.85 ? 'training' : roll < 0.92 ? 'competition' : roll < 0.94 ? 'camp' : 'other';
  const element: Record<string, unknown> = {
    '@_id': id,
    Date: kind === 6 ? `${date.slice(0, 8)}32` : date,
    Start: time(startMinutes),
    End: kind === 3 ? time(startMinutes - 30) : time(startMinutes + (kind === 0 ? 30 : length)),
    Sport: group.sport,
    Type: type,
    Group: { '@_id': group.id, '#text': group.name },
  };
  if (kind !== 1) element.Place = group.place;
  if (kind === 4) element.Remote = '';
  if (random.chance(0.05)) element.TryOut = '';
  if (kind !== 5) element.Leader = group.leaders.map((l) => ({ '@_ref': l.id }));
  const participants = group.members
    .filter(() => random.chance(0.8))
    .map((m) => ({ '@_ref': m.id, ...(random.chance(0.01) ? { '@_disability': 'true' } : {}) }));
  if (kind === 2) participants.push({ '@_ref': `${id}-nobody` });
  element.Participant = participants;
  if (random.chance(0.03))
    element.AnonymousParticipants = {
      '@_birthYear': String(group.members[0]!.birthYear),
      '@_gender': random.pick(['F', 'M']),
      '@_count': '1',
    };
  return element;
}
