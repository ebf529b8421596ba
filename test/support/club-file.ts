/** Small Importer XML files for the club's side (application, CLI, web): one club, a team, its activities. */
export const HEAD = (vendor: string, created: string, mode = 'delta') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="${vendor}" created="${created}" mode="${mode}">`;

export const person = (id: string, pnr: string, first = 'Åsa', last = 'Öberg') =>
  `<Person id="${id}"><PersonalNumber>${pnr}</PersonalNumber><FirstName>${first}</FirstName><LastName>${last}</LastName><Membership from="2020-01-01"/></Person>`;

export interface ActivitySpec {
  readonly id: string;
  readonly date: string;
  readonly start?: string;
  readonly end?: string;
  readonly leader?: string;
  readonly participants?: readonly string[];
  readonly group?: string;
  readonly sport?: string;
}

// Valid personnummer (Luhn) of a leader born 1990 and four children born 2012–2014.
export const LEADER_PNR = '199005202388';
export const KID_PNRS = ['201203152382', '201306012384', '201407012382', '201405052380'];
export const KIDS = KID_PNRS.map((_, i) => `K${i}`);
export const TEAM = [
  person('L', LEADER_PNR, 'Lena', 'Ledare'),
  ...KID_PNRS.map((pnr, i) => person(`K${i}`, pnr, `Barn${i}`, 'Svensson')),
];

export function activity(spec: ActivitySpec): string {
  const leader =
    spec.leader === undefined ? '<Leader ref="L"/>' : spec.leader === '' ? '' : `<Leader ref="${spec.leader}"/>`;
  const group = spec.group === undefined ? '' : `<Group id="G-${spec.group}">${spec.group}</Group>`;
  return (
    `<Activity id="${spec.id}"><Date>${spec.date}</Date><Start>${spec.start ?? '17:00'}</Start><End>${spec.end ?? '18:30'}</End>` +
    `<Sport>${spec.sport ?? 'Fotboll'}</Sport><Type>training</Type>${group}<Place>Vallen</Place>${leader}` +
    `${(spec.participants ?? KIDS).map((p) => `<Participant ref="${p}"/>`).join('')}</Activity>`
  );
}

/** A delta file of one club: the team (unless `persons` is given) and the activities. */
export function clubFile(
  vendor: string,
  club: string,
  created: string,
  activities: readonly ActivitySpec[],
  persons: readonly string[] = TEAM,
): string {
  return `${HEAD(vendor, created)}<Club id="${club}"><Persons>${persons.join('')}</Persons><Activities>${activities.map(activity).join('')}</Activities></Club></Import>`;
}
