import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbApplicationStore } from '../shared/adapters/dynamodb/application-store-dynamodb.js';
import { DevSignIn } from '../shared/web/dev-sign-in.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACTIVITY_CODES,
  LEADER_CODES,
  PARTICIPANT_CODES,
  PAYMENT_CODES,
  WARNING_CODES,
} from '../shared/core/errors/codes.js';
import { FIXES, fixesOf } from '../shared/web/fixes.js';
import { startClubWeb, type ClubWeb } from '../shared/web/server.js';
import { ROOT } from './support/run-cli.js';
import { grantOfClaims } from '../shared/web/grants.js';
import { clubFile, KID_PNRS, LEADER_PNR } from './support/club-file.js';
import { handlerEnvOnDynamoDbLocal } from './support/function-env.js';
import { clockAt, importText, registerForFile } from './support/pipeline.js';

/**
 * The club's web API over HTTP as local mode serves it (shared/web/server.ts), on DynamoDB Local: who may read
 * what (an official only their club, RF support every club, nobody unsigned), what an activity shows of persons
 * (names, birth dates; never a personnummer), and the application sent from the page.
 */
const db = registerForFile(['v1'], ['100001', '100002']);
let web: ClubWeb;
const signIn = new DevSignIn(async () => ['100001', '100002']);

