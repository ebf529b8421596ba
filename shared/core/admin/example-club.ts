import type { Club } from './register-admin.js';

/**
 * A football club as local mode's demo, the benchmarks and the tests add it to the register: `IK <id>`, matched by
 * personnummer, no one counted as disabled unless the file says so; `overrides` for what a case needs.
 */
export function exampleClub(id: string, overrides: Partial<Club> = {}): Club {
  return {
    id,
    name: `IK ${id}`,
    sports: ['Fotboll'],
    federation: 'Svenska Fotbollförbundet',
    identityKey: 'personnummer',
    countsEveryoneAsDisabled: false,
    ...overrides,
  };
}
