/**
 * A small world for model-based tests of the pipeline: two vendors, two clubs, a handful of national persons
 * that both vendors send (each with its own person ids), activities on a few days of two ISO weeks. Files are
 * generated as XML; a plain model applies them to maps and judges the final state from scratch.
 */
import fc from 'fast-check';
import { checkDigitFor } from '../../shared/core/personnummer/personnummer.js';
import type { ActivityType, Membership } from '../../shared/core/format/records.js';
import type { RegisterStore } from '../../shared/core/pipeline/ports.js';
import { judgeWeeks } from '../../shared/core/rules/judge-activities.js';
import type { JudgedActivity, JudgedPerson } from '../../shared/core/rules/judge-input.js';
import { compareStrings } from '../../shared/core/rules/ordering.js';
import { PeriodTotalsAccumulator } from '../../shared/core/rules/period-totals.js';
import type { ActivityVerdict } from '../../shared/core/rules/verdict.js';

export const VENDORS = ['v1', 'v2'] as const;
export const CLUBS = ['100001', '100002'] as const;
export const TODAY = '2026-11-25';
export const CREATED = '2026-11-24T02:00:00+01:00';
/** The LOK period every date of this world falls in. */
const PERIOD = '2026-2';

/** Persons by index: 0–1 adults (leaders), 2–5 children with a personnummer, 6 a foreign child known by birth date. */
const BIRTH_DATES = [
  '1990-05-20',
  '1985-01-01',
  '2012-03-15',
  '2013-06-01',
  '2010-07-01',
  '2015-01-01',
  '2012-05-05',
] as const;
export const PERSONS = BIRTH_DATES.length;
const FOREIGN = 6;

function personnummer(n: number): string {
  const date = BIRTH_DATES[n]!;
  const nine = `${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}${String(100 + n * 2).padStart(3, '0')}`;
  return `${date.slice(0, 2)}${nine}${checkDigitFor(nine)}`;
}

const MEMBERSHIPS: readonly Membership[][] = [
  [{ from: '2000-01-01' }],
  [],
  [{ from: '2026-11-11' }],
  [{ from: '2000-01-01', to: '2026-11-12' }],
];
const DATES = ['2026-11-09', '2026-11-10', '2026-11-12', '2026-11-15', '2026-11-16', '2026-11-17'] as const;
const STARTS = ['17:00', '17:30', '18:00'] as const;
const LENGTHS = [60, 90, 30] as const;
const SPORTS = ['Fotboll', 'Handboll'] as const;
const PLACES = ['Vallen', 'Hallen'] as const;
const TYPES: readonly ActivityType[] = ['training', 'training', 'competition', 'camp'];

export interface PersonSpec {
  readonly n: number;
  readonly memberships: number;
}
export interface ActivitySpec {
  readonly a: number;
  readonly date: number;
  readonly start: number;
  readonly length: number;
  readonly sport: number;
  readonly type: number;
  readonly group: boolean;
  readonly place: number;
  readonly leaders: readonly number[];
  readonly participants: readonly number[];
}
export interface ClubSpec {
  readonly club: string;
  readonly persons: readonly PersonSpec[];
  readonly deletePersons: readonly number[];
  readonly activities: readonly ActivitySpec[];
  readonly deleteActivities: readonly number[];
}
export interface FileSpec {
  readonly vendor: string;
  readonly mode: 'delta' | 'full';
  readonly clubs: readonly ClubSpec[];
}

/** Persons 2 to 5: the children every club of the world shares (of LOK age on every date). */
export const CHILDREN: readonly number[] = [2, 3, 4, 5];

/** Activity A<a> on the world's first date, start, length, sport, type and place, without a group, unless told. */
export function activitySpec(
  fields: Pick<ActivitySpec, 'leaders' | 'participants'> & Partial<ActivitySpec>,
): ActivitySpec {
  return { a: 0, date: 0, start: 0, length: 0, sport: 0, type: 0, group: false, place: 0, ...fields };
}

