import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ObjectStore } from '../../core/pipeline/ports.js';

/** The longest name a folder entry may have on the file systems local mode runs on (ext4, xfs, APFS, NTFS): bytes of UTF-8. */
export const MAX_ENTRY_BYTES = 255;
/** What a too-long name keeps of its end (`….xml.receipt.json`), so that the kind of the file stays readable. */
const KEPT_TAIL_BYTES = 40;

/**
 * A key's segment as a folder entry: itself when it fits, else its head, `~`, 16 hex digits of its SHA-256 and
 * its tail, 255 bytes at most. An S3 key part may be 1 024 bytes, a file name 255: a vendor's file of 243–255
 * bytes has a receipt name (`<file>.receipt.json`) that a disk cannot hold, which stopped the vendor's queue
 * (issue 15). The SFTP endpoint refuses such names now; an upload taken before still gets its receipt, under this
 * name. The same segment always maps to the same entry.
 */
export function diskSegment(segment: string): string {
  if (Buffer.byteLength(segment) <= MAX_ENTRY_BYTES) return segment;
  const mark = `~${createHash('sha256').update(segment).digest('hex').slice(0, 16)}`;
  const tail = fitted([...segment].reverse(), KEPT_TAIL_BYTES)
    .reverse()
    .join('');
  const head = fitted([...segment], MAX_ENTRY_BYTES - Buffer.byteLength(mark) - Buffer.byteLength(tail)).join('');
  return `${head}${mark}${tail}`;
}

/** The first characters of `chars` that fit in `bytes` bytes of UTF-8 (never half a character). */
function fitted(chars: readonly string[], bytes: number): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const char of chars) {
    used += Buffer.byteLength(char);
    if (used > bytes) break;
    kept.push(char);
  }
  return kept;
}

/**
 * An object store in a folder, laid out like the bucket (`outbox/<vendor>/…`, `work/…`); writes are atomic (a
 * hidden temporary file beside it, renamed into place). A key segment too long for a file name is shortened
 * (diskSegment).
 */
export class DiskObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, ...key.split('/').map(diskSegment)));
    if (!path.startsWith(this.root + sep)) throw new Error(`object key outside the store: ${key}`);
    return path;
  }

  async put(key: string, body: string | Iterable<string>): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // A short hidden name: the object's own name may already take the 255 bytes a name may have.
    const temporary = join(dirname(path), `.${process.pid}.${randomBytes(6).toString('hex')}.part`);
    await writeFile(
      temporary,
      typeof body === 'string'
        ? body
        : (function* () {
            yield* body;
          })(),
    );
    await rename(temporary, path);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.pathOf(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
