import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DocKey } from '../../core/pipeline/ports.js';
import { orderKeyOf, type Upload } from '../../core/pipeline/upload.js';

/**
 * The register table's keys, their one home: one table, items told apart by key prefixes (pk, sk), and one index
 * (gsi1, keys only) for the reverse look-ups. docs/architecture.md has the table of items and access patterns; in
 * short:
 *   VENDOR#<vendor>        / META | UPLOAD#<completedAt>#<upload> | FILE#<sha256> | WAITER#<upload>#<waiting upload>
 *                                 | OPENCLUB#<club or ?>#<completedAt>#<upload>
 *   CLUB#<club>            / META | ACTIVATION#<vendor> | UPLOAD#<completedAt>#<upload> | SUBMISSION#<period>#<main|supplementary>
 *   PERSON#<pid>           / META | MEMBER#<club>#<vendor>
 *   ID#<identity key>      / ID
 *   LINK#<vendor>#<club>   / P#<vendor person id> | A#<vendor activity id>
 *   CAL#<person or group>  / <period>#<vendor>#<club>
 *   HEAD#<person or group> / HEAD
 *   VERDICTS#<club>#<period> / <vendor>#<activity id>
 *   TOTALS#<club>          / <period>
 * gsi1: VENDOR#<v> / CLUB#<club> (active activations), CLUBS / <club>, MEMBERS#<club> / <pid>#<vendor>,
 *       OPEN-UPLOADS / <vendor>#<completedAt>#<upload> (uploads not done).
 * Every key is built here (`key`, `indexKey`), every queried range (`range`, `indexRange`) and every key read
 * back (`parse`): the stores spell none.
 */

/** The table's key of an item. */
export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}

