import { applicationOf, PERIOD_PATTERN, type ApplicationPorts } from '../core/application/application.js';
import {
  EXPORT_FORMATS,
  exportApplication,
  exportText,
  type ExportFormat,
} from '../core/application/export-application.js';
import { SUBMISSION_KINDS, type SubmissionKind } from '../core/application/ports.js';
import { submitApplication } from '../core/application/submit-application.js';
import { ADMIN_CODES, APPLICATION_CODES, RECEIPT_CODE_GROUPS, type AdminCode } from '../core/errors/codes.js';
import { docId } from '../core/pipeline/ports.js';
import type { StoredPerson } from '../core/pipeline/stored.js';
import { activityDetail } from '../core/queries/activity-detail.js';
import { clubActivities } from '../core/queries/club-activities.js';
import { clubTotals } from '../core/queries/club-totals.js';
import { periodOf } from '../core/rules/periods.js';
import { canRead, type Grant } from './grants.js';

/**
 * The club's web API over the query and application use-cases, as plain request → response (no HTTP library):
 * local mode's server (server.ts) and the cloud's Lambda behind API Gateway (functions/club-api.ts) both call it.
 * Every club route checks the caller's grant (grants.ts). Personal data: names and birth dates of the activity's
 * own leaders and participants, never a personnummer (masked to the birth date).
 */
export interface ClubApiPorts extends ApplicationPorts {
  /** Each code's fix, from docs/lok-rules.md (fixes.ts). */
  readonly fixes: Readonly<Record<string, string>>;
  readonly clock: { readonly today: string; now(): string };
}

export interface ApiRequest {
  readonly method: string;
  /** The path under `/api`, e.g. `/clubs/100042/activities`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** The signed-in caller; absent: not signed in. */
  readonly grant?: Grant;
}

export interface ApiResponse {
  readonly status: number;
  /** JSON, or a text with its type (an export). */
  readonly body: unknown;
  readonly text?: { readonly contentType: string; readonly filename: string };
}

/** A code's texts in Swedish and English, and its fix. */
export interface Reason {
  readonly code: string;
  readonly sv: string;
  readonly en: string;
  readonly fix?: string;
}

const TEXTS: Record<string, readonly [string, string]> = Object.assign(
  {},
  ...Object.values(RECEIPT_CODE_GROUPS),
  ADMIN_CODES,
  APPLICATION_CODES,
);

function refusal(status: number, code: AdminCode, detail?: string): ApiResponse {
  const [sv, en] = TEXTS[code]!;
  return { status, body: { error: { code, sv, en, ...(detail !== undefined ? { detail } : {}) } } };
}

const ok = (body: unknown): ApiResponse => ({ status: 200, body });

/** Routes: method and a path pattern with `:name` parts (URL-decoded). */
type Handler = (
  ports: ClubApiPorts,
  request: ApiRequest & { grant: Grant },
  params: Record<string, string>,
) => Promise<ApiResponse>;
const ROUTES: readonly { method: string; pattern: RegExp; names: readonly string[]; handler: Handler }[] = [
  route('GET', '/me', me),
  route('GET', '/clubs/:club/periods', periods),
  route('GET', '/clubs/:club/activities', ofPeriod(activities)),
  route('GET', '/clubs/:club/activities/:vendor/:id', activity),
  route('GET', '/clubs/:club/application', ofPeriod(application)),
  route('POST', '/clubs/:club/application/submit', submit),
  route('GET', '/clubs/:club/application/export', exportRows),
];

function route(method: string, path: string, handler: Handler) {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:([a-z]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return { method, pattern, names, handler };
}

export async function handleClubApi(ports: ClubApiPorts, request: ApiRequest): Promise<ApiResponse> {
  for (const r of ROUTES) {
    const match = r.pattern.exec(request.path);
    if (!match) continue;
    if (request.method !== r.method) return { status: 405, body: { error: { code: 'METHOD_NOT_ALLOWED' } } };
    if (!request.grant) return refusal(401, 'NOT_SIGNED_IN');
    const params: Record<string, string> = {};
    try {
      r.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1]!);
      });
    } catch {
      return refusal(400, 'INVALID_ADMIN_INPUT', 'path');
    }
    if (params.club !== undefined && !canRead(request.grant, params.club))
      return refusal(403, 'CLUB_ACCESS_DENIED', params.club);
    return r.handler(ports, { ...request, grant: request.grant }, params);
  }
  return { status: 404, body: { error: { code: 'NOT_FOUND' } } };
}

