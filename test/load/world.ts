/**
 * The load test's world (issue 15, item 4): 20 vendors, each with its own clubs and its own persons (a person is in
 * several clubs of their vendor: one national person), sending many small delta files. Each file is generated
 * from a plain model of what the register holds for the vendor, so that the file's expected status is known and
 * the model, applied in upload order, is what the register must end with. Seeded: a failure replays.
 */
import { checkDigitFor } from '../../shared/core/personnummer/personnummer.js';

export const LOAD = {
  vendors: 20,
  /** LOK_LOAD_FILES_PER_VENDOR runs a smaller load (a quick try of the test itself). */
  filesPerVendor: Number(process.env.LOK_LOAD_FILES_PER_VENDOR ?? 500),
  clubsPerVendor: 5,
  personsPerVendor: 12,
  /** Activity ids per club (A0…): later files change earlier files' activities, so order matters. */
  activitiesPerClub: 10,
  /** Shares of the files: byte-identical re-sends of an earlier applied file, truncated files, files with bad records. */
  resend: 0.04,
  truncated: 0.03,
  badRecords: 0.05,
  /** Every activity's date lies in this LOK period, before the created date. */
  /** Local mode's imports in flight: LOCAL_IMPORTS_IN_FLIGHT unless LOK_LOAD_IN_FLIGHT says otherwise. */
  importsInFlight: process.env.LOK_LOAD_IN_FLIGHT ? Number(process.env.LOK_LOAD_IN_FLIGHT) : undefined,
  period: '2026-2',
  created: '2026-12-01T02:00:00+01:00',
} as const;

/** Persons 0–2 are adults (the leaders), the rest children. */
const ADULTS = 3;
const DATES = [
  '2026-11-02',
  '2026-11-03',
  '2026-11-05',
  '2026-11-10',
  '2026-11-12',
  '2026-11-17',
  '2026-11-19',
  '2026-11-24',
  '2026-11-26',
] as const;
const STARTS = ['17:00', '17:30', '18:00', '18:30'] as const;
const MEMBERSHIPS = [
  '',
  '<Membership from="2000-01-01"/>',
  '<Membership from="2026-11-11"/>',
  '<Membership from="2000-01-01" to="2026-11-12"/>',
] as const;

export type Expected = 'applied' | 'partially_applied' | 'rejected' | 'duplicate';

export interface LoadFile {
  readonly vendor: string;
  readonly name: string;
  readonly xml: string;
  readonly expected: Expected;
}

export interface ModelPerson {
  readonly k: number;
  readonly memberships: number;
}
export interface ModelActivity {
  readonly id: string;
  readonly date: string;
  readonly start: string;
  readonly place: string;
  readonly leaders: readonly string[];
  readonly participants: readonly string[];
}
/** What the register holds of one vendor's club: persons by ref, live activities by id. */
export interface ModelClub {
  readonly persons: Map<string, ModelPerson>;
  readonly activities: Map<string, ModelActivity>;
}

export const vendorId = (v: number) => `load-v${String(v).padStart(2, '0')}`;
export const clubsOf = (v: number) =>
  Array.from({ length: LOAD.clubsPerVendor }, (_, c) => String(400_000 + v * 10 + c));
const ref = (k: number) => `P${k}`;

/** A vendor's person k: adults born in the 1980s, children 2010–2015; serials unique across the world. */
function personnummer(v: number, k: number): string {
  const year = k < ADULTS ? 1980 + k : 2010 + (k % 6);
  const nine = `${String(year).slice(2)}${String(1 + (k % 12)).padStart(2, '0')}${String(1 + v).padStart(2, '0')}${String(100 + v * LOAD.personsPerVendor + k)}`;
  return `${String(year).slice(0, 2)}${nine}${checkDigitFor(nine)}`;
}

const endOf = (start: string) => `${String(Number(start.slice(0, 2)) + 1).padStart(2, '0')}${start.slice(2)}`;

function personXml(v: number, p: ModelPerson): string {
  return `<Person id="${ref(p.k)}"><PersonalNumber>${personnummer(v, p.k)}</PersonalNumber><FirstName>Åsa</FirstName><LastName>Öberg</LastName>${MEMBERSHIPS[p.memberships]}</Person>`;
}

function activityXml(a: ModelActivity): string {
  return (
    `<Activity id="${a.id}"><Date>${a.date}</Date><Start>${a.start}</Start><End>${endOf(a.start)}</End><Sport>Fotboll</Sport><Type>training</Type>` +
    `<Place>${a.place}</Place>${a.leaders.map((r) => `<Leader ref="${r}"/>`).join('')}${a.participants.map((r) => `<Participant ref="${r}"/>`).join('')}</Activity>`
  );
}

function fileXml(vendor: string, clubs: readonly { club: string; persons: string[]; activities: string[] }[]): string {
  const body = clubs.map(
    (c) =>
      `<Club id="${c.club}"><Persons>\n${c.persons.join('\n')}\n</Persons><Activities>\n${c.activities.join('\n')}\n</Activities></Club>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="${vendor}" created="${LOAD.created}" mode="delta">\n${body.join('\n')}\n</Import>\n`;
}

/** A small seeded generator (Park–Miller). */
class Random {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state * 48271) % 2147483647;
    return this.state / 2147483647;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  some<T>(items: readonly T[], min: number, max: number): T[] {
    const shuffled = [...items].sort(() => this.next() - 0.5);
    return shuffled.slice(0, Math.min(items.length, min + this.int(max - min + 1)));
  }
}

