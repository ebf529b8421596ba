import type { SubmitRequest } from '../application/submit-application.js';
import type { ErasureRequest } from './person-erasure.js';
import { IDENTITY_KEYS, LICENCES } from './register-admin.js';

/**
 * A request to RF operations' admin use-cases as JSON (the cloud's admin function takes them; the CLI sends
 * them). The shapes are plain data so the CLI can build them without the admin store.
 */
export type AdminRequest =
  | {
      readonly action: 'vendor-add';
      readonly vendor: {
        readonly id: string;
        readonly name: string;
        readonly purpose: string;
        readonly licence: (typeof LICENCES)[number];
      };
      readonly publicKey?: string;
    }
  | {
      readonly action: 'vendor-key-rotate';
      readonly vendor: string;
      readonly publicKey: string;
      readonly keepOld: boolean;
    }
  | { readonly action: 'vendor-disable'; readonly vendor: string }
  | {
      readonly action: 'club-add';
      readonly club: {
        readonly id: string;
        readonly name: string;
        readonly sports: readonly string[];
        readonly federation: string;
        readonly identityKey: (typeof IDENTITY_KEYS)[number];
        readonly countsEveryoneAsDisabled: boolean;
      };
    }
  | { readonly action: 'club-activate'; readonly club: string; readonly vendor: string; readonly from: string }
  | { readonly action: 'club-deactivate'; readonly club: string; readonly vendor: string; readonly to: string }
  | { readonly action: 'upload-status'; readonly vendor: string; readonly upload?: string; readonly limit: number }
  // A club's application (shared/core/application/): what it holds, sending it, its rows.
  | { readonly action: 'application'; readonly club: string; readonly period: string; readonly today?: string }
  | { readonly action: 'application-submit'; readonly request: SubmitRequest; readonly today?: string }
  | { readonly action: 'application-export'; readonly club: string; readonly period: string }
  // A person's erasure on request (shared/core/admin/person-erasure.ts).
  | { readonly action: 'person-erase'; readonly request: ErasureRequest; readonly today?: string };
