import { applicationOf, type ApplicationPorts } from '../application/application.js';
import { exportApplication } from '../application/export-application.js';
import { submitApplication } from '../application/submit-application.js';
import { messageFor } from '../errors/codes.js';
import type { PipelineClock, PipelinePorts } from '../pipeline/ports.js';
import type { PrivacyStore } from '../privacy/ports.js';
import { uploadStatus, type StatusPorts, type StatusQuery, type VendorStatus } from '../queries/upload-status.js';
import type { AdminRequest } from './admin-request.js';
import { activateVendor, addClub, addVendor, deactivateVendor, type AdminResult } from './admin-use-cases.js';
import { erasePersonOnRequest } from './person-erasure.js';
import { disableLogin, openLogin, rotateLoginKey, type VendorLogins } from './vendor-login.js';
import type { RegisterAdminStore } from './register-admin.js';

/** What a person's erasure works on: the pipeline's ports (with the identity key) and the register's scans. */
export interface ErasurePorts {
  readonly ports: PipelinePorts;
  readonly privacy: PrivacyStore;
}

/**
 * Where RF operations' admin requests are answered: the register in AWS (the admin function) or the one the CLI is
 * configured for. The ports each request needs are opened when it comes (`logins()`, …): the SFTP logins are only
 * there where an endpoint is, and the identity key is read for an erasure only.
 */
export interface AdminPorts {
  readonly admin: RegisterAdminStore;
  logins(): VendorLogins;
  applications(): ApplicationPorts;
  status(): StatusPorts;
  erasure(): Promise<ErasurePorts>;
  /** The clock of a request: today as the request gives it, else today in Europe/Stockholm. */
  clock(today?: string): PipelineClock;
}

/** A vendor onboarded: added to the register, and its SFTP login opened when the request has a key. */
async function onboard(
  ports: AdminPorts,
  request: Extract<AdminRequest, { action: 'vendor-add' }>,
): Promise<AdminResult<unknown>> {
  const added = await addVendor(ports.admin, request.vendor);
  // Onboarding again with a key (the first attempt stopped half-way) still opens the login.
  if (!added.ok && added.error.code !== 'VENDOR_EXISTS') return added;
  if (request.publicKey === undefined) return added;
  const login = await openLogin(ports.admin, ports.logins(), request.vendor.id, request.publicKey);
  return login.ok
    ? { ok: true, value: { vendor: request.vendor.id, login: login.value, registered: added.ok ? 'added' : 'exists' } }
    : login;
}

/** A vendor's uploads' status; an unknown vendor or upload refused by code. */
async function status(
  ports: StatusPorts,
  query: StatusQuery,
  clock: PipelineClock,
): Promise<AdminResult<VendorStatus>> {
  const result = await uploadStatus(ports, query, clock);
  if (result.ok) return { ok: true, value: result.status };
  return result.unknown === 'vendor'
    ? { ok: false, error: { code: 'UNKNOWN_VENDOR', message: messageFor('UNKNOWN_VENDOR', query.vendor) } }
    : { ok: false, error: { code: 'UNKNOWN_UPLOAD', message: messageFor('UNKNOWN_UPLOAD', query.upload) } };
}

async function erase(
  ports: AdminPorts,
  request: Extract<AdminRequest, { action: 'person-erase' }>,
): Promise<AdminResult<unknown>> {
  const { ports: pipeline, privacy } = await ports.erasure();
  return erasePersonOnRequest(pipeline, privacy, ports.clock(request.today), request.request);
}

/**
 * The admin dispatcher: an admin request to its use-case, the same for the admin function in AWS and the CLI on
 * its configured register. Refusals come back as codes; the request has been checked (`parseAdminRequest`).
 */
export async function dispatchAdmin(ports: AdminPorts, request: AdminRequest): Promise<AdminResult<unknown>> {
  switch (request.action) {
    case 'vendor-add':
      return onboard(ports, request);
    case 'vendor-key-rotate':
      return rotateLoginKey(ports.logins(), request.vendor, request.publicKey, request.keepOld);
    case 'vendor-disable':
      return disableLogin(ports.logins(), request.vendor);
    case 'club-add':
      return addClub(ports.admin, request.club);
    case 'club-activate':
      return activateVendor(ports.admin, request.club, request.vendor, request.from);
    case 'club-deactivate':
      return deactivateVendor(ports.admin, request.club, request.vendor, request.to);
    case 'upload-status': {
      const { vendor, upload, limit } = request;
      return status(ports.status(), { vendor, ...(upload !== undefined ? { upload } : {}), limit }, ports.clock());
    }
    case 'application':
      return {
        ok: true,
        value: await applicationOf(
          ports.applications(),
          request.club,
          request.period,
          ports.clock(request.today).today,
        ),
      };
    case 'application-submit':
      return submitApplication(ports.applications(), request.request, ports.clock(request.today));
    case 'application-export':
      return { ok: true, value: await exportApplication(ports.applications(), request.club, request.period) };
    case 'person-erase':
      return erase(ports, request);
  }
}
