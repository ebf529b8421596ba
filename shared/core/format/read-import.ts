import { SaxesParser } from 'saxes';
import { parseDate, parseTime } from '../calendar/dates.js';
import { fileError, FileRejection, recordError, type FileError, type RecordError } from '../errors/record-error.js';
import { decodeXml, InvalidBytes } from '../xml/decode.js';
import { detach } from '../xml/detach.js';
import { StringPool } from '../xml/string-pool.js';
import type { ImportEvent } from './import-event.js';
import { LIMITS } from './limits.js';
import { parseActivity } from './parse-activity.js';
import { parsePerson } from './parse-person.js';
import { PeriodCounts } from './period-counts.js';
import { attributeText, DraftBuilder, unknownAttributes, type RecordDraft } from './record-draft.js';
import { IMPORT_NAMESPACE, type ImportMode } from './records.js';

export interface ReadOptions {
  /** `YYYY-MM-DD`: decides the century of 10-digit personnummer and what lies in the future. */
  readonly evaluationDate: string;
  /** A file over this many bytes is rejected with FILE_TOO_LARGE. */
  readonly maxBytes?: number;
}

/** Files larger than this are refused unless the caller sets its own limit. */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

const CREATED = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:[0-5]\d(\.\d+)?)?(Z|[+-](\d{2}:\d{2}))$/;

/** ISO 8601 with an offset, and a real date, time and offset (`2026-13-45T99:99Z` is refused). */
function isCreatedTime(text: string): boolean {
  const m = CREATED.exec(text);
  return (
    m !== null &&
    parseDate(m[1]!) !== undefined &&
    parseTime(m[2]!) !== undefined &&
    (m[6] === undefined || parseTime(m[6]) !== undefined)
  );
}

const SECTIONS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Persons', ['Person', 'DeletePerson']],
  ['Activities', ['Activity', 'DeleteActivity']],
]);

/**
 * Namespaces are resolved here rather than by saxes' xmlns mode, which costs a third of the reading time:
 * the root binds the import namespace as default or to its prefix, and every element must use that binding.
 * An element of any other namespace keeps a `prefix:` or `{}` name and so is reported as unknown.
 */
function localName(tagName: string, prefix: string): string {
  const colon = tagName.indexOf(':');
  if (colon < 0) return prefix === '' ? tagName : `{}${tagName}`;
  return tagName.slice(0, colon) === prefix ? tagName.slice(colon + 1) : tagName;
}

/**
 * The namespace an element binds its own prefix (or the default namespace) to, when it binds it to another than
 * the import namespace: `<Person xmlns="urn:other">` is no Person of ours. Elements inside an unknown one are skipped
 * with it, so only the element's own declaration matters.
 */
function foreignBinding(tagName: string, attributes: Readonly<Record<string, string>>): string | undefined {
  const colon = tagName.indexOf(':');
  const uri = attributes[colon < 0 ? 'xmlns' : `xmlns:${tagName.slice(0, colon)}`];
  return uri !== undefined && uri !== IMPORT_NAMESPACE ? uri : undefined;
}

function rootPrefix(tagName: string, attributes: Record<string, string>, line: number): string {
  const colon = tagName.indexOf(':');
  const prefix = colon < 0 ? '' : tagName.slice(0, colon);
  if (tagName.slice(colon + 1) !== 'Import') throw new FileRejection(fileError('XML_WRONG_ROOT', line, tagName));
  const uri = attributes[prefix === '' ? 'xmlns' : `xmlns:${prefix}`];
  if (uri !== IMPORT_NAMESPACE) throw new FileRejection(fileError('XML_WRONG_NAMESPACE', line, uri ?? '(none)'));
  return prefix;
}

/**
 * How many characters saxes holds of the token it is reading: its text, name, processing-instruction and entity
 * buffers (private fields of saxes 6, which grow unbounded for a huge text, comment, CDATA section, attribute value
 * or name). test/hostile-corpus.test.ts covers each of them: a saxes that renamed them fails there.
 */
function heldChars(parser: SaxesParser): number {
  const held = parser as unknown as {
    readonly text?: string;
    readonly name?: string;
    readonly piTarget?: string;
    readonly entity?: string;
  };
  return (
    (held.text?.length ?? 0) + (held.name?.length ?? 0) + (held.piTarget?.length ?? 0) + (held.entity?.length ?? 0)
  );
}

/** Text in pieces of at most `size` characters (saxes carries half a surrogate pair over to the next write). */
function* pieces(text: string, size: number): Generator<string> {
  for (let start = 0; start < text.length; start += size) yield text.slice(start, start + size);
}

/** The record errors an event carries. */
function errorsIn(event: ImportEvent): number {
  return event.kind === 'refused' ? event.errors.length : event.kind === 'error' ? 1 : 0;
}

/**
 * Reads Importer XML v1 as a stream of records, handed out in batches: memory stays flat whatever the file size.
 * saxes tokenizes; each record element (Person, Activity, Delete*) is gathered into a draft and parsed when it closes. A file-level
 * fault ends the stream with one `rejected` event; the consumer must then discard every record it received:
 * a file is applied only once it is well-formed to its last byte.
 */
