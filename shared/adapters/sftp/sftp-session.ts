import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attributes, FileEntry, SFTPWrapper } from 'ssh2';
import { isPlainFileName, uploadNameRefusal } from './file-name.js';
import { jailPathText, resolveJailPath, type JailFolder, type JailPath } from './jail-path.js';
import { fileAttrs, folderAttrs, longName } from './sftp-attrs.js';
import { OPEN_MODE, STATUS, refuse, statusOf } from './sftp-status.js';
import { folderOf, type VendorFolders } from './vendor-folders.js';

export interface CompletedSftpUpload {
  readonly vendor: string;
  readonly file: string;
  /** Where the complete file lies: `<root>/inbox/<vendor>/<file>`. */
  readonly path: string;
  readonly completedAt: string;
}

/**
 * Completed uploads the importer has taken out of the inbox (into its archive) but not yet imported. Until then the
 * session still shows each in the inbox, read-only: clients that STAT, SETSTAT or read a file back right after
 * CLOSE (paramiko's `put`, rclone) see their upload succeed, as they would on S3 while the workflow runs.
 */
export interface UploadsBeingImported {
  /** Where the vendor's upload of this name lies now, or undefined when none of that name is being imported. */
  pathOf(vendor: string, file: string): string | undefined;
  /** The names of the vendor's uploads being imported. */
  files(vendor: string): readonly string[];
}

export interface SftpSessionOptions {
  readonly vendor: string;
  readonly folders: VendorFolders;
  readonly onUpload: (upload: CompletedSftpUpload) => void;
  readonly log: (event: Record<string, unknown>) => void;
  readonly beingImported?: UploadsBeingImported;
  /** The most bytes one upload may write (its WRITEs' lengths added up); more is refused with UPLOAD_TOO_LARGE. */
  readonly maxUploadBytes: number;
}

type OpenHandle =
  | { readonly kind: 'read'; readonly folder: JailFolder; readonly file: FileHandle }
  | {
      readonly kind: 'write';
      readonly name: string;
      readonly temp: string;
      readonly file: FileHandle;
      written: number;
      tooLarge: boolean;
    }
  | { readonly kind: 'dir'; readonly writable: boolean; readonly entries: FileEntry[] };

type Resolved = Exclude<JailPath, { kind: 'refused' }>;

const MAX_HANDLES = 64;
/** The code an upload over its quota is refused with (in the SFTP status message, at its WRITE and its CLOSE). */
export const UPLOAD_TOO_LARGE = 'UPLOAD_TOO_LARGE';
const MAX_READ = 32 * 1024;
const DIR_BATCH = 100;

/**
 * One vendor's SFTP session, jailed in its virtual tree: `/` holds `inbox/` (upload, list, read back, rename and
 * remove its own files not yet taken by the pipeline) and `outbox/` (list and read receipts). A file opened for
 * writing goes to a hidden temporary file in `<inbox>/.uploading/`; CLOSE renames it into the inbox and reports the
 * upload. When the session ends without CLOSE, the temporary file is deleted and nothing is reported.
 *
 * Refused: MKDIR, RMDIR, SYMLINK, READLINK (no symlink is ever made or shown; files are opened with O_NOFOLLOW and
 * only regular files are listed or opened), writing anywhere but the inbox, removing or renaming outside it,
 * paths above `/` and names that are not plain file names. SETSTAT/FSETSTAT in the inbox are accepted and ignored.
 * A completed upload stays listed in the inbox until it is imported (UploadsBeingImported); it can be read and
 * its attributes read or "set", but not removed or renamed once the importer has taken it.
 */
