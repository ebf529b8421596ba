import type { BucketFolder } from '../../core/storage/bucket-layout.js';
import { isPlainFileName } from './file-name.js';

/** The two folders a vendor sees under its `/`: its own part of the bucket's folders of the same names. */
export type JailFolder = Extract<BucketFolder, 'inbox' | 'outbox'>;

/** What a path a client sends names inside the vendor's jail, or why it names nothing the vendor may reach. */
export type JailPath =
  | { readonly kind: 'root' }
  | { readonly kind: 'folder'; readonly folder: JailFolder }
  | { readonly kind: 'file'; readonly folder: JailFolder; readonly name: string }
  | { readonly kind: 'refused'; readonly code: 'PERMISSION_DENIED' | 'NO_SUCH_FILE' };

const FOLDERS: readonly string[] = ['inbox', 'outbox'] satisfies readonly JailFolder[];

/**
 * Resolves a client's path inside the vendor's virtual tree `/`, `/inbox`, `/outbox`, `/inbox/<file>`,
 * `/outbox/<file>`. The path is taken as given (relative paths from `/`, the session's only working directory):
 * `.` and empty segments are dropped, `..` goes up one level, and a path that would climb above `/` is refused
 * (PERMISSION_DENIED), however it comes back down. Anything else — deeper paths, other names at the top, names
 * that are not plain file names — is NO_SUCH_FILE. The result never holds a local path: the caller maps it to
 * the vendor's own folders, so no client string ever reaches the file system unchecked.
 */
export function resolveJailPath(path: string): JailPath {
  if (path.includes('\u0000')) return { kind: 'refused', code: 'NO_SUCH_FILE' };
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return { kind: 'refused', code: 'PERMISSION_DENIED' };
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  const [top, name, ...rest] = segments;
  if (top === undefined) return { kind: 'root' };
  if (!FOLDERS.includes(top)) return { kind: 'refused', code: 'NO_SUCH_FILE' };
  const folder = top as JailFolder;
  if (name === undefined) return { kind: 'folder', folder };
  if (rest.length > 0 || !isPlainFileName(name)) return { kind: 'refused', code: 'NO_SUCH_FILE' };
  return { kind: 'file', folder, name };
}

/** The canonical path of a resolved jail path, as REALPATH answers it. */
export function jailPathText(path: Exclude<JailPath, { kind: 'refused' }>): string {
  switch (path.kind) {
    case 'root':
      return '/';
    case 'folder':
      return `/${path.folder}`;
    case 'file':
      return `/${path.folder}/${path.name}`;
  }
}
