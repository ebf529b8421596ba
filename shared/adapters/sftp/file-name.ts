import { MAX_ENTRY_BYTES } from '../local-disk/object-store.js';

/**
 * The suffixes the receipt of an upload adds to its name in the vendor's outbox (`<file>.receipt.json`, `.txt`):
 * the longest decides how long an upload's name may be.
 */
const LONGEST_RECEIPT_SUFFIX = '.receipt.json';

/** The longest name of an upload, in bytes of UTF-8: its receipt's name must fit in a folder entry too. */
export const MAX_UPLOAD_NAME_BYTES = MAX_ENTRY_BYTES - Buffer.byteLength(LONGEST_RECEIPT_SUFFIX);

/**
 * A name a vendor may give a file in its inbox: one path segment, no folder, nothing hidden. Names starting with
 * `.` are reserved (the endpoint keeps unfinished uploads in `.uploading/`), and control characters, `/`, `\` and
 * names longer than 255 bytes are refused, so a name is also a safe file name on the local disk and an S3 key part.
 * What may be read or listed; what may be uploaded is narrower (uploadNameRefusal).
 */
export function isPlainFileName(name: string): boolean {
  if (name.length === 0 || Buffer.byteLength(name, 'utf8') > MAX_ENTRY_BYTES) return false;
  if (name.startsWith('.')) return false;
  // eslint-disable-next-line no-control-regex
  return !/[/\\\u0000-\u001f\u007f]/.test(name);
}

/** Why a name cannot be an upload's: each code is answered in the SFTP status message. */
export type UploadNameRefusal = 'NAME_TOO_LONG' | 'NAME_CHARACTERS' | 'NAME_START' | 'NAME_END';

/**
 * Characters no upload's name may hold, beyond what isPlainFileName refuses: C1 controls (U+0080–U+009F), the
 * line and paragraph separators (U+2028, U+2029) and the bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069), which make a name print as another in a log or a terminal; U+FFFD, what a name
 * that is not UTF-8 arrives as; and the characters a shell or a Windows file system treats specially
 * (`* ? " < > | :`), which a vendor's script would have to quote to fetch the receipt.
 */
const REFUSED_CHARACTERS = /[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufffd*?"<>|:]/u;

/**
 * Why `name` may not be uploaded (undefined when it may): a plain file name (isPlainFileName) of at most
 * MAX_UPLOAD_NAME_BYTES bytes, so that `<name>.receipt.json` fits in the outbox; none of REFUSED_CHARACTERS; not
 * starting with `-` (an option to the vendor's own tools), `~` or a space, not ending with a space or a `.`
 * (Windows drops them: the receipt would name another file).
 */
export function uploadNameRefusal(name: string): UploadNameRefusal | undefined {
  if (Buffer.byteLength(name, 'utf8') > MAX_UPLOAD_NAME_BYTES) return 'NAME_TOO_LONG';
  if (!isPlainFileName(name) && !name.startsWith('.')) return 'NAME_CHARACTERS';
  if (REFUSED_CHARACTERS.test(name)) return 'NAME_CHARACTERS';
  if (/^[.\-~ ]/.test(name)) return 'NAME_START';
  if (/[ .]$/.test(name)) return 'NAME_END';
  return undefined;
}
