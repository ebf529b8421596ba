import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { handleClubApi, type ClubApiPorts } from './club-api.js';
import type { DevSignIn } from './dev-sign-in.js';
import { FIXES } from './fixes.js';

/** The page's files: shared/web/static beside this module (run from source), or the repository's (run from dist/). */
export function staticDir(): string {
  const beside = fileURLToPath(new URL('./static/', import.meta.url));
  return existsSync(beside) ? beside : fileURLToPath(new URL('../../../shared/web/static/', import.meta.url));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const STATIC_FILES = ['index.html', 'app.js', 'app.css', 'icon.svg'];
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
const MAX_BODY = 16 * 1024;

export interface ClubWebOptions {
  readonly ports: Omit<ClubApiPorts, 'clock' | 'fixes'>;
  /** Today and now for each request (local mode's clock). */
  readonly clock: () => ClubApiPorts['clock'];
  readonly signIn: DevSignIn;
  readonly host?: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
}

export interface ClubWeb {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The club's web page in local mode: the static page and its JSON API (club-api.ts) on 127.0.0.1, with the dev
 * sign-in (`/api/dev/users`, `/api/dev/sign-in`). Answers are gzipped when the browser takes it; the API is never
 * cached. Logs nothing: requests carry personal data.
 */
export async function startClubWeb(options: ClubWebOptions): Promise<ClubWeb> {
  const dir = staticDir();
  const files = new Map(
    STATIC_FILES.filter((f) => existsSync(join(dir, f))).map((f) => [`/${f}`, readFileSync(join(dir, f))]),
  );
  files.set('/', files.get('/index.html')!);
  files.set('/config.json', Buffer.from(JSON.stringify({ auth: 'dev', api: '/api' })));
  const allowedHosts = new Set<string>();
  const server = createServer((request, response) => {
    serve(request, response).catch((error: Error) => {
      send(
        request,
        response,
        500,
        'application/json; charset=utf-8',
        JSON.stringify({ error: { code: 'INTERNAL', name: error.name } }),
      );
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Only this address by name: a page elsewhere that rebinds its own name to 127.0.0.1 (DNS rebinding) would
    // otherwise reach the dev sign-in, which asks for no secret.
    if (!allowedHosts.has(request.headers.host ?? ''))
      return send(request, response, 421, 'text/plain; charset=utf-8', 'misdirected request');
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/api/')) {
      const file = files.get(url.pathname);
      if (request.method !== 'GET' || !file)
        return send(request, response, 404, 'text/plain; charset=utf-8', 'not found');
      const type =
        TYPES[url.pathname === '/' ? '.html' : url.pathname.slice(url.pathname.lastIndexOf('.'))] ??
        'application/octet-stream';
      return send(request, response, 200, type, file, 'no-cache');
    }
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    if (body === INVALID) return json(request, response, 400, { error: { code: 'INVALID_ADMIN_INPUT' } });
    const path = url.pathname.slice('/api'.length);
    if (path === '/dev/users' && request.method === 'GET')
      return json(request, response, 200, await options.signIn.users());
    if (path === '/dev/sign-in' && request.method === 'POST') {
      const token = await options.signIn.signIn(String((body as { user?: unknown } | undefined)?.user ?? ''));
      return token
        ? json(request, response, 200, { token })
        : json(request, response, 403, { error: { code: 'CLUB_ACCESS_DENIED' } });
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const grant = options.signIn.grantOf(bearer);
    const answer = await handleClubApi(
      { ...options.ports, fixes: FIXES, clock: options.clock() },
      {
        method: request.method ?? 'GET',
        path,
        query: Object.fromEntries(url.searchParams),
        ...(body !== undefined ? { body } : {}),
        ...(grant ? { grant } : {}),
      },
    );
    if (answer.text) {
      response.setHeader('content-disposition', `attachment; filename="${answer.text.filename}"`);
      return send(request, response, answer.status, answer.text.contentType, String(answer.body), 'no-store');
    }
    return json(request, response, answer.status, answer.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  allowedHosts.add(`${address}:${port}`).add(`localhost:${port}`);
  return {
    url: `http://${address}:${port}/`,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const INVALID = Symbol('invalid');

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return INVALID;
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return INVALID;
  }
}

function json(request: IncomingMessage, response: ServerResponse, status: number, body: unknown): void {
  send(request, response, status, 'application/json; charset=utf-8', JSON.stringify(body), 'no-store');
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  cache = 'no-store',
): void {
  let bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'content-type': type,
    'cache-control': cache,
    vary: 'accept-encoding',
  };
  if (bytes.length > 1024 && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    bytes = gzipSync(bytes);
    headers['content-encoding'] = 'gzip';
  }
  response.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  response.end(bytes);
}
