import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { fileError, recordError, type FileError, type RecordError } from '../errors/record-error.js';
import { decodeXml, DecodeFailure, type Encoding } from '../xml/decode.js';
import type { RawElement } from '../xml/raw-element.js';
import type { ImportEvent } from './import-event.js';
import { parseActivity } from './parse-activity.js';
import { parsePerson } from './parse-person.js';
import { checkAttributes, checkTextOnly } from './record-fields.js';
import { IMPORT_NAMESPACE, type ImportMode } from './records.js';

export interface ReadOptions {
  /** `YYYY-MM-DD`: decides the century of 10-digit personnummer and what lies in the future. */
  readonly evaluationDate: string;
  /** A file over this many bytes is rejected with FILE_TOO_LARGE. */
  readonly maxBytes?: number;
  readonly onEncoding?: (encoding: Encoding) => void;
}

/** Files larger than this are refused unless the caller sets its own limit. */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const RECORDS: Readonly<Record<string, readonly string[]>> = {
  Persons: ['Person', 'DeletePerson'],
  Activities: ['Activity', 'DeleteActivity'],
};

class Rejection extends Error {
  constructor(readonly fileError: FileError) {
    super(fileError.message);
  }
}

function attributesOf(tag: SaxesTagNS): Record<string, string> {
  const out: Record<string, string> = {};
  for (const attribute of Object.values(tag.attributes) as SaxesAttributeNS[]) {
    if (attribute.prefix === 'xmlns' || attribute.name === 'xmlns') continue;
    out[attribute.uri ? `{${attribute.uri}}${attribute.local}` : attribute.local] = attribute.value;
  }
  return out;
}

function nameOf(tag: SaxesTagNS): string {
  return tag.uri === IMPORT_NAMESPACE ? tag.local : `{${tag.uri}}${tag.local}`;
}

/**
 * Reads Importer XML v1 as a stream of records: memory stays flat whatever the file size. saxes tokenizes;
 * each record element (Person, Activity, Delete*) is gathered as a small tree and parsed when it closes.
 * A file-level fault ends the stream with one `rejected` event; the consumer must then discard every record
 * it received, since a file is applied whole-or-per-record only once it is well-formed to its last byte.
 */
