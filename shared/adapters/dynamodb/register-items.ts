import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import type { Club, Vendor } from '../../core/admin/register-admin.js';
import type { Activation, ClubState, Doc, DocKey, Head } from '../../core/pipeline/ports.js';
import type { StoredTotals } from '../../core/pipeline/stored.js';
import type { LedgerEntry, Upload } from '../../core/pipeline/upload.js';
import { indexKey, key, keyCondition, type IndexKey, type KeyRange, type TableKey } from './register-table.js';

/**
 * How the register's items are encoded, one home: each kind's item written and read back here, from one
 * declaration of its fields. Two encodings, by what the item is for:
 * - a document (`documentItem`): the value as one JSON string in `d` (one small item, one parse), beside its keys:
 *   the pipeline's documents, ledger entries, a club's view of an upload, submissions, totals (and `rev`, which a
 *   condition reads);
 * - a record (`recordOf`): each field an attribute of its own, where a condition or an update expression reads or
 *   moves the fields: vendors (`licence`, `activeClubs`), clubs (their periods appended), activations (`active`),
 *   heads (`v`, `first`, `last`), file claims, open marks, waiters.
 * Items are plain values here (as the DocumentClient sees them); `toItem` and `fromItem` are the low-level client's.
 */

/** An item as plain values. */
export type Attributes = Record<string, NativeAttributeValue>;
/** An item as the low-level client sends and receives it. */
export type Item = Record<string, AttributeValue>;

export const toItem = (attributes: Attributes): Item => marshall(attributes);
export const fromItem = (item: Item): Attributes => unmarshall(item);
/** A string as the low-level client's attribute value (keys, expression values). */
export const S = (value: string): AttributeValue => ({ S: value });
/** An item's table key for the low-level client. */
export const keyItem = ({ pk, sk }: TableKey): Item => ({ pk: S(pk), sk: S(sk) });

/** `keyCondition` for the low-level client: its values as attribute values. */
export function itemKeyCondition(
  keys: KeyRange,
  on?: Parameters<typeof keyCondition>[1],
): {
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeValues: Item;
} {
  const { ExpressionAttributeValues, ...condition } = keyCondition(keys, on);
  return { ...condition, ExpressionAttributeValues: marshall(ExpressionAttributeValues) };
}

/** The attribute that holds a document. */
const DOCUMENT = 'd';

/** A document's item: its key, its index key where it has one, the value as JSON in `d`, and `extra` attributes. */
export function documentItem(itemKey: TableKey, value: unknown, index?: IndexKey, extra: Attributes = {}): Attributes {
  return { ...itemKey, ...index, ...extra, [DOCUMENT]: JSON.stringify(value) };
}

/** The value of a document's item. */
export function documentOf<T>(attributes: Attributes): T {
  return JSON.parse(attributes[DOCUMENT] as string) as T;
}

/** The value of a document's item as the low-level client reads it. */
export const itemDocument = <T>(item: Item): T => documentOf<T>(fromItem(item));

/** A filter (`contains`) on a document's JSON: whether its `field` is `value`. */
export function documentField(field: string, value: string): { attribute: string; text: string } {
  return { attribute: DOCUMENT, text: `"${field}":"${value}"` };
}

/** A record's fields, each named once (the type checks that none is missing or extra). */
type Fields<T> = Record<keyof T, true>;

/** The declared fields of `from`, in the declaration's order; a field absent from the item stays absent. */
function recordOf<T>(fields: Fields<T>, from: Attributes | T): T {
  const record: Record<string, unknown> = {};
  for (const field of Object.keys(fields)) {
    const value = (from as Record<string, unknown>)[field];
    if (value !== undefined) record[field] = value;
  }
  return record as T;
}

const VENDOR_FIELDS: Fields<Vendor> = { id: true, name: true, purpose: true, licence: true };
const CLUB_FIELDS: Fields<Club> = {
  id: true,
  name: true,
  sports: true,
  federation: true,
  identityKey: true,
  countsEveryoneAsDisabled: true,
};
const ACTIVATION_FIELDS: Fields<Activation> = { vendor: true, from: true, active: true, to: true };

/** The attribute a vendor's count of active clubs is kept in (its licence's limit is checked on it). */
export const ACTIVE_CLUBS = 'activeClubs';

export const vendorItem = (vendor: Vendor): Attributes => ({
  ...key.vendor(vendor.id),
  ...recordOf(VENDOR_FIELDS, vendor),
  [ACTIVE_CLUBS]: 0,
});
export const vendorOf = (attributes: Attributes): Vendor => recordOf(VENDOR_FIELDS, attributes);