/** A vendor's delta file of one club: `persons` (the world's `memberships`th list each) and `activities`, no deletes. */
export function clubFile(
  vendor: string,
  club: string,
  persons: readonly number[],
  activities: readonly ActivitySpec[] = [],
  memberships = 0,
): FileSpec {
  const spec = { club, persons: persons.map((n) => ({ n, memberships })), activities };
  return { vendor, mode: 'delta', clubs: [{ ...spec, deletePersons: [], deleteActivities: [] }] };
}

/** A vendor's file of one club: a leader, the CHILDREN, and activity A<a> on the world's `day`th date (0: Monday). */
export function oneActivityFile(vendor: string, club: string, leader: number, day = 0, a = 0): FileSpec {
  const activity = activitySpec({ a, date: day, leaders: [leader], participants: CHILDREN });
  return clubFile(vendor, club, [leader, ...CHILDREN], [activity]);
}

const indexes = (max: number) => fc.uniqueArray(fc.integer({ min: 0, max }), { maxLength: max + 1 });

const activityArb = (a: number): fc.Arbitrary<ActivitySpec> =>
  fc.record({
    a: fc.constant(a),
    date: fc.integer({ min: 0, max: DATES.length - 1 }),
    start: fc.integer({ min: 0, max: STARTS.length - 1 }),
    length: fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) },
    ),
    sport: fc.integer({ min: 0, max: 1 }),
    type: fc.integer({ min: 0, max: TYPES.length - 1 }),
    group: fc.boolean(),
    place: fc.integer({ min: 0, max: 1 }),
    leaders: fc.oneof(
      { weight: 5, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 2 }) },
      { weight: 1, arbitrary: indexes(FOREIGN) },
    ),
    participants: fc.uniqueArray(fc.integer({ min: 2, max: FOREIGN }), { minLength: 2, maxLength: 5 }),
  });

const clubArb = (club: string): fc.Arbitrary<ClubSpec> =>
  fc
    .record({
      persons: fc.uniqueArray(
        fc.record({
          n: fc.integer({ min: 0, max: FOREIGN }),
          memberships: fc.oneof(
            { weight: 5, arbitrary: fc.constant(0) },
            { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) },
          ),
        }),
        { selector: (p) => p.n, maxLength: PERSONS },
      ),
      deletePersons: fc.oneof(
        { weight: 4, arbitrary: fc.constant<number[]>([]) },
        { weight: 1, arbitrary: indexes(FOREIGN) },
      ),
      activities: fc
        .uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })
        .chain((ids) => fc.tuple(...ids.map(activityArb))),
      deleteActivities: fc.oneof(
        { weight: 4, arbitrary: fc.constant<number[]>([]) },
        { weight: 1, arbitrary: indexes(3) },
      ),
    })
    .map((c) => ({
      club,
      persons: c.persons,
      deletePersons: c.deletePersons.filter((n) => !c.persons.some((p) => p.n === n)),
      activities: c.activities,
      deleteActivities: c.deleteActivities.filter((a) => !c.activities.some((x) => x.a === a)),
    }));

export const fileArb: fc.Arbitrary<FileSpec> = fc.record({
  vendor: fc.constantFrom(...VENDORS),
  mode: fc.oneof(
    { weight: 4, arbitrary: fc.constant<'delta'>('delta') },
    { weight: 1, arbitrary: fc.constant<'full'>('full') },
  ),
  clubs: fc.subarray([...CLUBS], { minLength: 1 }).chain((clubs) => fc.tuple(...clubs.map(clubArb))),
});

const ref = (n: number) => `P${n}`;
const activityId = (a: number) => `A${a}`;

