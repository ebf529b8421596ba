import { XMLParser } from 'fast-xml-parser';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry of a key's history, as the fake keeps it (newest first in `history`). */
export interface StoredVersion {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
  /** To the second, as S3 reports it. */
  readonly lastModified: Date;
  /** The ETag without quotes (MD5 of the bytes); undefined for a delete marker. */
  readonly etag?: string;
  readonly body?: Buffer;
  readonly contentType?: string;
  tags: { readonly Key: string; readonly Value: string }[];
}

export interface VersionedS3 {
  /** `http://127.0.0.1:<port>`: give it to `s3Client({ endpoint })` (path-style, checksums only when required). */
  readonly endpoint: string;
  /** The bucket created at start (others can be created with CreateBucket). */
  readonly bucket: string;
  /** Every entry of `key` in `bucket`, newest first: versions and delete markers, as ListObjectVersions would list them. */
  history(key: string, bucket?: string): readonly StoredVersion[];
  /** Every request served, as `METHOD operation key` (e.g. `DELETE DeleteObject inbox/v/a.xml?versionId=…`). */
  readonly requests: string[];
  /**
   * Runs `action` when the next request of `operation` (e.g. `GetObjectTagging`) arrives, before it is served:
   * what another Lambda does between two calls of this one (a race, made to happen).
   */
  beforeNext(operation: string, action: () => Promise<unknown>): void;
  /** Stops the server; a second call does nothing. */
  stop(): Promise<void>;
}

export interface VersionedS3Options {
  readonly bucket?: string;
  /**
   * The most entries a list page holds (S3's is 1 000, and "the response might contain fewer"): small pages make
   * the adapters page through one key's versions and its delete markers.
   */
  readonly pageSize?: number;
  /** The time a write gets (kept to the second). Tests move it to order uploads without waiting. */
  readonly now?: () => Date;
}

/** S3's XML namespace: every response document is in it. */
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const OWNER = '<Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID></Owner>';
/** Version ids look like S3's: 32 URL-safe characters, which a copy source must still encode. */
const VERSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

/** A request the fake answers with an S3 error document. */
class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xml(String(value))}</${name}>`;
}

function document(root: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${body}</${root}>`;
}

function newVersionId(): string {
  return [...randomBytes(32)].map((b) => VERSION_ALPHABET[b % VERSION_ALPHABET.length]).join('');
}

function toSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** `k1=v1&k2=v2` (the x-amz-tagging header) as a tag set. */
function tagsOfHeader(header: string | undefined): StoredVersion['tags'] {
  if (!header) return [];
  return header
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [k, v = ''] = pair.split('=');
      return { Key: decodeURIComponent(k!), Value: decodeURIComponent(v) };
    });
}

