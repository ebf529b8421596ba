/**
 * A name a vendor may give a file in its inbox: one path segment, no folder, nothing hidden. Names starting with
 * `.` are reserved (the endpoint keeps unfinished uploads in `.uploading/`), and control characters, `/`, `\` and
 * names longer than 255 bytes are refused, so a name is also a safe file name on the local disk and an S3 key part.
 */
export function isPlainFileName(name: string): boolean {
  if (name.length === 0 || Buffer.byteLength(name, 'utf8') > 255) return false;
  if (name.startsWith('.')) return false;
  // eslint-disable-next-line no-control-regex
  return !/[/\\\u0000-\u001f\u007f]/.test(name);
}

/** A vendor id that can be an SSH user name and a folder name (the register's vendor id syntax). */
export function isVendorId(vendor: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(vendor);
}
