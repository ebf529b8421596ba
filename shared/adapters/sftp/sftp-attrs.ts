import type { Stats } from 'node:fs';
import type { Attributes } from 'ssh2';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** Attributes of a folder of the jail (`/`, `/inbox`, `/outbox`); `writable` for the inbox. */
export function folderAttrs(writable: boolean, stats?: Stats): Attributes {
  const time = Math.floor((stats?.mtimeMs ?? Date.now()) / 1000);
  return { mode: S_IFDIR | (writable ? 0o755 : 0o555), uid: 0, gid: 0, size: 0, atime: time, mtime: time };
}

/** Attributes of a regular file; the owner and group are not the machine's (0), the mode says what the vendor may do. */
export function fileAttrs(stats: Stats, writable: boolean): Attributes {
  return {
    mode: S_IFREG | (writable ? 0o644 : 0o444),
    uid: 0,
    gid: 0,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function permissions(mode: number): string {
  const bits = 'rwxrwxrwx';
  let text = (mode & S_IFDIR) === S_IFDIR ? 'd' : '-';
  for (let i = 0; i < 9; i++) text += (mode & (1 << (8 - i))) !== 0 ? bits[i] : '-';
  return text;
}

/** The `ls -l` line SFTP v3 sends with each directory entry (clients show or parse it). */
export function longName(name: string, attrs: Attributes, owner: string): string {
  const date = new Date(attrs.mtime * 1000);
  const day = `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')}`;
  const time = `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  return `${permissions(attrs.mode)}    1 ${owner.padEnd(8)} ${owner.padEnd(8)} ${String(attrs.size).padStart(8)} ${day} ${time} ${name}`;
}
