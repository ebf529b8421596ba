import { fileError, FileRejection } from '../errors/record-error.js';

/**
 * Turns the bytes of a file into text, as XML 1.0 reads an encoding: a UTF-8 BOM or the declaration's
 * `encoding` decides; only UTF-8 and ISO-8859-1 are accepted. Decoding is streamed, one chunk at a time.
 */

export type Encoding = 'utf-8' | 'iso-8859-1';

const DECLARED = /^<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
const UTF8_NAMES = new Set(['utf-8', 'utf8']);
const LATIN1_NAMES = new Set(['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'latin-1', 'l1']);
/** Enough bytes to hold any sensible XML declaration. */
const SNIFF_BYTES = 256;

/**
 * The first bytes of a file in an encoding we do not read, as XML 1.0 Appendix F tells them apart: byte order marks,
 * then the bytes of `<?` (or `<`) without one. Longer patterns first: a UTF-32LE BOM begins like a UTF-16LE one.
 */
const FOREIGN: readonly { readonly bytes: readonly number[]; readonly name: string }[] = [
  { bytes: [0x00, 0x00, 0xfe, 0xff], name: 'UTF-32BE' },
  { bytes: [0xff, 0xfe, 0x00, 0x00], name: 'UTF-32LE' },
  { bytes: [0xfe, 0xff], name: 'UTF-16BE' },
  { bytes: [0xff, 0xfe], name: 'UTF-16LE' },
  { bytes: [0x00, 0x00, 0x00, 0x3c], name: 'UTF-32BE' },
  { bytes: [0x3c, 0x00, 0x00, 0x00], name: 'UTF-32LE' },
  { bytes: [0x00, 0x3c, 0x00, 0x3f], name: 'UTF-16BE' },
  { bytes: [0x3c, 0x00, 0x3f, 0x00], name: 'UTF-16LE' },
  { bytes: [0x4c, 0x6f, 0xa7, 0x94], name: 'EBCDIC' },
];

function foreignEncoding(head: Uint8Array): string | undefined {
  return FOREIGN.find(({ bytes }) => head.length >= bytes.length && bytes.every((byte, i) => head[i] === byte))?.name;
}

function sniff(head: Uint8Array): { encoding: Encoding; skip: number } {
  const bom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const foreign = foreignEncoding(head);
  if (foreign) throw new FileRejection(fileError('XML_UNSUPPORTED_ENCODING', 1, foreign));
  const ascii = String.fromCharCode(...head.subarray(bom ? 3 : 0, Math.min(head.length, SNIFF_BYTES)));
  const declared = DECLARED.exec(ascii)?.[1]?.toLowerCase();
  if (declared === undefined || UTF8_NAMES.has(declared)) return { encoding: 'utf-8', skip: bom ? 3 : 0 };
  if (LATIN1_NAMES.has(declared) && !bom) return { encoding: 'iso-8859-1', skip: 0 };
  throw new FileRejection(fileError('XML_UNSUPPORTED_ENCODING', 1, bom ? `UTF-8 BOM + ${declared}` : declared));
}

/**
 * Bytes that are not valid UTF-8, `lines` line breaks into the chunk that holds them: the reader adds the line it
 * had reached, so the receipt names the line of the bad bytes rather than of the chunk's start.
 */
export class InvalidBytes extends FileRejection {
  constructor(readonly lines: number) {
    super(fileError('XML_INVALID_ENCODING', 0, 'UTF-8'));
  }
}

/** Line breaks before the first byte of `bytes` that cannot be UTF-8 (a search over prefixes; only on the error path). */
function linesBeforeInvalid(bytes: Uint8Array): number {
  const valid = (end: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (valid(mid)) low = mid;
    else high = mid - 1;
  }
  let lines = 0;
  for (let i = bytes.indexOf(10); i >= 0 && i < low; i = bytes.indexOf(10, i + 1)) lines++;
  return lines;
}

function latin1(bytes: Uint8Array): string {
  // ISO-8859-1 maps each byte to the code point of the same value (TextDecoder's 'latin1' is windows-1252).
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 8192)));
  }
  return out;
}

/** Yields text chunks; throws FileRejection for an encoding we do not accept or bytes invalid in it. */
export async function* decodeXml(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let head = new Uint8Array(0);
  let encoding: Encoding | undefined;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    if (encoding === 'iso-8859-1') return latin1(bytes);
    try {
      return utf8.decode(bytes, { stream });
    } catch {
      throw new InvalidBytes(linesBeforeInvalid(bytes));
    }
  };
  for await (const chunk of source) {
    if (encoding === undefined) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      if (head.length < SNIFF_BYTES) continue;
      const sniffed = sniff(head);
      encoding = sniffed.encoding;
      yield decode(head.subarray(sniffed.skip), true);
      continue;
    }
    yield decode(chunk, true);
  }
  if (encoding === undefined) {
    const sniffed = sniff(head);
    encoding = sniffed.encoding;
    yield decode(head.subarray(sniffed.skip), false);
  } else {
    yield decode(new Uint8Array(0), false);
  }
}
