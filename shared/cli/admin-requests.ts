import { z } from 'zod';
import { dispatchAdmin, type AdminPorts } from '../core/admin/admin-dispatch.js';
import type { AdminRequest } from '../core/admin/admin-request.js';
import type { AdminResult } from '../core/admin/admin-use-cases.js';
import { SUBMISSION_KINDS } from '../core/application/ports.js';
import { IDENTITY_KEYS, LICENCES } from '../core/admin/register-admin.js';
import { messageFor } from '../core/errors/codes.js';

const id = z.string().min(1).max(64);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** An admin request, checked before any use-case runs (it comes from an operator's CLI, or over the wire from one). */
export const adminRequestSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('vendor-add'),
    vendor: z.object({ id, name: z.string(), purpose: z.string(), licence: z.enum(LICENCES) }),
    publicKey: z.string().optional(),
  }),
  z.object({ action: z.literal('vendor-key-rotate'), vendor: id, publicKey: z.string(), keepOld: z.boolean() }),
  z.object({ action: z.literal('vendor-disable'), vendor: id }),
  z.object({
    action: z.literal('club-add'),
    club: z.object({
      id,
      name: z.string(),
      sports: z.array(z.string()).min(1),
      federation: z.string(),
      identityKey: z.enum(IDENTITY_KEYS),
      countsEveryoneAsDisabled: z.boolean(),
    }),
  }),
  z.object({ action: z.literal('club-activate'), club: id, vendor: id, from: z.string() }),
  z.object({ action: z.literal('club-deactivate'), club: id, vendor: id, to: z.string() }),
  z.object({
    action: z.literal('upload-status'),
    vendor: id,
    upload: z.string().min(1).max(80).optional(),
    limit: z.number().int().min(1).max(1000),
  }),
  z.object({ action: z.literal('application'), club: id, period: z.string().max(16), today: date.optional() }),
  z.object({
    action: z.literal('application-submit'),
    today: date.optional(),
    request: z.object({
      club: id,
      period: z.string().max(16),
      kind: z.enum(SUBMISSION_KINDS),
      by: z.string().max(200),
      requestId: z.string().max(100),
    }),
  }),
  z.object({ action: z.literal('application-export'), club: id, period: z.string().max(16) }),
  // Checked by the use-case (erasureSubjectOf), which never echoes the personnummer; here only bounded.
  z.object({
    action: z.literal('person-erase'),
    today: date.optional(),
    request: z.object({ personnummer: z.string().max(20).optional(), pid: z.string().max(64).optional() }),
  }),
]) satisfies z.ZodType<AdminRequest>;

/** The request if it fits the schema; else INVALID_ADMIN_INPUT naming the fields that do not. */
export function parseAdminRequest(input: unknown): AdminResult<AdminRequest> {
  const parsed = adminRequestSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const where = parsed.error.issues.map((issue) => issue.path.join('.') || 'request').join(', ');
  return { ok: false, error: { code: 'INVALID_ADMIN_INPUT', message: messageFor('INVALID_ADMIN_INPUT', where) } };
}

/**
 * The one way an admin request is answered, by the admin function in AWS and by the CLI on its own register: checked
 * against the schema, then run by its use-case (dispatchAdmin). `answered` hears of each checked request's outcome.
 */
export async function answerAdminRequest(
  ports: AdminPorts,
  input: unknown,
  answered?: (request: AdminRequest, result: AdminResult<unknown>) => void,
): Promise<AdminResult<unknown>> {
  const request = parseAdminRequest(input);
  if (!request.ok) return request;
  const result = await dispatchAdmin(ports, request.value);
  answered?.(request.value, result);
  return result;
}