async function call(
  path: string,
  token?: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const response = await fetch(new URL(path, web.url), {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* a CSV */
  }
  return { status: response.status, body, text };
}

const tokenOf = async (user: string) =>
  (await call('/api/dev/sign-in', undefined, { method: 'POST', body: { user } })).body as { token: string };

beforeAll(async () => {
  for (const club of ['100001', '100002']) {
    const done = await importText(
      db.register,
      'v1',
      `${club}.xml`,
      clubFile('v1', club, '2026-11-24T08:00:00+01:00', [
        // The same persons in both clubs (one national register): each club's on its own days.
        { id: `${club}-A1`, date: club === '100001' ? '2026-11-16' : '2026-11-18', start: '10:00', end: '11:00' },
        { id: `${club}-A2`, date: club === '100001' ? '2026-11-17' : '2026-11-19', participants: ['K0', 'K1'] },
      ]),
    );
    expect(done.kind).toBe('done');
  }
  web = await startClubWeb({
    ports: {
      store: db.register.ports.store,
      applications: new DynamoDbApplicationStore(DynamoDBDocumentClient.from(db.client), db.register.table),
    },
    clock: () => clockAt('2026-11-25'),
    signIn,
  });
}, 120_000);

afterAll(async () => {
  await web?.stop();
});

describe("the club's web API (issue 16)", () => {
  it('serves the page on 127.0.0.1 with a strict content security policy', async () => {
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(web.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<html lang="sv">');
    expect((await fetch(new URL('/app.js', web.url))).headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('answers only requests addressed to it by its own name (no DNS rebinding to the dev sign-in)', async () => {
    const { request } = await import('node:http');
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL('/api/dev/users', web.url);
        request({ hostname: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        })
          .on('error', reject)
          .end();
      });
    const port = new URL(web.url).port;
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`attacker.example:${port}`)).toBe(421);
  });

  it('answers nobody who is not signed in, and no forged token', async () => {
    for (const path of [
      '/api/me',
      '/api/clubs/100001/activities?period=2026-2',
      '/api/clubs/100001/application?period=2026-2',
    ]) {
      expect((await call(path)).status).toBe(401);
      expect((await call(path, 'official-100001.00ff')).status).toBe(401);
    }
    expect((await call('/api/dev/sign-in', undefined, { method: 'POST', body: { user: 'official-999' } })).status).toBe(
      403,
    );
  });

  it('lets a club official read their club only: every route of another club is CLUB_ACCESS_DENIED', async () => {
    const { token } = await tokenOf('official-100001');
    expect((await call('/api/me', token)).body).toEqual({
      user: 'official-100001',
      all: false,
      clubs: [{ id: '100001', name: 'IK 100001' }],
    });
    expect((await call('/api/clubs/100001/activities?period=2026-2', token)).status).toBe(200);
    for (const [path, method] of [
      ['/api/clubs/100002/periods', 'GET'],
      ['/api/clubs/100002/activities?period=2026-2', 'GET'],
      ['/api/clubs/100002/activities/v1/100002-A1', 'GET'],
      ['/api/clubs/100002/application?period=2026-2', 'GET'],
      ['/api/clubs/100002/application/export?period=2026-2&format=csv', 'GET'],
      ['/api/clubs/100002/application/submit', 'POST'],
    ] as const) {
      const answer = await call(path, token, {
        method,
        ...(method === 'POST' ? { body: { period: '2026-2', kind: 'main', requestId: 'web-0000001' } } : {}),
      });
      expect([path, answer.status, (answer.body as { error?: { code?: string } }).error?.code]).toEqual([
        path,
        403,
        'CLUB_ACCESS_DENIED',
      ]);
    }
    // Nothing was sent for the other club.
    const rf = (await tokenOf('rf-support')).token;
    expect((await call('/api/clubs/100002/application?period=2026-2', rf)).body).toMatchObject({
      main: { canSubmit: true },
    });
  });

  it('lets RF support read every club', async () => {
    const { token } = await tokenOf('rf-support');
    expect((await call('/api/me', token)).body).toMatchObject({ user: 'rf-support', all: true });
    for (const club of ['100001', '100002']) {
      const list = (await call(`/api/clubs/${club}/activities?period=2026-2`, token)).body as {
        activities: { id: string; verdict: string }[];
      };
      expect(list.activities.map((a) => [a.id, a.verdict])).toEqual([
        [`${club}-A1`, 'approved'],
        [`${club}-A2`, 'rejected'],
      ]);
    }
  });

  it('shows an activity with every reason and its fix, persons by name and birth date, never a personnummer', async () => {
    const { token } = await tokenOf('official-100001');
    const answer = await call('/api/clubs/100001/activities/v1/100001-A2', token);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: '100001-A2',
      verdict: 'rejected',
      reasons: [
        {
          code: 'TOO_FEW_PARTICIPANTS',
          sv: 'Färre än 3 godkända deltagare',
          fix: expect.stringContaining('why participants were not counted'),
        },
      ],
      leaders: [{ ref: 'L', name: 'Lena Ledare', born: '19900520-****', valid: true }],
      participants: [
        { ref: 'K0', name: 'Barn0 Svensson', born: '20120315-****', counted: true },
        { ref: 'K1', counted: true },
      ],
    });
    for (const pnr of [LEADER_PNR, ...KID_PNRS]) expect(answer.text).not.toContain(pnr);
    expect(answer.text).not.toMatch(/\d{8}-\d{4}/);
  });

  it('sends the application from the page once (by the signed-in user), and exports it', async () => {
    const { token } = await tokenOf('official-100001');
    const body = { period: '2026-2', kind: 'main', requestId: 'web-0000002' };
    const sent = await call('/api/clubs/100001/application/submit', token, { method: 'POST', body });
    expect(sent).toMatchObject({
      status: 200,
      body: { kind: 'main', by: 'official-100001', activities: [{ vendor: 'v1', id: '100001-A1' }] },
    });
    expect((await call('/api/clubs/100001/application/submit', token, { method: 'POST', body })).body).toEqual(
      sent.body,
    );
    const again = await call('/api/clubs/100001/application/submit', token, {
      method: 'POST',
      body: { ...body, requestId: 'web-0000003' },
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'APPLICATION_ALREADY_SUBMITTED' } } });
    const csv = await call('/api/clubs/100001/application/export?period=2026-2&format=csv', token);
    expect(csv.text.split('\r\n')[1]).toBe('main,2026-11-16,10:00,11:00,Fotboll,training,,4,L,v1,100001-A1');
  });

  it('takes grants from Cognito claims: RF support by group, officials by custom:clubs', () => {
    expect(grantOfClaims({ 'cognito:username': 'anna', 'cognito:groups': ['rf-support'] })).toEqual({
      user: 'anna',
      clubs: 'all',
    });
    expect(grantOfClaims({ 'cognito:username': 'bo', 'custom:clubs': '100001, 100003' })).toEqual({
      user: 'bo',
      clubs: ['100001', '100003'],
    });
    expect(grantOfClaims({ 'cognito:username': 'cy' })).toEqual({ user: 'cy', clubs: [] });
    expect(grantOfClaims({})).toBeUndefined();
  });

  it("gives every code's fix as docs/lok-rules.md says it (fixes.json; LOK_UPDATE_FIXES=1 rewrites it)", () => {
    const fromDoc = fixesOf(readFileSync(join(ROOT, 'docs', 'lok-rules.md'), 'utf8'));
    if (process.env.LOK_UPDATE_FIXES === '1')
      writeFileSync(join(ROOT, 'shared', 'web', 'fixes.json'), `${JSON.stringify(fromDoc, null, 2)}\n`);
    expect(FIXES).toEqual(fromDoc);
    for (const code of [
      ...Object.keys(ACTIVITY_CODES),
      ...Object.keys(LEADER_CODES),
      ...Object.keys(PARTICIPANT_CODES),
      ...Object.keys(PAYMENT_CODES),
      ...Object.keys(WARNING_CODES),
    ]) {
      expect(FIXES[code], code).toMatch(/\w/);
    }
  });
});