/** An item's key in the index (gsi1), where it has one. */
export interface IndexKey {
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

/** A range a Query reads: one partition, and where its sort keys begin (the whole partition when absent). */
export interface KeyRange {
  readonly pk: string;
  readonly skPrefix?: string;
}

/** The register's one index: keys only. */
export const INDEX = 'gsi1';

/** The sort key of a vendor's, a club's or a person's own item (and the upper bound of a club's META query). */
export const META = 'META';

/** The prefixes that tell items apart, for the builders below and the privacy store's scan filters. */
export const PREFIX = {
  vendor: 'VENDOR#',
  club: 'CLUB#',
  person: 'PERSON#',
  identity: 'ID#',
  link: 'LINK#',
  calendar: 'CAL#',
  head: 'HEAD#',
  verdicts: 'VERDICTS#',
  totals: 'TOTALS#',
  members: 'MEMBERS#',
  upload: 'UPLOAD#',
  fileClaim: 'FILE#',
  waiter: 'WAITER#',
  openMark: 'OPENCLUB#',
  activation: 'ACTIVATION#',
  submission: 'SUBMISSION#',
  membership: 'MEMBER#',
  personLink: 'P#',
  activity: 'A#',
} as const;

/** The index partition of every club. */
const CLUBS = 'CLUBS';
/** The index partition of the uploads not yet done. */
const OPEN_UPLOADS = 'OPEN-UPLOADS';
/** The mark of an upload whose clubs are not known yet (its file not read): every later upload waits for it. */
export const UNKNOWN_CLUBS = '?';

/** What places an upload in its vendor's order: all a key of the ledger reads of an upload. */
export type UploadRef = Pick<Upload, 'vendor' | 'uploadId' | 'completedAt'>;
/** The upload's place in its vendor's order (`orderKeyOf`, which reads no other field). */
const orderOf = (upload: UploadRef): string => orderKeyOf(upload as Upload);

const vendorPk = (vendor: string) => `${PREFIX.vendor}${vendor}`;
const clubPk = (club: string) => `${PREFIX.club}${club}`;
const linkPk = (vendor: string, club: string) => `${PREFIX.link}${vendor}#${club}`;

export const key = {
  vendor: (vendor: string): TableKey => ({ pk: vendorPk(vendor), sk: META }),
  club: (club: string): TableKey => ({ pk: clubPk(club), sk: META }),
  activation: (club: string, vendor: string): TableKey => ({ pk: clubPk(club), sk: `${PREFIX.activation}${vendor}` }),
  /** After META (a club's META query never reads it): the application of a period, main or supplementary. */
  submission: (club: string, period: string, kind: string): TableKey => ({
    pk: clubPk(club),
    sk: `${PREFIX.submission}${period}#${kind}`,
  }),
  /** The vendor's ledger entry of an upload. */
  ledger: (upload: UploadRef): TableKey => ({ pk: vendorPk(upload.vendor), sk: key.uploadSortKey(orderOf(upload)) }),
  /**
   * The sort key of an upload in a vendor's or a club's ledger at `at` (its order key, which begins with its
   * completion time; a time alone is a bound: the uploads completed before it sort below it).
   */
  uploadSortKey: (at: string): string => `${PREFIX.upload}${at}`,
  /** The club's view of an upload that applied to it. */
  clubUpload: (club: string, upload: UploadRef): TableKey => ({
    pk: clubPk(club),
    sk: key.uploadSortKey(orderOf(upload)),
  }),
  /** Which upload applied these bytes for the vendor. */
  fileClaim: (vendor: string, sha256: string): TableKey => ({
    pk: vendorPk(vendor),
    sk: `${PREFIX.fileClaim}${sha256}`,
  }),
  /** An open upload's mark per club it applies (or `UNKNOWN_CLUBS`): the per-club order. */
  openMark: (upload: UploadRef, club: string): TableKey => ({
    pk: vendorPk(upload.vendor),
    sk: `${PREFIX.openMark}${club}#${orderOf(upload)}`,
  }),
  /** Word left with `predecessor` by the upload waiting for it. */
  waiter: (predecessor: UploadRef, waiter: string): TableKey => ({
    pk: vendorPk(predecessor.vendor),
    sk: `${PREFIX.waiter}${predecessor.uploadId}#${waiter}`,
  }),
  /** The head of a calendar key (`RegisterStore.bumpHeads`). */
  head: (calendarKey: string): TableKey => ({ pk: `${PREFIX.head}${calendarKey}`, sk: 'HEAD' }),
  totals: (club: string, period: string): TableKey => ({ pk: `${PREFIX.totals}${club}`, sk: period }),
  /** The key of a pipeline document. */
  doc(doc: DocKey): TableKey {
    switch (doc.kind) {
      case 'person':
        return { pk: `${PREFIX.person}${doc.pid}`, sk: META };
      case 'membership':
        return { pk: `${PREFIX.person}${doc.pid}`, sk: `${PREFIX.membership}${doc.club}#${doc.vendor}` };
      case 'identity':
        return { pk: `${PREFIX.identity}${doc.key}`, sk: 'ID' };
      case 'person-link':
        return { pk: linkPk(doc.vendor, doc.club), sk: `${PREFIX.personLink}${doc.ref}` };
      case 'activity':
        return { pk: linkPk(doc.vendor, doc.club), sk: `${PREFIX.activity}${doc.id}` };
      case 'calendar':
        return { pk: `${PREFIX.calendar}${doc.key}`, sk: `${doc.period}#${doc.vendor}#${doc.club}` };
      case 'verdict':
        return { pk: `${PREFIX.verdicts}${doc.club}#${doc.period}`, sk: `${doc.vendor}#${doc.id}` };
    }
  },
};

export const indexKey = {
  /** An activation while active: the vendor's clubs. */
  activeClub: (club: string, vendor: string): IndexKey => ({ gsi1pk: vendorPk(vendor), gsi1sk: clubPk(club) }),
  club: (club: string): IndexKey => ({ gsi1pk: CLUBS, gsi1sk: club }),
  member: (pid: string, club: string, vendor: string): IndexKey => ({
    gsi1pk: `${PREFIX.members}${club}`,
    gsi1sk: `${pid}#${vendor}`,
  }),
  /** A ledger entry while its upload is not done (or done and still to re-judge). */
  openUpload: (upload: UploadRef): IndexKey => ({
    gsi1pk: OPEN_UPLOADS,
    gsi1sk: `${upload.vendor}#${orderOf(upload)}`,
  }),
};

export const range = {
  uploadsOf: (owner: { vendor: string } | { club: string }): KeyRange => ({
    pk: 'vendor' in owner ? vendorPk(owner.vendor) : clubPk(owner.club),
    skPrefix: PREFIX.upload,
  }),
  submissionsOf: (club: string, period: string): KeyRange => ({
    pk: clubPk(club),
    skPrefix: `${PREFIX.submission}${period}#`,
  }),
  /** The vendor's open marks: all of them, or those of one club. */
  openMarksOf: (vendor: string, club?: string): KeyRange => ({
    pk: vendorPk(vendor),
    skPrefix: club === undefined ? PREFIX.openMark : `${PREFIX.openMark}${club}#`,
  }),
  waitersOf: (upload: UploadRef): KeyRange => ({
    pk: vendorPk(upload.vendor),
    skPrefix: `${PREFIX.waiter}${upload.uploadId}#`,
  }),
  membershipsOf: (pid: string): KeyRange => ({ pk: `${PREFIX.person}${pid}`, skPrefix: PREFIX.membership }),
  linksOf: (vendor: string, club: string): KeyRange => ({ pk: linkPk(vendor, club) }),
  calendarsOf: (calendarKey: string, period?: string): KeyRange => ({
    pk: `${PREFIX.calendar}${calendarKey}`,
    ...(period === undefined ? {} : { skPrefix: `${period}#` }),
  }),
  verdictsOf: (club: string, period: string): KeyRange => ({ pk: `${PREFIX.verdicts}${club}#${period}` }),
  totalsOf: (club: string): KeyRange => ({ pk: `${PREFIX.totals}${club}` }),
};

/** Ranges of the index: a partition of gsi1 and where its sort keys begin. */
export const indexRange = {
  activeClubsOf: (vendor: string): KeyRange => ({ pk: vendorPk(vendor) }),
  clubs: (): KeyRange => ({ pk: CLUBS }),
  membersOf: (club: string): KeyRange => ({ pk: `${PREFIX.members}${club}` }),
  /** The open uploads of one vendor, or of all. */
  openUploads: (vendor?: string): KeyRange => ({
    pk: OPEN_UPLOADS,
    ...(vendor === undefined ? {} : { skPrefix: `${vendor}#` }),
  }),
};

/** The key attributes of the table and of the index. */
export const KEY_NAMES = { table: ['pk', 'sk'], index: ['gsi1pk', 'gsi1sk'] } as const;

/**
 * A Query's key condition on a range of the table or of the index (`INDEX`, eventually consistent); the values as
 * plain strings (the low-level client's stores marshall them).
 */
export function keyCondition(
  keys: KeyRange,
  on: keyof typeof KEY_NAMES = 'table',
): {
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeValues: Record<string, string>;
} {
  const [pk, sk] = KEY_NAMES[on];
  return {
    ...(on === 'index' ? { IndexName: INDEX } : {}),
    KeyConditionExpression: keys.skPrefix === undefined ? `${pk} = :pk` : `${pk} = :pk AND begins_with(${sk}, :prefix)`,
    ExpressionAttributeValues: { ':pk': keys.pk, ...(keys.skPrefix === undefined ? {} : { ':prefix': keys.skPrefix }) },
  };
}

/** What a key read back says. */
export const parse = {
  /** The club of an active activation's index sort key. */
  activeClub: (gsi1sk: string): string => gsi1sk.slice(PREFIX.club.length),
  member: (gsi1sk: string): { pid: string; vendor: string } => {
    const [pid, vendor] = gsi1sk.split('#') as [string, string];
    return { pid, vendor };
  },
  /** The waiting upload of a waiter's sort key under `upload`. */
  waiter: (sk: string, upload: UploadRef): string => sk.slice(range.waitersOf(upload).skPrefix!.length),
  /** The pid of a person's partition. */
  person: (pk: string): string => pk.slice(PREFIX.person.length),
  /** Whether a ledger sort key is the entry of `uploadId`. */
  isLedgerOf: (sk: string, uploadId: string): boolean => sk.startsWith(PREFIX.upload) && sk.endsWith(`#${uploadId}`),
  isMeta: (sk: string): boolean => sk === META,
  isActivation: (sk: string): boolean => sk.startsWith(PREFIX.activation),
  isPersonLink: (sk: string): boolean => sk.startsWith(PREFIX.personLink),
};

/** The register table's definition (DynamoDB Local; the cloud's is cdk/constructs/register-tables.ts). */
export function registerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      ...[...KEY_NAMES.table, ...KEY_NAMES.index].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    ],
    KeySchema: [
      { AttributeName: KEY_NAMES.table[0], KeyType: 'HASH' },
      { AttributeName: KEY_NAMES.table[1], KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: INDEX,
        KeySchema: [
          { AttributeName: KEY_NAMES.index[0], KeyType: 'HASH' },
          { AttributeName: KEY_NAMES.index[1], KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