export async function* readImport(
  source: AsyncIterable<Uint8Array>,
  options: ReadOptions,
): AsyncGenerator<readonly ImportEvent[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const parser = new SaxesParser({ xmlns: false, position: true });
  // Events are handed out in batches, one per decoded chunk: an async generator's await per event would cost
  // a tenth of the reading time.
  let pending: ImportEvent[] = [];
  const reject = (error: FileError): never => {
    throw new FileRejection(error);
  };
  let prefix = '';
  /** Structural elements open: Import, Club, Persons|Activities. */
  const path: string[] = [];
  let club: string | undefined;
  let record: DraftBuilder | undefined;
  // One pool per club: refs point within a club, and a small pool is a fast one.
  let pool = new StringPool();
  // Calendars are per club too.
  let periods = new PeriodCounts();
  /** Depth of an unknown or invalid subtree being skipped, 0 when none. */
  let skip = 0;
  let sawRoot = false;
  const clubsSeen = new Set<string>();
  /**
   * An unknown element outside a record (in Import, Club, Persons, Activities) rejects the file: everything inside
   * it would otherwise be dropped (importer-format.md). Inside a record it refuses that record (DraftBuilder).
   */
  const unknownEnvelope = (line: number, name: string): never => reject(fileError('UNKNOWN_ELEMENT', line, name));
  const overLimit = (line: number, detail: string): never => reject(fileError('XML_LIMIT_EXCEEDED', line, detail));
  /** Record errors handed out so far: past LIMITS.errorsPerFile the file is rejected (its receipt would be unreadable). */
  let errorsRead = 0;
  const emit = (event: ImportEvent, line: number): void => {
    pending.push(event);
    errorsRead += errorsIn(event);
    if (errorsRead > LIMITS.errorsPerFile) reject(fileError('TOO_MANY_ERRORS', line, `> ${LIMITS.errorsPerFile}`));
  };
  const outside = (code: RecordError['code'], line: number, detail: string): void => {
    emit({ kind: 'error', error: recordError(code, line, club === undefined ? {} : { club }, detail) }, line);
  };
  /** Elements open, whatever they are: past LIMITS.depth the file is rejected (saxes keeps a stack of them). */
  let depth = 0;

  parser.on('doctype', () => reject(fileError('XML_DOCTYPE_FORBIDDEN', parser.line)));
  parser.on('error', (error) =>
    reject(fileError('XML_NOT_WELL_FORMED', parser.line, error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, ''))),
  );
  // Counted as saxes reports them, so that checking for unknown attributes rarely has to walk them.
  let attributeCount = 0;
  /** Whether the element being read declares a namespace (rare: then its binding is looked at). */
  let declares = false;
  parser.on('attribute', ({ name }) => {
    if (++attributeCount > LIMITS.attributesPerElement)
      overLimit(parser.line, `attributes > ${LIMITS.attributesPerElement}`);
    if (name.length > LIMITS.nameChars) overLimit(parser.line, `name > ${LIMITS.nameChars}`);
    if (name.charCodeAt(0) === 120 && name.startsWith('xmlns')) declares = true;
  });
  const onText = (text: string): void => {
    record?.text(text, parser.line);
  };
  // Text is asked for only inside a record's single fields (see DraftBuilder.wantsText).
  let textOn = false;
  const syncText = (): void => {
    const wanted = record?.wantsText === true;
    if (wanted === textOn) return;
    textOn = wanted;
    if (wanted) parser.on('text', onText);
    else parser.off('text');
  };
  parser.on('cdata', onText);
  parser.on('opentag', (tag) => {
    const line = parser.line;
    const count = attributeCount;
    attributeCount = 0;
    const declared = declares;
    declares = false;
    if (++depth > LIMITS.depth) overLimit(line, `depth > ${LIMITS.depth}`);
    if (tag.name.length > LIMITS.nameChars) overLimit(line, `name > ${LIMITS.nameChars}`);
    if (skip > 0) {
      skip++;
      return;
    }
    const attributes = tag.attributes as Record<string, string>;
    if (path.length === 0) prefix = rootPrefix(tag.name, attributes, line);
    const foreign = declared && path.length > 0 ? foreignBinding(tag.name, attributes) : undefined;
    // The namespace is named in errors, cut to an id's length (an attribute value can be 64 Ki characters).
    const name =
      foreign === undefined ? localName(tag.name, prefix) : `{${foreign.slice(0, LIMITS.idChars)}}${tag.name}`;
    if (record) {
      record.open(name, attributes, count, line);
      syncText();
      return;
    }
    switch (path.length) {
      case 0: {
        sawRoot = true;
        const { vendor, created, mode = 'delta' } = attributes;
        if (!vendor?.trim() || vendor.trim().length > LIMITS.idChars)
          reject(fileError('INVALID_HEADER', line, 'vendor'));
        if (!created || !isCreatedTime(created.trim())) reject(fileError('INVALID_HEADER', line, 'created'));
        if (mode !== 'delta' && mode !== 'full') reject(fileError('INVALID_HEADER', line, 'mode'));
        const unknown = unknownAttributes(attributes, ['vendor', 'created', 'mode'], count);
        if (unknown) reject(fileError('INVALID_HEADER', line, unknown.join(', ')));
        pending.push({
          kind: 'header',
          header: {
            vendor: detach((vendor ?? '').trim()),
            created: detach((created ?? '').trim()),
            mode: mode as ImportMode,
          },
          line,
        });
        path.push('Import');
        return;
      }
      case 1: {
        const id = attributeText(attributes, 'id');
        if (name !== 'Club') unknownEnvelope(line, name);
        else if (!id) {
          outside('MISSING_ID', line, 'Club@id');
          skip = 1;
        } else if (id.length > LIMITS.idChars) {
          outside('VALUE_TOO_LONG', line, 'Club@id');
          skip = 1;
        } else if (clubsSeen.has(id)) {
          // A club once per file (the XSD says so too): merging two blocks could hide a vendor's mistake.
          outside('DUPLICATE_CLUB', line, id);
          skip = 1;
        } else {
          clubsSeen.add(id);
          club = id;
          pool = new StringPool();
          periods = new PeriodCounts();
          path.push('Club');
          pending.push({ kind: 'club', club: id, line });
          for (const attribute of unknownAttributes(attributes, ['id'], count) ?? [])
            outside('UNKNOWN_ATTRIBUTE', line, `Club@${attribute}`);
        }
        return;
      }
      case 2: {
        if (!SECTIONS.has(name)) unknownEnvelope(line, name);
        for (const attribute of unknownAttributes(attributes, [], count) ?? [])
          outside('UNKNOWN_ATTRIBUTE', line, `${name}@${attribute}`);
        path.push(name);
        return;
      }
      default: {
        const section = path[2] ?? '';
        if (!SECTIONS.get(section)?.includes(name)) unknownEnvelope(line, `${section}/${name}`);
        record = new DraftBuilder(name, club ?? '', attributes, count, line, pool);
      }
    }
  });
  parser.on('closetag', () => {
    depth--;
    if (skip > 0) skip--;
    else if (record) {
      if (record.close()) {
        const event = recordEvent(record.draft, options.evaluationDate);
        emit(event.kind === 'activity' ? periods.admit(event) : event, parser.line);
        record = undefined;
      }
      syncText();
    } else if (path.pop() === 'Club') club = undefined;
  });

  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > maxBytes) reject(fileError('FILE_TOO_LARGE', parser.line, `> ${maxBytes} bytes`));
      yield chunk;
    }
  }

  let fault: FileError | undefined;
  try {
    for await (const text of decodeXml(counted())) {
      for (const piece of pieces(text, LIMITS.tokenChars)) {
        parser.write(piece);
        if (heldChars(parser) > LIMITS.tokenChars) overLimit(parser.line, `token > ${LIMITS.tokenChars}`);
      }
      if (pending.length > 0) {
        const batch = pending;
        pending = [];
        yield batch;
      }
    }
    parser.close();
    if (!sawRoot) reject(fileError('XML_NOT_WELL_FORMED', parser.line, 'no root element'));
    if (pending.length > 0) yield pending;
  } catch (error) {
    if (error instanceof InvalidBytes) fault = { ...error.fileError, line: parser.line + error.lines };
    else if (error instanceof FileRejection) fault = { ...error.fileError, line: error.fileError.line || parser.line };
    else throw error;
  }
  if (fault) {
    // The header still names the vendor on the receipt; no record before a fault is ever handed out.
    yield [...pending.filter((event) => event.kind === 'header'), { kind: 'rejected', error: fault }];
  }
}