/** The period asked for: `?period=2026-2`; refused when malformed. */
function periodParam(request: ApiRequest): string | undefined {
  const period = request.query.period;
  return period !== undefined && PERIOD_PATTERN.test(period) ? period : undefined;
}

/** A club route of one period (`?period=2026-2`): refused (400) without a well-formed one. */
function ofPeriod(handler: (ports: ClubApiPorts, club: string, period: string) => Promise<ApiResponse>): Handler {
  return async (ports, request, { club }) => {
    const period = periodParam(request);
    if (period === undefined) return refusal(400, 'INVALID_ADMIN_INPUT', 'period');
    return handler(ports, club!, period);
  };
}

async function me(ports: ClubApiPorts, request: ApiRequest & { grant: Grant }): Promise<ApiResponse> {
  const { grant } = request;
  if (grant.clubs === 'all') return ok({ user: grant.user, all: true, clubs: [] });
  const states = await ports.store.clubs(grant.clubs);
  return ok({
    user: grant.user,
    all: false,
    clubs: grant.clubs.map((id) => ({ id, name: states.get(id)?.club.name ?? id })),
  });
}

async function periods(
  ports: ClubApiPorts,
  _request: ApiRequest,
  { club }: Record<string, string>,
): Promise<ApiResponse> {
  const state = (await ports.store.clubs([club!])).get(club!);
  if (!state) return refusal(404, 'UNKNOWN_CLUB', club);
  const stored = (await clubTotals(ports.store, club!))
    .map((t) => t.totals.period)
    .filter((p) => PERIOD_PATTERN.test(p));
  const current = periodOf(ports.clock.today);
  return ok({
    club: { id: club, name: state.club.name },
    current,
    periods: [...new Set([current, ...stored])].sort().reverse(),
  });
}

/** Every activity of the club's period with its verdict (the page filters them itself: no round trip per keystroke). */
async function activities(ports: ClubApiPorts, club: string, period: string): Promise<ApiResponse> {
  const found = await clubActivities(ports.store, { club, period });
  return ok({
    club,
    period,
    activities: found.map((v) => ({
      vendor: v.vendor,
      id: v.id,
      date: v.date,
      start: v.start,
      end: v.end,
      sport: v.sport,
      type: v.type,
      verdict: v.verdict.verdict,
      reasons: v.verdict.reasons,
      warnings: v.verdict.warnings,
      counted: v.verdict.countedParticipants,
      forecastSek: v.verdict.payment?.amountSek ?? 0,
    })),
  });
}

function reasonOf(ports: ClubApiPorts, code: string): Reason {
  const [sv, en] = TEXTS[code] ?? [code, code];
  const fix = ports.fixes[code];
  return { code, sv, en, ...(fix !== undefined ? { fix } : {}) };
}

/** A person as the club official sees them: name and birth date; the personnummer masked to it. */
function personView(person: StoredPerson | undefined): { name: string; born?: string } {
  if (!person) return { name: '?' };
  const born =
    person.birthDate === undefined
      ? undefined
      : person.personnummer !== undefined
        ? `${person.birthDate.replaceAll('-', '')}-****`
        : person.birthDate;
  return { name: `${person.firstName} ${person.lastName}`.trim(), ...(born !== undefined ? { born } : {}) };
}

