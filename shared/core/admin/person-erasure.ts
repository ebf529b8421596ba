import { messageFor } from '../errors/codes.js';
import type { PipelineClock, PipelinePorts } from '../pipeline/ports.js';
import { parsePersonnummer } from '../personnummer/personnummer.js';
import { erasePerson, type ErasureReport, type ErasureSubject } from '../privacy/erase-person.js';
import type { PrivacyStore } from '../privacy/ports.js';
import type { AdminResult } from './admin-use-cases.js';

/** A person's erasure as RF operations ask for it (`lok-importer person erase`, the admin request `person-erase`). */
export interface ErasureRequest {
  readonly personnummer?: string;
  readonly pid?: string;
}

/** A register person id, as `newPersonId` makes them. */
const PID = /^p[0-9a-f]{31}$/;

/** The subject of a request: exactly one of a valid personnummer (any of its written forms) and a person id. */
export function erasureSubjectOf(request: ErasureRequest, today: string): AdminResult<ErasureSubject> {
  const fail = (detail: string): AdminResult<ErasureSubject> => ({
    ok: false,
    error: { code: 'INVALID_ADMIN_INPUT', message: messageFor('INVALID_ADMIN_INPUT', detail) },
  });
  if ((request.personnummer === undefined) === (request.pid === undefined))
    return fail('one of personnummer, person id');
  if (request.pid !== undefined)
    return PID.test(request.pid) ? { ok: true, value: { pid: request.pid } } : fail('person id: p and 31 hex digits');
  const parsed = parsePersonnummer(request.personnummer!, today);
  // The personnummer is never echoed back: it is what the request is about.
  return parsed.ok
    ? { ok: true, value: { personnummer: parsed.value.normalized } }
    : fail(`personnummer: ${parsed.message[1]}`);
}

/**
 * Erases a person on request (GDPR art. 17; shared/core/privacy/erase-person.ts): the report of what was removed
 * and what stays in the archive and why; UNKNOWN_PERSON when the register has no such person and never had one
 * erased by that id. The same request again answers with the same report.
 */
export async function erasePersonOnRequest(
  ports: PipelinePorts,
  privacy: PrivacyStore,
  clock: PipelineClock,
  request: ErasureRequest,
): Promise<AdminResult<ErasureReport>> {
  const subject = erasureSubjectOf(request, clock.today);
  if (!subject.ok) return subject;
  const report = await erasePerson(ports, privacy, clock, subject.value);
  if (report.outcome === 'not-found')
    return { ok: false, error: { code: 'UNKNOWN_PERSON', message: messageFor('UNKNOWN_PERSON') } };
  return { ok: true, value: report };
}