/** The club's list of periods a kind of submission closes: appended by the application store, read by the judge (`clubStateOf`). */
export const CLUB_PERIODS = { main: 'submittedPeriods', supplementary: 'supplementedPeriods' } as const;

export const clubItem = (club: Club): Attributes => ({
  ...key.club(club.id),
  ...recordOf(CLUB_FIELDS, club),
  ...indexKey.club(club.id),
});

/** A club's state from its META item and its activations' items. */
export function clubStateOf(meta: Attributes, activations: readonly Attributes[]): ClubState {
  return {
    club: recordOf(CLUB_FIELDS, meta),
    activations: activations.map((a) => recordOf(ACTIVATION_FIELDS, a)),
    submittedPeriods: (meta[CLUB_PERIODS.main] as string[] | undefined) ?? [],
    supplementedPeriods: (meta[CLUB_PERIODS.supplementary] as string[] | undefined) ?? [],
  };
}

/** A new activation, active from `from` and in the vendor's index of active clubs. */
export const activationItem = (club: string, vendor: string, from: string): Attributes => ({
  ...key.activation(club, vendor),
  club,
  ...recordOf(ACTIVATION_FIELDS, { vendor, from, active: true }),
  ...indexKey.activeClub(club, vendor),
});

/** A pipeline document's item; a membership is indexed by club. */
export function docItem(doc: Doc): Attributes {
  const index =
    doc.kind === 'membership' ? indexKey.member(doc.value.pid, doc.value.club, doc.value.vendor) : undefined;
  return documentItem(key.doc({ kind: doc.kind, ...doc.value } as DocKey), doc.value, index);
}

/** A ledger entry's item: open uploads are indexed, so that "what is unfinished" never reads a vendor's whole history. */
export const ledgerItem = (entry: LedgerEntry): Attributes =>
  documentItem(
    key.ledger(entry),
    entry,
    entry.stage !== 'done' || entry.stale ? indexKey.openUpload(entry) : undefined,
  );

export const clubUploadItem = (club: string, entry: LedgerEntry): Attributes =>
  documentItem(key.clubUpload(club, entry), entry);

/** The attribute of a club's totals that conditions their writes (optimistic locking). */
export const REVISION = 'rev';

export const totalsItem = (club: string, period: string, value: StoredTotals, revision: number): Attributes =>
  documentItem(key.totals(club, period), value, undefined, { [REVISION]: revision });
export const totalsOf = (attributes: Attributes): { value: StoredTotals; revision: number } => ({
  value: documentOf<StoredTotals>(attributes),
  revision: Number(attributes[REVISION]),
});

/** A head's attributes: its version, the first and the last upload that moved it. */
export const HEAD = { version: 'v', first: 'first', last: 'last' } as const;
export const headOf = (attributes: Attributes): Head => ({
  version: Number(attributes[HEAD.version]),
  first: attributes[HEAD.first] as string,
});

/**
 * A file claim's attributes, moved only by update expressions: the upload that owns the bytes, whether a failed
 * upload released them, and the uploads that failed with them, in order.
 */
export const FILE_CLAIM = { owner: 'uploadId', released: 'released', failed: 'failed' } as const;
/** A claim read back: its owner (none once released) and its failed uploads. */
export const fileClaimOf = (attributes: Attributes): { owner?: string; failed: string[] } => ({
  ...(attributes[FILE_CLAIM.released] === true ? {} : { owner: attributes[FILE_CLAIM.owner] as string | undefined }),
  failed: (attributes[FILE_CLAIM.failed] as string[] | undefined) ?? [],
});

/** An open upload's mark for a club: the upload it stands for. */
export const openMarkItem = (upload: Upload, club: string): Attributes => ({
  ...key.openMark(upload, club),
  uploadId: upload.uploadId,
  completedAt: upload.completedAt,
});
export const openMarkOf = (attributes: Attributes): Pick<Upload, 'uploadId' | 'completedAt'> => ({
  uploadId: attributes.uploadId as string,
  completedAt: attributes.completedAt as string,
});

/** Word left with `predecessor` by `waiter`: the token that wakes it. */
export const waiterItem = (predecessor: Upload, waiter: string, token: string): Attributes => ({
  ...key.waiter(predecessor, waiter),
  token,
});
export const tokenOf = (attributes: Attributes): string => attributes.token as string;