/**
 * One vendor's files in upload order, and the model of its clubs once they are applied in that order (a re-sent
 * or truncated file changes nothing; a bad record is refused and a ref to nobody left out).
 */
export function vendorWorld(v: number): { files: LoadFile[]; model: Map<string, ModelClub> } {
  const vendor = vendorId(v);
  const random = new Random(1 + v * 7919);
  const model = new Map(clubsOf(v).map((club) => [club, { persons: new Map(), activities: new Map() } as ModelClub]));
  const files: LoadFile[] = [];
  const appliedTexts: { name: string; xml: string }[] = [];
  for (let i = 0; i < LOAD.filesPerVendor; i++) {
    const name = `f${String(i).padStart(3, '0')}`;
    const roll = random.next();
    if (roll < LOAD.resend && appliedTexts.length > 0) {
      const earlier = random.pick(appliedTexts);
      files.push({ vendor, name: `${name}-again-${earlier.name}`, xml: earlier.xml, expected: 'duplicate' });
      continue;
    }
    const bad = roll >= LOAD.resend + LOAD.truncated && roll < LOAD.resend + LOAD.truncated + LOAD.badRecords;
    const truncated = roll >= LOAD.resend && roll < LOAD.resend + LOAD.truncated;
    // A truncated file applies nothing: its records are drawn against a copy of the model.
    const target = truncated ? copyOf(model) : model;
    const clubs = random.some(clubsOf(v), 1, 2).map((club) => clubChanges(v, i, club, target.get(club)!, random, bad));
    const xml = fileXml(vendor, clubs);
    if (truncated) {
      files.push({ vendor, name: `${name}.xml`, xml: xml.slice(0, Math.floor(xml.length / 2)), expected: 'rejected' });
      continue;
    }
    files.push({ vendor, name: `${name}.xml`, xml, expected: bad ? 'partially_applied' : 'applied' });
    appliedTexts.push({ name: `${name}.xml`, xml });
  }
  return { files, model };
}

function copyOf(model: Map<string, ModelClub>): Map<string, ModelClub> {
  return new Map(
    [...model].map(([club, c]) => [club, { persons: new Map(c.persons), activities: new Map(c.activities) }]),
  );
}

/** One club's part of file i: a few persons (new, or with other memberships), a few activities, now and then a deletion. */
function clubChanges(
  v: number,
  i: number,
  club: string,
  state: ModelClub,
  random: Random,
  bad: boolean,
): { club: string; persons: string[]; activities: string[] } {
  const persons: string[] = [];
  for (const k of random.some(
    Array.from({ length: LOAD.personsPerVendor }, (_, k) => k),
    1,
    3,
  )) {
    const person = { k, memberships: random.int(MEMBERSHIPS.length) };
    state.persons.set(ref(k), person);
    persons.push(personXml(v, person));
  }
  // A bad record: a personnummer whose check digit is wrong (INVALID_PERSONNUMMER; the person is refused).
  if (bad)
    persons.push(
      `<Person id="BAD${i}"><PersonalNumber>201003151230</PersonalNumber><FirstName>X</FirstName><LastName>Y</LastName></Person>`,
    );
  const known = [...state.persons.keys()];
  const adults = known.filter((r) => Number(r.slice(1)) < ADULTS);
  const children = known.filter((r) => Number(r.slice(1)) >= ADULTS);
  const activities: string[] = [];
  for (const a of random.some(
    Array.from({ length: LOAD.activitiesPerClub }, (_, a) => `A${a}`),
    1,
    3,
  )) {
    const activity: ModelActivity = {
      id: a,
      date: random.pick(DATES),
      start: random.pick(STARTS),
      place: `F${i}`,
      leaders: random.some(adults, 1, 1),
      participants: random.some(children, 2, 4).sort(),
    };
    state.activities.set(a, activity);
    // A ref to nobody (UNKNOWN_PERSON_REF) is left out: the register holds the activity without it.
    activities.push(activityXml(bad ? { ...activity, participants: [...activity.participants, 'NOBODY'] } : activity));
  }
  const sent = new Set(activities.map((x) => /id="([^"]+)"/.exec(x)![1]));
  const deletable = [...state.activities.keys()].filter((id) => !sent.has(id));
  if (deletable.length > 0 && random.next() < 0.1) {
    const id = random.pick(deletable);
    state.activities.delete(id);
    activities.push(`<DeleteActivity id="${id}"/>`);
  }
  return { club, persons, activities };
}

/** The vendor's final state as one file: `check` of it judges the final state from scratch. */
export function finalFile(v: number, model: ReadonlyMap<string, ModelClub>): string {
  return fileXml(
    vendorId(v),
    [...model].map(([club, c]) => ({
      club,
      persons: [...c.persons.values()].map((p) => personXml(v, p)),
      activities: [...c.activities.values()].map(activityXml),
    })),
  );
}