export class SftpSession {
  private readonly handles = new Map<string, OpenHandle>();
  private nextHandle = 0;
  private ended = false;
  private disposing: Promise<void> | undefined;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly options: SftpSessionOptions,
  ) {
    this.serve('OPEN', (id: number, path: string, flags: number) => this.open(id, path, flags));
    this.serve('READ', (id: number, handle: Buffer, offset: number, length: number) =>
      this.read(id, handle, offset, length),
    );
    this.serve('WRITE', (id: number, handle: Buffer, offset: number, data: Buffer) =>
      this.write(id, handle, offset, data),
    );
    this.serve('CLOSE', (id: number, handle: Buffer) => this.close(id, handle));
    this.serve('FSTAT', (id: number, handle: Buffer) => this.fstat(id, handle));
    this.serve('FSETSTAT', (id: number, handle: Buffer) => this.fsetstat(id, handle));
    this.serve('STAT', (id: number, path: string) => this.stat(id, path));
    this.serve('LSTAT', (id: number, path: string) => this.stat(id, path));
    this.serve('SETSTAT', (id: number, path: string) => this.setstat(id, path));
    this.serve('OPENDIR', (id: number, path: string) => this.opendir(id, path));
    this.serve('READDIR', (id: number, handle: Buffer) => this.readdir(id, handle));
    this.serve('REALPATH', (id: number, path: string) => this.realpath(id, path));
    this.serve('REMOVE', (id: number, path: string) => this.remove(id, path));
    this.serve('RENAME', (id: number, from: string, to: string) => this.rename(id, from, to));
    for (const op of ['MKDIR', 'RMDIR', 'SYMLINK', 'READLINK']) {
      this.serve(op, () => refuse(STATUS.PERMISSION_DENIED, `${op} is not allowed`));
    }
    // The client closed its side (OpenSSH `bye`, ssh2-sftp-client `end()`): close the channel so it can exit.
    sftp.on('end', () => {
      this.ended = true;
      sftp.end();
    });
    sftp.on('close', () => void this.dispose());
  }

  /** Closes every open handle; unfinished uploads are deleted and never reported. Safe to call more than once. */
  dispose(): Promise<void> {
    this.ended = true;
    this.disposing ??= this.closeAll();
    return this.disposing;
  }

  private async closeAll(): Promise<void> {
    const open = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(
      open.map(async (handle) => {
        if (handle.kind === 'dir') return;
        await handle.file.close().catch(() => undefined);
        if (handle.kind === 'write') {
          await unlink(handle.temp).catch(() => undefined);
          this.options.log({ event: 'sftp.upload-abandoned', vendor: this.options.vendor, file: handle.name });
        }
      }),
    );
  }

  private serve(op: string, handler: (id: number, ...args: never[]) => Promise<void> | void): void {
    this.sftp.on(op, (id: number, ...args: never[]) => {
      const answer = async (): Promise<void> => {
        try {
          await handler(id, ...args);
        } catch (error) {
          const { code, reason, told } = statusOf(error);
          if (code === STATUS.PERMISSION_DENIED || code === STATUS.FAILURE) {
            this.options.log({ event: 'sftp.refused', vendor: this.options.vendor, op, status: code, reason });
          }
          this.reply(() => this.sftp.status(id, code, told));
        }
      };
      void answer();
    });
  }

  /** Answers unless the channel is gone (a reply to a closed channel is dropped). */
  private reply(send: () => void): void {
    if (this.disposing !== undefined) return;
    try {
      send();
    } catch {
      // the channel closed while the request was being served
    }
  }

  private ok(id: number): void {
    this.reply(() => this.sftp.status(id, STATUS.OK));
  }

  private resolve(path: string): Resolved {
    const resolved = resolveJailPath(path);
    if (resolved.kind === 'refused') refuse(STATUS[resolved.code], 'outside the jail');
    return resolved;
  }

  private resolveFile(path: string): { folder: JailFolder; name: string; local: string } {
    const resolved = this.resolve(path);
    if (resolved.kind !== 'file') refuse(STATUS.PERMISSION_DENIED, 'not a file');
    return {
      folder: resolved.folder,
      name: resolved.name,
      local: join(folderOf(this.options.folders, resolved.folder), resolved.name),
    };
  }

  /**
   * The local path a client's file stands for: the file in the vendor's folder, or, for an inbox name the importer
   * has taken and not yet imported, where that upload lies now. `beingImported` tells which it is.
   */
  private async located(target: {
    folder: JailFolder;
    name: string;
    local: string;
  }): Promise<{ path: string; beingImported: boolean }> {
    if (target.folder !== 'inbox' || (await exists(target.local))) return { path: target.local, beingImported: false };
    const taken = this.options.beingImported?.pathOf(this.options.vendor, target.name);
    return taken === undefined ? { path: target.local, beingImported: false } : { path: taken, beingImported: true };
  }

  private async refuseIfBeingImported(target: { folder: JailFolder; name: string; local: string }): Promise<void> {
    if ((await this.located(target)).beingImported) refuse(STATUS.PERMISSION_DENIED, 'being imported');
  }

  private addHandle(handle: OpenHandle): Buffer {
    const key = Buffer.alloc(4);
    key.writeUInt32BE(this.nextHandle++ % 0x1_0000_0000);
    this.handles.set(key.toString('hex'), handle);
    return key;
  }

  private handle(key: Buffer): OpenHandle {
    const handle = this.handles.get(key.toString('hex'));
    if (handle === undefined) refuse(STATUS.FAILURE, 'unknown handle');
    return handle;
  }

  private async open(id: number, path: string, flags: number): Promise<void> {
    const target = this.resolveFile(path);
    if (this.handles.size >= MAX_HANDLES) refuse(STATUS.FAILURE, 'too many open handles');
    const writing = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)) !== 0;
    if (!writing) {
      const file = await open((await this.located(target)).path, constants.O_RDONLY | constants.O_NOFOLLOW);
      if (!(await file.stat()).isFile() || this.ended) {
        await file.close();
        refuse(STATUS.NO_SUCH_FILE, 'not a regular file');
      }
      const key = this.addHandle({ kind: 'read', folder: target.folder, file });
      this.reply(() => this.sftp.handle(id, key));
      return;
    }
    if (target.folder !== 'inbox') refuse(STATUS.PERMISSION_DENIED, 'read-only folder');
    this.refuseUploadName(target.name);
    if ((flags & OPEN_MODE.READ) !== 0 || (flags & OPEN_MODE.APPEND) !== 0) {
      refuse(STATUS.OP_UNSUPPORTED, 'uploads are written whole, not read or appended');
    }
    if ((flags & OPEN_MODE.EXCL) !== 0 && (await exists(target.local))) refuse(STATUS.FAILURE, 'file exists');
    const temp = join(this.options.folders.uploading, `${randomBytes(12).toString('hex')}`);
    const file = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    if (this.ended) {
      await file.close();
      await unlink(temp).catch(() => undefined);
      refuse(STATUS.FAILURE, 'session ended');
    }
    const key = this.addHandle({ kind: 'write', name: target.name, temp, file, written: 0, tooLarge: false });
    this.options.log({ event: 'sftp.upload-started', vendor: this.options.vendor, file: target.name });
    this.reply(() => this.sftp.handle(id, key));
  }

  private refuseTooLarge(): never {
    refuse(
      STATUS.FAILURE,
      UPLOAD_TOO_LARGE,
      `${UPLOAD_TOO_LARGE}: an upload may be at most ${this.options.maxUploadBytes} bytes`,
    );
  }

  /** A name that would confuse a path, a log or the outbox (file-name.ts) is refused with its code. */
  private refuseUploadName(name: string): void {
    const refusal = uploadNameRefusal(name);
    if (refusal !== undefined)
      refuse(
        STATUS.PERMISSION_DENIED,
        refusal,
        `${refusal}: not a name an upload may have (docs/importer-format.md, File names)`,
      );
  }

  private async read(id: number, key: Buffer, offset: number, length: number): Promise<void> {
    const handle = this.handle(key);
    if (handle.kind !== 'read') refuse(STATUS.FAILURE, 'not open for reading');
    const buffer = Buffer.alloc(Math.max(0, Math.min(length, MAX_READ)));
    const { bytesRead } = await handle.file.read(buffer, 0, buffer.length, offset);
    if (bytesRead === 0) {
      this.reply(() => this.sftp.status(id, STATUS.EOF));
      return;
    }
    this.reply(() => this.sftp.data(id, buffer.subarray(0, bytesRead)));
  }

  private async write(id: number, key: Buffer, offset: number, data: Buffer): Promise<void> {
    const handle = this.handle(key);
    if (handle.kind !== 'write') refuse(STATUS.PERMISSION_DENIED, 'not open for writing');
    // Counted before the write, by bytes sent rather than the file's size: a sparse file (a seek far ahead) costs
    // what it writes, and rewriting a range counts again, so no upload puts more than the quota on the disk.
    if (handle.tooLarge || handle.written + data.length > this.options.maxUploadBytes) {
      // The upload can no longer complete: what it wrote is dropped now, and its CLOSE is refused too.
      if (!handle.tooLarge) await handle.file.truncate(0);
      handle.tooLarge = true;
      this.refuseTooLarge();
    }
    handle.written += data.length;
    await handle.file.write(data, 0, data.length, offset);
    this.ok(id);
  }

  private async close(id: number, key: Buffer): Promise<void> {
    const handle = this.handle(key);
    this.handles.delete(key.toString('hex'));
    if (handle.kind === 'dir') return this.ok(id);
    await handle.file.close();
    if (handle.kind === 'read') return this.ok(id);
    if (handle.tooLarge) {
      await unlink(handle.temp).catch(() => undefined);
      this.options.log({ event: 'sftp.upload-refused', vendor: this.options.vendor, code: UPLOAD_TOO_LARGE });
      this.refuseTooLarge();
    }
    const path = join(this.options.folders.inbox, handle.name);
    try {
      await rename(handle.temp, path);
    } catch (error) {
      await unlink(handle.temp).catch(() => undefined);
      throw error;
    }
    const completedAt = new Date().toISOString();
    this.ok(id);
    this.completed({ vendor: this.options.vendor, file: handle.name, path, completedAt });
  }

  private completed(upload: CompletedSftpUpload): void {
    this.options.log({
      event: 'sftp.upload-completed',
      vendor: upload.vendor,
      file: upload.file,
      completedAt: upload.completedAt,
    });
    try {
      this.options.onUpload(upload);
    } catch (error) {
      this.options.log({
        event: 'sftp.on-upload-failed',
        vendor: upload.vendor,
        file: upload.file,
        reason: (error as Error).name,
      });
    }
  }

  private async fstat(id: number, key: Buffer): Promise<void> {
    const handle = this.handle(key);
    if (handle.kind === 'dir') return this.reply(() => this.sftp.attrs(id, folderAttrs(handle.writable)));
    const stats = await handle.file.stat();
    const attrs = fileAttrs(stats, handle.kind === 'write' || handle.folder === 'inbox');
    this.reply(() => this.sftp.attrs(id, attrs));
  }

  private fsetstat(id: number, key: Buffer): void {
    const handle = this.handle(key);
    if (handle.kind === 'read' && handle.folder === 'outbox') refuse(STATUS.PERMISSION_DENIED, 'read-only folder');
    if (handle.kind === 'dir' && !handle.writable) refuse(STATUS.PERMISSION_DENIED, 'read-only folder');
    this.ok(id);
  }

  private async stat(id: number, path: string): Promise<void> {
    const attrs = await this.attrsOf(this.resolve(path));
    this.reply(() => this.sftp.attrs(id, attrs));
  }

  private async attrsOf(path: Resolved): Promise<Attributes> {
    if (path.kind === 'root') return folderAttrs(false);
    if (path.kind === 'folder') {
      return folderAttrs(path.folder === 'inbox', await lstat(folderOf(this.options.folders, path.folder)));
    }
    const local = join(folderOf(this.options.folders, path.folder), path.name);
    const stats = await lstat((await this.located({ folder: path.folder, name: path.name, local })).path);
    if (!stats.isFile()) refuse(STATUS.NO_SUCH_FILE, 'not a regular file');
    return fileAttrs(stats, path.folder === 'inbox');
  }

  private async setstat(id: number, path: string): Promise<void> {
    const resolved = this.resolve(path);
    if (resolved.kind === 'root' || resolved.folder !== 'inbox') refuse(STATUS.PERMISSION_DENIED, 'read-only folder');
    await this.attrsOf(resolved);
    this.ok(id);
  }

  private async opendir(id: number, path: string): Promise<void> {
    const resolved = this.resolve(path);
    if (resolved.kind === 'file') refuse(STATUS.NO_SUCH_FILE, 'not a folder');
    if (this.handles.size >= MAX_HANDLES) refuse(STATUS.FAILURE, 'too many open handles');
    const owner = this.options.vendor;
    let entries: FileEntry[];
    let writable = false;
    if (resolved.kind === 'root') {
      entries = (['inbox', 'outbox'] as const).map((folder) => {
        const attrs = folderAttrs(folder === 'inbox');
        return { filename: folder, longname: longName(folder, attrs, owner), attrs };
      });
    } else {
      writable = resolved.folder === 'inbox';
      const folder = folderOf(this.options.folders, resolved.folder);
      const onDisk = (await readdir(folder, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && isPlainFileName(entry.name))
        .map((entry) => entry.name);
      const taken = writable ? (this.options.beingImported?.files(this.options.vendor) ?? []) : [];
      const names = [...new Set([...onDisk, ...taken])].sort();
      entries = [];
      for (const name of names) {
        const local = (await this.located({ folder: resolved.folder, name, local: join(folder, name) })).path;
        const stats = await lstat(local).catch(() => undefined);
        if (stats === undefined || !stats.isFile()) continue;
        const attrs = fileAttrs(stats, writable);
        entries.push({ filename: name, longname: longName(name, attrs, owner), attrs });
      }
    }
    const key = this.addHandle({ kind: 'dir', writable, entries });
    this.reply(() => this.sftp.handle(id, key));
  }

  private readdir(id: number, key: Buffer): void {
    const handle = this.handle(key);
    if (handle.kind !== 'dir') refuse(STATUS.FAILURE, 'not a folder handle');
    const batch = handle.entries.splice(0, DIR_BATCH);
    if (batch.length === 0) return this.reply(() => this.sftp.status(id, STATUS.EOF));
    this.reply(() => this.sftp.name(id, batch));
  }

  private realpath(id: number, path: string): void {
    const text = jailPathText(this.resolve(path));
    this.reply(() => this.sftp.name(id, [{ filename: text, longname: text, attrs: {} as Attributes }]));
  }

  private async remove(id: number, path: string): Promise<void> {
    const target = this.resolveFile(path);
    if (target.folder !== 'inbox') refuse(STATUS.PERMISSION_DENIED, 'read-only folder');
    await this.refuseIfBeingImported(target);
    if (!(await lstat(target.local)).isFile()) refuse(STATUS.NO_SUCH_FILE, 'not a regular file');
    await unlink(target.local);
    this.options.log({ event: 'sftp.removed', vendor: this.options.vendor, file: target.name });
    this.ok(id);
  }

  /** Within the inbox only; never over an existing file (SFTP v3). Like S3, the file under its new name is a new upload. */
  private async rename(id: number, from: string, to: string): Promise<void> {
    const source = this.resolveFile(from);
    const target = this.resolveFile(to);
    if (source.folder !== 'inbox' || target.folder !== 'inbox')
      refuse(STATUS.PERMISSION_DENIED, 'rename outside the inbox');
    this.refuseUploadName(target.name);
    await this.refuseIfBeingImported(source);
    if (!(await lstat(source.local)).isFile()) refuse(STATUS.NO_SUCH_FILE, 'not a regular file');
    await link(source.local, target.local);
    await unlink(source.local);
    const completedAt = new Date().toISOString();
    this.ok(id);
    this.completed({ vendor: this.options.vendor, file: target.name, path: target.local, completedAt });
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
