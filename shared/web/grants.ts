/**
 * Who may read which club on the club's web page and its API: a club official is granted some clubs, RF support
 * all of them. Local mode signs users in by dev-sign-in.ts, the cloud by a Cognito user pool (its groups and the
 * custom attribute `clubs`); either way the API checks every club it is asked about against the grant.
 */
export interface Grant {
  /** The signed-in user's id (kept with an application they send; never logged). */
  readonly user: string;
  readonly clubs: 'all' | readonly string[];
}

/** The Cognito group (and local user) of RF support: every club. */
export const RF_SUPPORT = 'rf-support';

export function canRead(grant: Grant, club: string): boolean {
  return grant.clubs === 'all' || grant.clubs.includes(club);
}

/** A grant from a Cognito ID token's claims: RF support by group, officials by the `custom:clubs` attribute (comma-separated). */
export function grantOfClaims(claims: Readonly<Record<string, unknown>>): Grant | undefined {
  const user =
    typeof claims['cognito:username'] === 'string'
      ? claims['cognito:username']
      : typeof claims.sub === 'string'
        ? claims.sub
        : undefined;
  if (user === undefined) return undefined;
  const groups = claims['cognito:groups'];
  const groupList = Array.isArray(groups)
    ? groups.map(String)
    : typeof groups === 'string'
      ? groups.replace(/^\[|\]$/g, '').split(/[ ,]+/)
      : [];
  if (groupList.includes(RF_SUPPORT)) return { user, clubs: 'all' };
  const clubs =
    typeof claims['custom:clubs'] === 'string'
      ? claims['custom:clubs']
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== '')
      : [];
  return { user, clubs };
}
