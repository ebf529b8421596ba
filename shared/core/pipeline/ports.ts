/**
 * The ports of the import pipeline: where the register is kept, how identities are hashed, where files,
 * intermediate results and receipts go. Adapters implement them (DynamoDB, S3, local disk, node:crypto).
 */
import type { Club } from '../admin/register-admin.js';
import type { LedgerEntry, Upload } from './upload.js';
import type {
  StoredActivity,
  StoredCalendar,
  StoredIdentity,
  StoredMembership,
  StoredPerson,
  StoredPersonLink,
  StoredTotals,
  StoredVerdict,
} from './stored.js';

export interface Activation {
  readonly vendor: string;
  readonly from: string;
  readonly to?: string;
  readonly active: boolean;
}

export interface ClubState {
  readonly club: Club;
  /** Every vendor the club has activated, active or not (a club's memberships are the union over them). */
  readonly activations: readonly Activation[];
  /** Periods whose application the club has submitted. */
  readonly submittedPeriods: readonly string[];
  /** Periods whose supplementary application (late-registered activities) the club has submitted (shared/core/application/). */
  readonly supplementedPeriods?: readonly string[];
}

/** One item of the register, by kind. */
export type Doc =
  | { readonly kind: 'person'; readonly value: StoredPerson }
  | { readonly kind: 'person-link'; readonly value: StoredPersonLink }
  | { readonly kind: 'membership'; readonly value: StoredMembership }
  | { readonly kind: 'identity'; readonly value: StoredIdentity }
  | { readonly kind: 'activity'; readonly value: StoredActivity }
  | { readonly kind: 'calendar'; readonly value: StoredCalendar }
  | { readonly kind: 'verdict'; readonly value: StoredVerdict };

/** The key of an item, by kind. */
export type DocKey =
  | { readonly kind: 'person'; readonly pid: string }
  | { readonly kind: 'person-link'; readonly vendor: string; readonly club: string; readonly ref: string }
  | { readonly kind: 'membership'; readonly pid: string; readonly club: string; readonly vendor: string }
  | { readonly kind: 'identity'; readonly key: string }
  | { readonly kind: 'activity'; readonly vendor: string; readonly club: string; readonly id: string }
  | {
      readonly kind: 'calendar';
      readonly key: string;
      readonly period: string;
      readonly vendor: string;
      readonly club: string;
    }
  | {
      readonly kind: 'verdict';
      readonly club: string;
      readonly period: string;
      readonly vendor: string;
      readonly id: string;
    };

export type DocOf<K extends Doc['kind']> = Extract<Doc, { kind: K }>['value'];

/** The key of a document, the same for the item and for its key (one string per item). */
export function docId(doc: DocKey | Doc): string {
  const k = 'value' in doc ? ({ kind: doc.kind, ...doc.value } as DocKey) : doc;
  switch (k.kind) {
    case 'person':
      return `person|${k.pid}`;
    case 'person-link':
      return `person-link|${k.vendor}|${k.club}|${k.ref}`;
    case 'membership':
      return `membership|${k.pid}|${k.club}|${k.vendor}`;
    case 'identity':
      return `identity|${k.key}`;
    case 'activity':
      return `activity|${k.vendor}|${k.club}|${k.id}`;
    case 'calendar':
      return `calendar|${k.key}|${k.period}|${k.vendor}|${k.club}`;
    case 'verdict':
      return `verdict|${k.club}|${k.period}|${k.vendor}|${k.id}`;
  }
}

export interface RegisterStore {
  /** Clubs with their activations; unknown clubs are absent. */
  clubs(ids: readonly string[]): Promise<Map<string, ClubState>>;
  /** Batch read by key; the result is keyed by `docId`. Absent items are absent. */
  get(keys: readonly DocKey[]): Promise<Map<string, Doc>>;
  /** Puts and deletes, in bulk: unconditional, each item idempotent on its own. */
  write(puts: readonly Doc[], deletes?: readonly DocKey[]): Promise<void>;
  /** Every person link and activity (tombstones included) one vendor holds for one club. */
  linksOf(vendor: string, club: string): Promise<{ persons: StoredPersonLink[]; activities: StoredActivity[] }>;
  /** The calendars of a person (or group key), in one period or all. */
  calendarsOf(key: string, period?: string): Promise<StoredCalendar[]>;
  /**
   * Moves the heads of calendar keys (persons, groups): an apply does it for every key whose activities or person
   * it changed, after writing them. Once per upload: a retry of the upload that moved a head last does not move it.
   */
  bumpHeads(keys: readonly string[], uploadId: string): Promise<void>;
  /** The heads of calendar keys, read consistently; a key no apply ever moved is absent. */
  heads(keys: readonly string[]): Promise<Map<string, Head>>;
  /** The verdicts of one club and period. */
  verdictsOf(club: string, period: string): Promise<StoredVerdict[]>;
  /** Membership items of a club (every vendor): pid and vendor. */
  membersOf(club: string): Promise<{ pid: string; vendor: string }[]>;