/**
 * A versioned S3 bucket on loopback, because s3rver keeps no versions: it speaks S3's REST protocol (path-style
 * addressing, XML documents in S3's namespace) for exactly the operations shared/adapters/s3 calls, answering as
 * AWS documents them, so that the real AWS SDK v3 client and the adapters run unchanged against it:
 *
 * - PutObject, GetObject, HeadObject: `ETag` quoted, `Last-Modified`, `x-amz-version-id`; a key whose current
 *   version is a delete marker is 404 `NoSuchKey` with `x-amz-delete-marker: true` (HEAD: no body); an unknown
 *   version id is 404 `NoSuchVersion`; a delete marker asked for by its version id is 405 `MethodNotAllowed`.
 * - DeleteObject: without a version id it adds a delete marker (`x-amz-delete-marker: true`, its version id);
 *   with one it removes that version for good (the one below becomes current), and an unknown one is a 204 too.
 * - CopyObject (`x-amz-copy-source` `bucket/key?versionId=…`, URL-encoded): a `CopyObjectResult`, the new
 *   version in `x-amz-version-id`, the source's in `x-amz-copy-source-version-id`; tags copied unless
 *   `x-amz-tagging-directive: REPLACE`; a delete marker as the source is 400 `InvalidRequest`.
 * - GetObjectTagging, PutObjectTagging, by version id or of the current version; `x-amz-tagging` on a put.
 * - ListObjectVersions: a `ListVersionsResult` of `Version` and `DeleteMarker` entries (key order, newest first
 *   within a key, `IsLatest` on the newest), paged with `KeyMarker`/`VersionIdMarker` and `NextKeyMarker`/
 *   `NextVersionIdMarker`; ListObjectsV2: the keys whose current version is an object, paged by token.
 * - CreateBucket; every bucket is versioned from its creation.
 *
 * Its limits, what it does not show: no signature, credential or permission checks (IAM, bucket and session
 * policies, KMS: nothing is encrypted); no checksums verified; no multipart upload (Transfer Family uses it for
 * large files, and S3 then dates the version by when the upload began: `now` can date a write earlier than one
 * before it to stand for that); no null versions (objects written before versioning was enabled) and no
 * suspended versioning; no lifecycle (noncurrent versions and expired delete markers stay), no object lock,
 * no replication, no event notifications (Transfer Family's EventBridge events are sent by the tests); list
 * requests without `delimiter`, `start-after` or `encoding-type`; no ranges and no conditional requests; a
 * version id is never ill-formed (S3 answers 400 to one; deleting a well-formed one that is not there is a 204
 * there as here). Anything it does not implement (an operation, a parameter, a header that changes what an
 * operation does) is 501 `NotImplemented`, never silently ignored: the adapters would fall back to their
 * unversioned paths on a `NotImplemented` listing, and a test would notice. It is consistent at once, as S3 is
 * for every operation here since December 2020.
 */