async function activity(
  ports: ClubApiPorts,
  _request: ApiRequest,
  { club, vendor, id }: Record<string, string>,
): Promise<ApiResponse> {
  const [detail] = await activityDetail(ports.store, { club: club!, id: id!, vendor: vendor! });
  if (!detail) return { status: 404, body: { error: { code: 'NOT_FOUND' } } };
  const { content, verdict } = detail;
  const pids = [...content.leaders, ...content.participants].map((p) => p.pid);
  const persons = await ports.store.get([...new Set(pids)].map((pid) => ({ kind: 'person' as const, pid })));
  const personOf = (pid: string) => persons.get(docId({ kind: 'person', pid }))?.value as StoredPerson | undefined;
  const leaderLines = new Map((verdict?.leaders ?? []).map((l) => [l.ref, l]));
  const participantLines = new Map(
    (verdict?.participants ?? []).flatMap((p) => ('ref' in p ? [[p.ref, p] as const] : [])),
  );
  const reasons = (codes: readonly string[]) => codes.map((c) => reasonOf(ports, c));
  return ok({
    club,
    vendor,
    id,
    date: content.date,
    start: content.start,
    end: content.end,
    sport: content.sport,
    type: content.type,
    place: content.place,
    group: content.group?.name,
    receivedOn: detail.receivedOn,
    verdict: verdict?.verdict ?? 'pending',
    counted: verdict?.countedParticipants ?? 0,
    reasons: reasons(verdict?.reasons ?? []),
    warnings: reasons(verdict?.warnings ?? []),
    payment: verdict?.payment ? { ...verdict.payment, codes: reasons(verdict.payment.codes) } : undefined,
    leaders: content.leaders.map((l) => {
      const line = leaderLines.get(l.ref);
      return {
        ref: l.ref,
        ...personView(personOf(l.pid)),
        valid: line?.valid ?? false,
        reasons: reasons(line?.reasons ?? []),
      };
    }),
    participants: content.participants.map((p) => {
      const line = participantLines.get(p.ref);
      return {
        ref: p.ref,
        ...personView(personOf(p.pid)),
        counted: line?.counted ?? verdict !== undefined,
        reasons: reasons(line?.reasons ?? []),
      };
    }),
    anonymous: (verdict?.participants ?? []).flatMap((p) =>
      'anonymous' in p ? [{ ...p.anonymous, count: p.count, counted: p.counted, reasons: reasons(p.reasons) }] : [],
    ),
  });
}

async function application(ports: ClubApiPorts, club: string, period: string): Promise<ApiResponse> {
  return ok(await applicationOf(ports, club, period, ports.clock.today));
}

async function submit(
  ports: ClubApiPorts,
  request: ApiRequest & { grant: Grant },
  { club }: Record<string, string>,
): Promise<ApiResponse> {
  const body = (request.body ?? {}) as { period?: unknown; kind?: unknown; requestId?: unknown };
  if (
    typeof body.period !== 'string' ||
    typeof body.requestId !== 'string' ||
    !SUBMISSION_KINDS.includes(body.kind as SubmissionKind)
  ) {
    return refusal(400, 'INVALID_ADMIN_INPUT', 'period, kind, requestId');
  }
  const result = await submitApplication(
    ports,
    {
      club: club!,
      period: body.period,
      kind: body.kind as SubmissionKind,
      by: request.grant.user,
      requestId: body.requestId,
    },
    ports.clock,
  );
  if (result.ok) return ok(result.value);
  return refusal(
    result.error.code === 'UNKNOWN_CLUB' ? 404 : result.error.code === 'INVALID_ADMIN_INPUT' ? 400 : 409,
    result.error.code,
  );
}

async function exportRows(
  ports: ClubApiPorts,
  request: ApiRequest,
  { club }: Record<string, string>,
): Promise<ApiResponse> {
  const period = periodParam(request);
  const format = request.query.format as ExportFormat | undefined;
  if (period === undefined || format === undefined || !EXPORT_FORMATS.includes(format))
    return refusal(400, 'INVALID_ADMIN_INPUT', 'period, format');
  const text = exportText(await exportApplication(ports, club!, period), format);
  return {
    status: 200,
    body: text,
    text: {
      contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      filename: `lok-${club}-${period}.${format}`,
    },
  };
}