/** A refused record's errors, at most LIMITS.errorsPerRecord of them (the first found). */
function bounded(errors: readonly RecordError[]): readonly RecordError[] {
  return errors.length > LIMITS.errorsPerRecord ? errors.slice(0, LIMITS.errorsPerRecord) : errors;
}

function recordEvent(draft: RecordDraft, evaluationDate: string): ImportEvent {
  const { element, club, id, line } = draft;
  const entity = element === 'Person' || element === 'DeletePerson' ? 'person' : 'activity';
  if (id === undefined) {
    const errors = draft.idTooLong
      ? draft.errors
      : [recordError('MISSING_ID', line, { club }, `${element}@id`), ...draft.errors];
    return { kind: 'refused', entity, club, line, errors: bounded(errors) };
  }
  switch (element) {
    case 'Person': {
      const parsed = parsePerson(draft, id, evaluationDate);
      return parsed.ok
        ? { kind: 'person', record: parsed.record }
        : { kind: 'refused', entity, club, id, line, errors: bounded(parsed.errors) };
    }
    case 'Activity': {
      const parsed = parseActivity(draft, id);
      return parsed.ok
        ? { kind: 'activity', record: parsed.record }
        : { kind: 'refused', entity, club, id, line, errors: bounded(parsed.errors) };
    }
    default: {
      if (draft.errors.length > 0) return { kind: 'refused', entity, club, id, line, errors: draft.errors };
      const record = { club, id, line };
      return element === 'DeletePerson' ? { kind: 'delete-person', record } : { kind: 'delete-activity', record };
    }
  }
}