export async function* readImport(source: AsyncIterable<Uint8Array>, options: ReadOptions): AsyncGenerator<ImportEvent> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const parser = new SaxesParser({ xmlns: true, position: true });
  const pending: ImportEvent[] = [];
  let fault: FileError | undefined;
  const reject = (error: FileError): never => {
    throw new Rejection(error);
  };

  /** Path of structural elements: Import, Club, Persons|Activities. */
  const path: string[] = [];
  let club: string | undefined;
  /** Elements open inside the record being gathered (the record itself first). */
  const record: RawElement[] = [];
  /** Depth of an unknown or invalid subtree being skipped, 0 when none. */
  let skip = 0;
  let sawRoot = false;

  parser.on('doctype', () => reject(fileError('XML_DOCTYPE_FORBIDDEN', parser.line)));
  parser.on('error', (error) => reject(fileError('XML_NOT_WELL_FORMED', parser.line, error.message.replace(/^[^:]*:\d+:\d+: /, ''))));
  parser.on('text', (text) => {
    const open = record[record.length - 1];
    if (open) open.text += text;
    else if (skip === 0 && path.length > 0 && text.trim() !== '') {
      pending.push({ kind: 'error', error: recordError('INVALID_VALUE', parser.line, club === undefined ? {} : { club }, 'text outside a record') });
    }
  });
  parser.on('cdata', (text) => {
    const open = record[record.length - 1];
    if (open) open.text += text;
  });
  parser.on('opentag', (tag) => {
    const line = parser.line;
    if (skip > 0) {
      skip++;
      return;
    }
    const name = nameOf(tag);
    const attributes = attributesOf(tag);
    const open = record[record.length - 1];
    if (open) {
      const element: RawElement = { name, attributes, text: '', children: [], line };
      open.children.push(element);
      record.push(element);
      return;
    }
    const where = club === undefined ? {} : { club };
    switch (path.length) {
      case 0: {
        sawRoot = true;
        if (tag.local !== 'Import') reject(fileError('XML_WRONG_ROOT', line, tag.name));
        if (tag.uri !== IMPORT_NAMESPACE) reject(fileError('XML_WRONG_NAMESPACE', line, tag.uri || '(none)'));
        const { vendor, created, mode = 'delta', ...rest } = attributes;
        const unknown = Object.keys(rest);
        if (!vendor?.trim()) reject(fileError('INVALID_HEADER', line, 'vendor'));
        if (!created || !CREATED.test(created.trim())) reject(fileError('INVALID_HEADER', line, 'created'));
        if (mode !== 'delta' && mode !== 'full') reject(fileError('INVALID_HEADER', line, 'mode'));
        if (unknown.length > 0) reject(fileError('INVALID_HEADER', line, unknown.join(', ')));
        pending.push({ kind: 'header', header: { vendor: (vendor ?? '').trim(), created: (created ?? '').trim(), mode: mode as ImportMode }, line });
        path.push('Import');
        return;
      }
      case 1: {
        const id = attributes.id?.trim();
        if (name !== 'Club') {
          pending.push({ kind: 'error', error: recordError('UNKNOWN_ELEMENT', line, {}, name) });
          skip = 1;
        } else if (!id) {
          pending.push({ kind: 'error', error: recordError('MISSING_ID', line, {}, 'Club@id') });
          skip = 1;
        } else {
          const extra = Object.keys(attributes).filter((a) => a !== 'id');
          if (extra.length > 0) pending.push({ kind: 'error', error: recordError('UNKNOWN_ATTRIBUTE', line, { club: id }, extra.map((a) => `Club@${a}`).join(', ')) });
          club = id;
          path.push('Club');
          pending.push({ kind: 'club', club: id, line });
        }
        return;
      }
      case 2: {
        if (name in RECORDS && Object.keys(attributes).length === 0) path.push(name);
        else {
          pending.push({ kind: 'error', error: recordError(name in RECORDS ? 'UNKNOWN_ATTRIBUTE' : 'UNKNOWN_ELEMENT', line, where, name) });
          skip = 1;
        }
        return;
      }
      default: {
        const section = path[2] ?? '';
        if (RECORDS[section]?.includes(name)) {
          record.push({ name, attributes, text: '', children: [], line });
        } else {
          pending.push({ kind: 'error', error: recordError('UNKNOWN_ELEMENT', line, where, `${section}/${name}`) });
          skip = 1;
        }
      }
    }
  });
  parser.on('closetag', () => {
    if (skip > 0) {
      skip--;
      return;
    }
    const element = record.pop();
    if (element) {
      if (record.length === 0) pending.push(recordEvent(element, club ?? '', options.evaluationDate));
      return;
    }
    const closed = path.pop();
    if (closed === 'Club') club = undefined;
  });

  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > maxBytes) reject(fileError('FILE_TOO_LARGE', parser.line, `> ${maxBytes} bytes`));
      yield chunk;
    }
  }

  try {
    for await (const text of decodeXml(counted(), options.onEncoding)) {
      parser.write(text);
      yield* pending;
      pending.length = 0;
    }
    parser.close();
    if (!sawRoot) reject(fileError('XML_NOT_WELL_FORMED', parser.line, 'no root element'));
    yield* pending;
  } catch (error) {
    if (error instanceof Rejection) fault = error.fileError;
    else if (error instanceof DecodeFailure) fault = { ...error.fileError, line: error.fileError.line || parser.line };
    else throw error;
  }
  if (fault) yield { kind: 'rejected', error: fault };
}

function recordEvent(element: RawElement, club: string, evaluationDate: string): ImportEvent {
  const entity = element.name === 'Person' || element.name === 'DeletePerson' ? 'person' : 'activity';
  const id = element.attributes.id?.trim();
  if (!id) return { kind: 'refused', entity, club, errors: [recordError('MISSING_ID', element.line, { club }, `${element.name}@id`)] };
  const where = { club, record: id };
  switch (element.name) {
    case 'DeletePerson':
    case 'DeleteActivity': {
      const errors: RecordError[] = [];
      checkAttributes(element, ['id'], where, errors);
      checkTextOnly(element, where, errors);
      if (errors.length > 0) return { kind: 'refused', entity, club, id, errors };
      const record = { club, id, line: element.line };
      return element.name === 'DeletePerson' ? { kind: 'delete-person', record } : { kind: 'delete-activity', record };
    }
    case 'Person': {
      const parsed = parsePerson(element, club, id, evaluationDate);
      return parsed.ok ? { kind: 'person', record: parsed.record } : { kind: 'refused', entity, club, id, errors: parsed.errors };
    }
    default: {
      const parsed = parseActivity(element, club, id);
      return parsed.ok ? { kind: 'activity', record: parsed.record } : { kind: 'refused', entity, club, id, errors: parsed.errors };
    }
  }
}
