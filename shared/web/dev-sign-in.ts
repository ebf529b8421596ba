import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RF_SUPPORT, type Grant } from './grants.js';

/**
 * Local mode's sign-in (docs/club-guide.md): a dev login that lists its users, one club official per club of the
 * register (`official-<club>`, granted that club) and RF support (`rf-support`, every club). Signing in gives a
 * token (the user and a keyed hash of it, the key new on every start) that the page sends as a Bearer token.
 * Anyone at this machine may sign in as anyone: it stands in for the cloud's Cognito user pool, and the API's
 * access rule (grants.ts) is the same.
 */
export class DevSignIn {
  private readonly key = randomBytes(32);

  constructor(private readonly clubs: () => Promise<readonly string[]>) {}

  /** The users one can sign in as: RF support and an official per club. */
  async users(): Promise<{ user: string; clubs: 'all' | readonly string[] }[]> {
    return [
      { user: RF_SUPPORT, clubs: 'all' },
      ...(await this.clubs()).map((club) => ({ user: `official-${club}`, clubs: [club] })),
    ];
  }

  async signIn(user: string): Promise<string | undefined> {
    return (await this.users()).some((u) => u.user === user) ? `${user}.${this.mac(user)}` : undefined;
  }

  /** The grant of a token this sign-in gave; undefined for anything else. */
  grantOf(token: string | undefined): Grant | undefined {
    if (token === undefined) return undefined;
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const user = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'hex');
    const expected = Buffer.from(this.mac(user), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (user === RF_SUPPORT) return { user, clubs: 'all' };
    const club = /^official-(.+)$/.exec(user)?.[1];
    return club === undefined ? undefined : { user, clubs: [club] };
  }

  private mac(user: string): string {
    return createHmac('sha256', this.key).update(user).digest('hex');
  }
}