export async function versionedS3(options: VersionedS3Options = {}): Promise<VersionedS3> {
  const bucketName = options.bucket ?? 'lok-files-test';
  const pageSize = options.pageSize ?? 1000;
  const now = options.now ?? (() => new Date());
  /** bucket → key → entries, newest first. */
  const buckets = new Map<string, Map<string, StoredVersion[]>>([[bucketName, new Map()]]);
  const requests: string[] = [];
  const pending = new Map<string, () => Promise<unknown>>();

  const bucketOf = (name: string) => {
    const bucket = buckets.get(name);
    if (!bucket)
      throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', {}, { BucketName: name });
    return bucket;
  };

  const write = (
    bucket: Map<string, StoredVersion[]>,
    entry: Omit<StoredVersion, 'versionId' | 'lastModified'>,
  ): StoredVersion => {
    const stored: StoredVersion = { ...entry, versionId: newVersionId(), lastModified: toSecond(now()) };
    bucket.set(entry.key, [stored, ...(bucket.get(entry.key) ?? [])]);
    return stored;
  };

  /** The version a request names: by its version id, else the current one; never a delete marker. */
  const versionOf = (
    bucket: Map<string, StoredVersion[]>,
    key: string,
    versionId: string | undefined,
  ): StoredVersion => {
    const entries = bucket.get(key) ?? [];
    if (versionId !== undefined) {
      const entry = entries.find((e) => e.versionId === versionId);
      if (!entry)
        throw new S3Error(
          404,
          'NoSuchVersion',
          'The specified version does not exist.',
          {},
          { Key: key, VersionId: versionId },
        );
      if (entry.deleteMarker) {
        throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
          'x-amz-delete-marker': 'true',
          'x-amz-version-id': entry.versionId,
          allow: 'DELETE',
        });
      }
      return entry;
    }
    const current = entries[0];
    if (!current) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', {}, { Key: key });
    if (current.deleteMarker)
      throw new S3Error(
        404,
        'NoSuchKey',
        'The specified key does not exist.',
        { 'x-amz-delete-marker': 'true', 'x-amz-version-id': current.versionId },
        { Key: key },
      );
    return current;
  };

  const objectHeaders = (v: StoredVersion): Record<string, string> => ({
    etag: `"${v.etag!}"`,
    'last-modified': v.lastModified.toUTCString(),
    'content-length': String(v.body!.length),
    'content-type': v.contentType ?? 'binary/octet-stream',
    'accept-ranges': 'bytes',
    'x-amz-version-id': v.versionId,
    ...(v.tags.length > 0 ? { 'x-amz-tagging-count': String(v.tags.length) } : {}),
  });

  const tagging = (tags: StoredVersion['tags']) =>
    document(
      'Tagging',
      `<TagSet>${tags.map((t) => `<Tag>${element('Key', t.Key)}${element('Value', t.Value)}</Tag>`).join('')}</TagSet>`,
    );

  const parseTagging = (body: Buffer): StoredVersion['tags'] => {
    const parsed = new XMLParser({ isArray: (name) => name === 'Tag', parseTagValue: false }).parse(
      body.toString('utf8'),
    ) as { Tagging?: { TagSet?: { Tag?: { Key: string; Value: string }[] } } };
    return (parsed.Tagging?.TagSet?.Tag ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') }));
  };

  /** `bucket/key?versionId=…`, percent-encoded, with or without a leading slash. */
  const copySource = (header: string) => {
    const [path, query] = header.replace(/^\//, '').split('?', 2) as [string, string | undefined];
    const slash = path.indexOf('/');
    if (slash < 1)
      throw new S3Error(
        400,
        'InvalidArgument',
        'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      );
    const params = new URLSearchParams(query ?? '');
    const unknown = [...params.keys()].filter((k) => k !== 'versionId');
    if (unknown.length > 0)
      throw new S3Error(501, 'NotImplemented', `the fake does not implement copy source parameter ${unknown[0]}`);
    const versionId =
      query === undefined ? undefined : decodeURIComponent(/(?:^|&)versionId=([^&]*)/.exec(query)?.[1] ?? '');
    return {
      bucket: decodeURIComponent(path.slice(0, slash)),
      key: decodeURIComponent(path.slice(slash + 1)),
      versionId,
    };
  };

  /** Every entry under a prefix, in ListObjectVersions' order: key by key (binary order), newest first. */
  const entriesUnder = (bucket: Map<string, StoredVersion[]>, prefix: string) =>
    [...bucket.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .flatMap((k) => bucket.get(k)!);

  const listVersions = (name: string, q: Map<string, string>) => {
    const bucket = bucketOf(name);
    const prefix = q.get('prefix') ?? '';
    const keyMarker = q.get('key-marker');
    const versionMarker = q.get('version-id-marker');
    if (versionMarker !== undefined && !keyMarker)
      throw new S3Error(400, 'InvalidArgument', 'A version-id marker cannot be specified without a key marker.');
    const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), pageSize);
    let entries = entriesUnder(bucket, prefix);
    if (keyMarker !== undefined && keyMarker !== '') {
      const markerBytes = Buffer.from(keyMarker);
      const afterKey = (e: StoredVersion) => Buffer.compare(Buffer.from(e.key), markerBytes) > 0;
      if (versionMarker) {
        const at = entries.findIndex((e) => e.key === keyMarker && e.versionId === versionMarker);
        if (at < 0) throw new S3Error(400, 'InvalidArgument', 'Invalid version id specified');
        entries = entries.slice(at + 1);
      } else {
        entries = entries.filter(afterKey);
      }
    }
    const page = entries.slice(0, maxKeys);
    const truncated = entries.length > page.length;
    const last = page.at(-1);
    const latest = (e: StoredVersion) => bucket.get(e.key)![0] === e;
    const items = page
      .map((e) =>
        e.deleteMarker
          ? `<DeleteMarker>${element('Key', e.key)}${element('VersionId', e.versionId)}${element('IsLatest', latest(e))}${element('LastModified', e.lastModified.toISOString())}${OWNER}</DeleteMarker>`
          : `<Version>${element('Key', e.key)}${element('VersionId', e.versionId)}${element('IsLatest', latest(e))}${element('LastModified', e.lastModified.toISOString())}${element('ETag', `"${e.etag!}"`)}${element('Size', e.body!.length)}${element('StorageClass', 'STANDARD')}${OWNER}</Version>`,
      )
      .join('');
    return document(
      'ListVersionsResult',
      [
        element('Name', name),
        element('Prefix', prefix),
        element('KeyMarker', keyMarker ?? ''),
        element('VersionIdMarker', versionMarker ?? ''),
        element('MaxKeys', maxKeys),
        element('IsTruncated', truncated),
        ...(truncated && last
          ? [element('NextKeyMarker', last.key), element('NextVersionIdMarker', last.versionId)]
          : []),
        items,
      ].join(''),
    );
  };

  const listObjects = (name: string, q: Map<string, string>) => {
    const bucket = bucketOf(name);
    const prefix = q.get('prefix') ?? '';
    const token = q.get('continuation-token');
    const after = token === undefined ? undefined : Buffer.from(token, 'base64url');
    const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), pageSize);
    const current = entriesUnder(bucket, prefix)
      .filter((e) => bucket.get(e.key)![0] === e && !e.deleteMarker)
      .filter((e) => !after || Buffer.compare(Buffer.from(e.key), after) > 0);
    const page = current.slice(0, maxKeys);
    const truncated = current.length > page.length;
    const contents = page
      .map(
        (e) =>
          `<Contents>${element('Key', e.key)}${element('LastModified', e.lastModified.toISOString())}${element('ETag', `"${e.etag!}"`)}${element('Size', e.body!.length)}${element('StorageClass', 'STANDARD')}</Contents>`,
      )
      .join('');
    return document(
      'ListBucketResult',
      [
        element('Name', name),
        element('Prefix', prefix),
        element('KeyCount', page.length),
        element('MaxKeys', maxKeys),
        element('IsTruncated', truncated),
        ...(token !== undefined ? [element('ContinuationToken', token)] : []),
        ...(truncated ? [element('NextContinuationToken', Buffer.from(page.at(-1)!.key).toString('base64url'))] : []),
        contents,
      ].join(''),
    );
  };

  /** Which operation a request is, from its method, path and sub-resource, and the parameters it may carry. */
  const operationOf = (
    method: string,
    hasKey: boolean,
    q: Map<string, string>,
    headers: IncomingMessage['headers'],
  ): { name: string; params: readonly string[] } => {
    if (!hasKey) {
      if (method === 'PUT' && q.size === 0) return { name: 'CreateBucket', params: [] };
      if (method === 'GET' && q.has('versions'))
        return {
          name: 'ListObjectVersions',
          params: ['versions', 'prefix', 'key-marker', 'version-id-marker', 'max-keys'],
        };
      if (method === 'GET' && q.get('list-type') === '2')
        return {
          name: 'ListObjectsV2',
          params: ['list-type', 'prefix', 'continuation-token', 'max-keys', 'fetch-owner'],
        };
    } else if (q.has('tagging')) {
      if (method === 'GET') return { name: 'GetObjectTagging', params: ['tagging', 'versionId'] };
      if (method === 'PUT') return { name: 'PutObjectTagging', params: ['tagging', 'versionId'] };
    } else {
      if (method === 'PUT')
        return headers['x-amz-copy-source'] ? { name: 'CopyObject', params: [] } : { name: 'PutObject', params: [] };
      if (method === 'GET') return { name: 'GetObject', params: ['versionId'] };
      if (method === 'HEAD') return { name: 'HeadObject', params: ['versionId'] };
      if (method === 'DELETE') return { name: 'DeleteObject', params: ['versionId'] };
    }
    throw new S3Error(
      501,
      'NotImplemented',
      `the fake does not implement ${method} ${hasKey ? 'on an object' : 'on a bucket'} with ${[...q.keys()].join(', ') || 'no sub-resource'}`,
    );
  };

  /** Headers that change what an operation does and that the fake does not implement. */
  const UNSUPPORTED_HEADERS = [
    'range',
    'if-match',
    'if-none-match',
    'if-modified-since',
    'if-unmodified-since',
    'x-amz-copy-source-range',
    'x-amz-copy-source-if-match',
    'x-amz-copy-source-if-none-match',
    'x-amz-copy-source-if-modified-since',
    'x-amz-copy-source-if-unmodified-since',
    'x-amz-object-lock-mode',
    'x-amz-bypass-governance-retention',
    'x-amz-mfa',
  ];

  const serve = async (
    request: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body?: Buffer | string }> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const [, encodedBucket = '', ...rest] = url.pathname.split('/');
    const name = decodeURIComponent(encodedBucket);
    const key = rest.length > 0 ? decodeURIComponent(rest.join('/')) : '';
    // Parameters decoded as S3 decodes them (a '+' the SDK sends is always %2B); `x-id` only names the operation.
    const q = new Map(
      url.search
        .slice(1)
        .split('&')
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf('=');
          return at < 0
            ? [decodeURIComponent(pair), '']
            : [decodeURIComponent(pair.slice(0, at)), decodeURIComponent(pair.slice(at + 1))];
        })
        .filter(([k]) => k !== 'x-id') as [string, string][],
    );
    const method = request.method ?? 'GET';
    const operation = operationOf(method, key !== '', q, request.headers);
    requests.push(`${method} ${operation.name} ${key}${q.has('versionId') ? `?versionId=${q.get('versionId')!}` : ''}`);
    const unknownParam = [...q.keys()].find((k) => !operation.params.includes(k));
    if (unknownParam)
      throw new S3Error(501, 'NotImplemented', `the fake does not implement ${operation.name} with ${unknownParam}`);
    const unknownHeader = UNSUPPORTED_HEADERS.find((h) => request.headers[h] !== undefined);
    if (unknownHeader)
      throw new S3Error(501, 'NotImplemented', `the fake does not implement ${operation.name} with ${unknownHeader}`);
    const versionId = q.get('versionId');
    const before = pending.get(operation.name);
    pending.delete(operation.name);
    await before?.();

    switch (operation.name) {
      case 'CreateBucket': {
        await bodyOf(request);
        if (buckets.has(name))
          throw new S3Error(
            409,
            'BucketAlreadyOwnedByYou',
            'Your previous request to create the named bucket succeeded and you already own it.',
            {},
            { BucketName: name },
          );
        buckets.set(name, new Map());
        return { status: 200, headers: { location: `/${name}` } };
      }
      case 'ListObjectVersions':
        return { status: 200, headers: { 'content-type': 'application/xml' }, body: listVersions(name, q) };
      case 'ListObjectsV2':
        return { status: 200, headers: { 'content-type': 'application/xml' }, body: listObjects(name, q) };
      case 'PutObject': {
        const body = await bodyOf(request);
        const bucket = bucketOf(name);
        const contentType = request.headers['content-type'];
        const stored = write(bucket, {
          key,
          deleteMarker: false,
          body,
          etag: createHash('md5').update(body).digest('hex'),
          ...(contentType ? { contentType } : {}),
          tags: tagsOfHeader(request.headers['x-amz-tagging'] as string | undefined),
        });
        return { status: 200, headers: { etag: `"${stored.etag!}"`, 'x-amz-version-id': stored.versionId } };
      }
      case 'GetObject':
      case 'HeadObject': {
        const v = versionOf(bucketOf(name), key, versionId);
        return { status: 200, headers: objectHeaders(v), ...(operation.name === 'GetObject' ? { body: v.body! } : {}) };
      }
      case 'DeleteObject': {
        const bucket = bucketOf(name);
        if (versionId === undefined) {
          const marker = write(bucket, { key, deleteMarker: true, tags: [] });
          return { status: 204, headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId } };
        }
        const entries = bucket.get(key) ?? [];
        const removed = entries.find((e) => e.versionId === versionId);
        const left = entries.filter((e) => e !== removed);
        if (left.length > 0) bucket.set(key, left);
        else bucket.delete(key);
        return {
          status: 204,
          headers: {
            'x-amz-version-id': versionId,
            ...(removed?.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
          },
        };
      }
      case 'CopyObject': {
        await bodyOf(request);
        const source = copySource(request.headers['x-amz-copy-source'] as string);
        const sourceBucket = bucketOf(source.bucket);
        if (
          source.versionId !== undefined &&
          sourceBucket.get(source.key)?.find((e) => e.versionId === source.versionId)?.deleteMarker
        ) {
          throw new S3Error(
            400,
            'InvalidRequest',
            'The source of a copy request may not specifically refer to a delete marker by version id.',
          );
        }
        const from = versionOf(sourceBucket, source.key, source.versionId);
        const replaceTags = request.headers['x-amz-tagging-directive'] === 'REPLACE';
        const replaceMetadata = request.headers['x-amz-metadata-directive'] === 'REPLACE';
        const contentType = replaceMetadata ? request.headers['content-type'] : from.contentType;
        const stored = write(bucketOf(name), {
          key,
          deleteMarker: false,
          body: from.body!,
          etag: from.etag!,
          ...(contentType ? { contentType } : {}),
          tags: replaceTags ? tagsOfHeader(request.headers['x-amz-tagging'] as string | undefined) : [...from.tags],
        });
        return {
          status: 200,
          headers: {
            'content-type': 'application/xml',
            'x-amz-version-id': stored.versionId,
            'x-amz-copy-source-version-id': from.versionId,
          },
          body: document(
            'CopyObjectResult',
            `${element('LastModified', stored.lastModified.toISOString())}${element('ETag', `"${stored.etag!}"`)}`,
          ),
        };
      }
      case 'GetObjectTagging': {
        const v = versionOf(bucketOf(name), key, versionId);
        return {
          status: 200,
          headers: { 'content-type': 'application/xml', 'x-amz-version-id': v.versionId },
          body: tagging(v.tags),
        };
      }
      case 'PutObjectTagging': {
        const tags = parseTagging(await bodyOf(request));
        const v = versionOf(bucketOf(name), key, versionId);
        v.tags = tags;
        return { status: 200, headers: { 'x-amz-version-id': v.versionId } };
      }
      default:
        throw new S3Error(501, 'NotImplemented', `the fake does not implement ${operation.name}`);
    }
  };

  const answer = (
    request: IncomingMessage,
    response: ServerResponse,
    reply: { status: number; headers: Record<string, string>; body?: Buffer | string },
    requestId: string,
  ) => {
    const body = request.method === 'HEAD' || reply.body === undefined ? undefined : Buffer.from(reply.body);
    response.writeHead(reply.status, {
      'x-amz-request-id': requestId,
      'x-amz-id-2': randomBytes(24).toString('base64'),
      date: new Date().toUTCString(),
      server: 'AmazonS3',
      ...reply.headers,
      ...(request.method !== 'HEAD' ? { 'content-length': String(body?.length ?? 0) } : {}),
    });
    response.end(body);
  };

  const server = createServer((request, response) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    void serve(request).then(
      (reply) => answer(request, response, reply, requestId),
      (error: unknown) => {
        // Whatever the request held is read, so that the connection stays usable for the next one.
        request.resume();
        const e =
          error instanceof S3Error
            ? error
            : new S3Error(500, 'InternalError', error instanceof Error ? error.message : String(error));
        const extra = Object.entries(e.extra)
          .map(([k, v]) => element(k, v))
          .join('');
        answer(
          request,
          response,
          {
            status: e.status,
            headers: { 'content-type': 'application/xml', ...e.headers },
            body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${element('Code', e.code)}${element('Message', e.message)}${extra}${element('RequestId', requestId)}</Error>`,
          },
          requestId,
        );
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: bucketName,
    history: (key, bucket = bucketName) => [...(buckets.get(bucket)?.get(key) ?? [])],
    requests,
    beforeNext: (operation, action) => pending.set(operation, action),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