describe("the club's API in AWS: functions/club-api.ts behind API Gateway's JWT authorizer", () => {
  type Handler = (
    event: unknown,
    context: unknown,
  ) => Promise<{ statusCode: number; body: string; headers: Record<string, string> }>;
  let handler: Handler;
  const context = { functionName: 'club-api', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 };
  /** An HTTP API (payload 2.0) event as the authorizer passes it on: the ID token's claims, strings. */
  const event = (
    method: string,
    rawPath: string,
    claims: Record<string, string>,
    query: Record<string, string> = {},
    body?: unknown,
  ) => ({
    version: '2.0',
    routeKey: `${method} /api/{proxy+}`,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    headers: {},
    isBase64Encoded: false,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    requestContext: { http: { method, path: rawPath }, authorizer: { jwt: { claims, scopes: [] } } },
  });

  beforeAll(async () => {
    Object.assign(process.env, handlerEnvOnDynamoDbLocal(db.register.table, db.endpoint));
    handler = (await import('../functions/club-api.js')).handler as unknown as Handler;
  });

  it('takes the grant from the Cognito claims: an official reads their club, not another; RF support (group) every club', async () => {
    const official = { 'cognito:username': 'kassor', 'custom:clubs': '100002' };
    const own = await handler(event('GET', '/api/clubs/100002/activities', official, { period: '2026-2' }), context);
    expect(own.statusCode).toBe(200);
    expect((JSON.parse(own.body) as { activities: unknown[] }).activities).toHaveLength(2);
    const other = await handler(event('GET', '/api/clubs/100001/activities', official, { period: '2026-2' }), context);
    expect([other.statusCode, (JSON.parse(other.body) as { error: { code: string } }).error.code]).toEqual([
      403,
      'CLUB_ACCESS_DENIED',
    ]);
    const rf = await handler(
      event(
        'GET',
        '/api/clubs/100001/application',
        { 'cognito:username': 'anna', 'cognito:groups': '[rf-support]' },
        { period: '2026-2' },
      ),
      context,
    );
    expect(rf.statusCode).toBe(200);
    expect(rf.headers['cache-control']).toBe('no-store');
    const nobody = await handler(event('GET', '/api/me', {}), context);
    expect(nobody.statusCode).toBe(401);
  });

  it('sends an application by the signed-in user', async () => {
    const official = { 'cognito:username': 'kassor', 'custom:clubs': '100002' };
    const sent = await handler(
      event(
        'POST',
        '/api/clubs/100002/application/submit',
        official,
        {},
        { period: '2026-2', kind: 'main', requestId: 'cloud-000001' },
      ),
      context,
    );
    expect(sent.statusCode).toBe(200);
    expect(JSON.parse(sent.body)).toMatchObject({ club: '100002', kind: 'main', by: 'kassor' });
  });
});