  /** A club's period totals with a revision; `putTotals` writes only if the revision is still `expected`. */
  totals(club: string, period: string): Promise<{ value?: StoredTotals; revision: number }>;
  putTotals(club: string, period: string, value: StoredTotals, expected: number): Promise<boolean>;
  totalsOf(club: string): Promise<StoredTotals[]>;
  /** Every club of the register, sorted. */
  allClubs(): Promise<string[]>;

  /** The ledger: an entry is created once (a second create returns the existing entry). */
  createUpload(entry: LedgerEntry): Promise<LedgerEntry>;
  upload(vendor: string, uploadId: string, completedAt: string): Promise<LedgerEntry | undefined>;
  putUpload(entry: LedgerEntry): Promise<void>;
  /** One upload of the vendor by its id alone (an operator's question), or undefined when the ledger has none. */
  findUpload(vendor: string, uploadId: string): Promise<LedgerEntry | undefined>;
  /** The vendor's (or club's) latest uploads, newest first. */
  uploadsOf(owner: { vendor: string } | { club: string }, limit: number): Promise<LedgerEntry[]>;
  /** The vendor's uploads not yet done, oldest first. */
  unfinishedUploads(vendor: string): Promise<LedgerEntry[]>;
  /**
   * The upload's predecessor: the nearest earlier upload of its vendor that is not done and may touch one of
   * `clubs` (it applies one of them, or its clubs are not known yet); with no clubs given, any (importer-format.md,
   * Order: per club of a vendor). One query per club of the file (and one for the uploads not read yet).
   */
  predecessorOf(upload: Upload, clubs?: readonly string[]): Promise<LedgerEntry | undefined>;
  /** The upload's file has been read: it holds up later uploads of these clubs only. */
  openClubs(upload: Upload, clubs: readonly string[]): Promise<void>;
  /** The ids of the vendor's uploads in the ledger and not done (one query, consistent). */
  openUploadIds(vendor: string): Promise<Set<string>>;
  /** Leaves word with `predecessor` that upload `waiter` waits for it; `token` wakes the waiter (turns.ts). */
  addWaiter(predecessor: Upload, waiter: string, token: string): Promise<void>;
  /** The waiters left with `upload`, taken away. */
  takeWaiters(upload: Upload): Promise<{ waiter: string; token: string }[]>;
  /** Every upload not yet done (reconciliation), oldest first. */
  allUnfinishedUploads(): Promise<LedgerEntry[]>;
  /**
   * Claims the file's bytes for an upload: who holds the claim (this upload, or an earlier one: a duplicate), and
   * the failed uploads of the same bytes that released it before (their writes count as this upload's own).
   */
  claimFile(vendor: string, sha256: string, uploadId: string): Promise<FileClaim>;
  /** The upload failed: its claim is released to the next upload of the same bytes, which takes over its writes. */
  releaseFile(vendor: string, sha256: string, uploadId: string): Promise<void>;
  /** A club's ledger view of an upload (what it did for that club). */
  putClubUpload(club: string, entry: LedgerEntry): Promise<void>;
}

/**
 * The head of a calendar key (head-watch.ts): how many uploads have moved it (a counter, once per upload in a
 * row), and the first upload that ever did. A judge reads heads before what they guard and again after writing:
 * a head that moved in between means the verdicts it wrote may be stale.
 */
export interface Head {
  readonly version: number;
  readonly first: string;
}

/** A claim on a file's bytes (`RegisterStore.claimFile`). */
export interface FileClaim {
  /** The upload that holds the claim. */
  readonly owner: string;
  /** Failed uploads of the same bytes, oldest first: what they wrote before they failed is the owner's too. */
  readonly failed: readonly string[];
}

/** Keyed hashing (HMAC): how identities are looked up without an index of the values themselves. */
export interface IdentityHasher {
  /** A stable, keyed hash of `text`, as lowercase hex. */
  hash(text: string): string;
}

/** Where the pipeline keeps intermediate results and writes receipts (S3, or a folder in local mode). */
export interface ObjectStore {
  put(key: string, body: string | Iterable<string>): Promise<void>;
  get(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

export interface PipelinePorts {
  readonly store: RegisterStore;
  readonly hasher: IdentityHasher;
  readonly objects: ObjectStore;
}

/** What every step needs to know about time. */
export interface PipelineClock {
  /** Evaluation date `YYYY-MM-DD` (Europe/Stockholm). */
  readonly today: string;
  readonly now: () => string;
  readonly swedishDateOf: (isoTime: string) => string;
}

export type { Upload };