function endOf(start: string, minutes: number): string {
  const total = Number(start.slice(0, 2)) * 60 + Number(start.slice(3)) + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

export function xmlOf(file: FileSpec, created = CREATED): string {
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<Import xmlns="urn:lok-importer:import:1" vendor="${file.vendor}" created="${created}" mode="${file.mode}">`,
  ];
  for (const club of file.clubs) {
    lines.push(`<Club id="${club.club}"><Persons>`);
    for (const p of club.persons) {
      const identity =
        p.n === FOREIGN
          ? `<BirthDate>${BIRTH_DATES[p.n]}</BirthDate><Nationality>NO</Nationality>`
          : `<PersonalNumber>${personnummer(p.n)}</PersonalNumber>`;
      const memberships = MEMBERSHIPS[p.memberships]!.map(
        (m) => `<Membership from="${m.from}"${m.to ? ` to="${m.to}"` : ''}/>`,
      ).join('');
      lines.push(
        `<Person id="${ref(p.n)}">${identity}<FirstName>Åsa</FirstName><LastName>Öberg</LastName>${memberships}</Person>`,
      );
    }
    for (const n of club.deletePersons) lines.push(`<DeletePerson id="${ref(n)}"/>`);
    lines.push(`</Persons><Activities>`);
    for (const a of club.activities) {
      const start = STARTS[a.start]!;
      const type = TYPES[a.type]!;
      lines.push(
        `<Activity id="${activityId(a.a)}"><Date>${DATES[a.date]}</Date><Start>${start}</Start><End>${endOf(start, LENGTHS[a.length]!)}</End>` +
          `<Sport>${SPORTS[a.sport]}</Sport><Type>${type}</Type>${a.group ? '<Group id="G1">Lag 1</Group>' : ''}<Place>${PLACES[a.place]}</Place>` +
          a.leaders.map((n) => `<Leader ref="${ref(n)}"/>`).join('') +
          a.participants.map((n) => `<Participant ref="${ref(n)}"/>`).join('') +
          `</Activity>`,
      );
    }
    for (const a of club.deleteActivities) lines.push(`<DeleteActivity id="${activityId(a)}"/>`);
    lines.push(`</Activities></Club>`);
  }
  lines.push('</Import>');
  return lines.join('\n');
}

interface ModelActivity {
  readonly vendor: string;
  readonly club: string;
  readonly spec: ActivitySpec;
  readonly leaders: readonly { ref: string; national: string }[];
  readonly participants: readonly { ref: string; national: string }[];
}

/** The register as a plain model: what each vendor's files leave, with refs resolved when an activity is applied. */
export class WorldModel {
  readonly links = new Map<string, { national: string; memberships: readonly Membership[] }>();
  readonly activities = new Map<string, ModelActivity>();

  private national(vendor: string, club: string, n: number): string {
    return n === FOREIGN ? `local|${vendor}|${club}|${ref(n)}` : `pnr|${n}`;
  }

  apply(file: FileSpec): void {
    for (const club of file.clubs) {
      const at = (r: string) => `${file.vendor}|${club.club}|${r}`;
      for (const p of club.persons)
        this.links.set(at(ref(p.n)), {
          national: this.national(file.vendor, club.club, p.n),
          memberships: MEMBERSHIPS[p.memberships]!,
        });
      for (const n of club.deletePersons) this.links.delete(at(ref(n)));
      if (file.mode === 'full') {
        const sent = new Set(club.persons.map((p) => at(ref(p.n))));
        for (const key of [...this.links.keys()]) if (key.startsWith(at('')) && !sent.has(key)) this.links.delete(key);
      }
      const resolve = (ns: readonly number[]) =>
        ns.flatMap((n) => {
          const link = this.links.get(at(ref(n)));
          return link ? [{ ref: ref(n), national: link.national }] : [];
        });
      for (const a of club.activities) {
        this.activities.set(at(activityId(a.a)), {
          vendor: file.vendor,
          club: club.club,
          spec: a,
          leaders: resolve(a.leaders),
          participants: resolve(a.participants),
        });
      }
      for (const a of club.deleteActivities) this.activities.delete(at(activityId(a)));
      if (file.mode === 'full') {
        const sent = new Set(club.activities.map((a) => at(activityId(a.a))));
        for (const key of [...this.activities.keys()])
          if (key.startsWith(at('')) && !sent.has(key)) this.activities.delete(key);
      }
    }
  }

  /** The final state as the rules see it, keyed `vendor|club|id`. */
  judgedActivities(): Map<string, JudgedActivity> {
    const persons = new Map<
      string,
      { key: string; identity: JudgedPerson['identity']; birthDate: string; memberships: Map<string, Membership[]> }
    >();
    const personOf = (national: string) => {
      let person = persons.get(national);
      if (!person) {
        const n = national.startsWith('pnr|') ? Number(national.slice(4)) : FOREIGN;
        persons.set(
          national,
          (person = {
            key: national,
            identity: n === FOREIGN ? 'foreign' : 'personnummer',
            birthDate: BIRTH_DATES[n]!,
            memberships: new Map(),
          }),
        );
      }
      return person;
    };
    for (const [key, link] of this.links) {
      const club = key.split('|')[1]!;
      const person = personOf(link.national);
      person.memberships.set(club, [...(person.memberships.get(club) ?? []), ...link.memberships]);
    }
    const byRef = (a: { ref: string }, b: { ref: string }) => compareStrings(a.ref, b.ref);
    const result = new Map<string, JudgedActivity>();
    for (const [key, a] of this.activities) {
      const start = STARTS[a.spec.start]!;
      const type = TYPES[a.spec.type]!;
      result.set(key, {
        club: a.club,
        id: activityId(a.spec.a),
        vendor: a.vendor,
        date: DATES[a.spec.date]!,
        start,
        end: endOf(start, LENGTHS[a.spec.length]!),
        sport: SPORTS[a.spec.sport]!,
        place: PLACES[a.spec.place]!,
        type,
        ...(a.spec.group ? { group: 'G1' } : {}),
        dropIn: false,
        remote: false,
        tryOut: false,
        leaders: [...a.leaders].sort(byRef).map((l) => ({ ref: l.ref, person: personOf(l.national) })),
        participants: [...a.participants]
          .sort(byRef)
          .map((p) => ({ ref: p.ref, person: personOf(p.national), disability: false })),
        anonymous: [],
        receivedOn: TODAY,
        createdOn: CREATED.slice(0, 10),
      });
    }
    return result;
  }
}

/** Verdicts keyed `vendor|club|id` and the totals of club periods with an approved activity. */
export interface WorldOutcome {
  readonly verdicts: Map<string, ActivityVerdict>;
  readonly totals: unknown[];
}

/** What the register holds for this world's clubs, sorted for comparison. */
export async function storedOutcome(store: RegisterStore): Promise<WorldOutcome> {
  const verdicts = new Map<string, ActivityVerdict>();
  const totals = [];
  for (const club of CLUBS) {
    for (const v of await store.verdictsOf(club, PERIOD)) verdicts.set(`${v.vendor}|${v.club}|${v.id}`, v.verdict);
    for (const t of await store.totalsOf(club)) if (t.totals.approvedActivities > 0) totals.push(t.totals);
  }
  return { verdicts: new Map([...verdicts].sort()), totals };
}

/** The model's final state judged from scratch, as `check` judges a file. */
export function outcomeFromScratch(model: WorldModel): WorldOutcome {
  const verdicts = new Map<string, ActivityVerdict>();
  const totals = new PeriodTotalsAccumulator();
  for (const week of judgeWeeks(model.judgedActivities().values(), {
    today: TODAY,
    club: () => ({ countsEveryoneAsDisabled: false, submittedPeriods: new Set() }),
  })) {
    for (const { activity, verdict } of week) {
      verdicts.set(`${activity.vendor}|${activity.club}|${activity.id}`, verdict);
      totals.add(activity, verdict);
    }
  }
  return { verdicts: new Map([...verdicts].sort()), totals: totals.totals() };
}
