import { recordError, type RecordError } from '../errors/record-error.js';
import { detach } from '../xml/detach.js';
import type { StringPool } from '../xml/string-pool.js';
import { ID_ATTRIBUTES, LIMITS, MAX_OCCURS } from './limits.js';

/**
 * A record element (Person, Activity, …) gathered field by field as the tokenizer streams past, without a DOM:
 * the schema says which children a record may have, and every unknown element or attribute, every field given
 * twice and text in a marker is reported as it is seen. The record parsers then read the finished draft.
 */

export interface ChildSchema {
  readonly multiple: boolean;
  /** Attributes the child may carry. */
  readonly attributes: readonly string[];
  /** Whether the child holds text (otherwise it must be empty). */
  readonly text: boolean;
  /** Its attributes that hold an id or a ref (LIMITS.idChars). */
  readonly ids: readonly string[];
  /** How many times it may occur in one record (MAX_OCCURS). */
  readonly max: number;
}

export type RecordSchema = ReadonlyMap<string, ChildSchema>;

export interface DraftChild {
  text: string;
  readonly line: number;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface RecordDraft {
  readonly element: string;
  readonly club: string;
  readonly id: string | undefined;
  /** The id was given but is over LIMITS.idChars: the record is refused with VALUE_TOO_LONG, not MISSING_ID. */
  readonly idTooLong: boolean;
  readonly line: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly single: Map<string, DraftChild>;
  readonly multiple: Map<string, DraftChild[]>;
  readonly errors: RecordError[];
  /** Where values that a file repeats are kept once. */
  readonly pool: StringPool;
}

function schema(children: Record<string, Omit<ChildSchema, 'ids' | 'max'>>): RecordSchema {
  return new Map(
    Object.entries(children).map(([name, child]) => [
      name,
      {
        ...child,
        ids: child.attributes.filter((a) => ID_ATTRIBUTES.includes(a)),
        max: child.multiple ? (MAX_OCCURS[name] ?? Infinity) : 1,
      },
    ]),
  );
}

const TEXT = { multiple: false, attributes: [], text: true } as const;
const MARKER = { multiple: false, attributes: [], text: false } as const;

export const SCHEMAS: Readonly<Record<string, RecordSchema>> = {
  Person: schema({
    PersonalNumber: TEXT,
    BirthDate: TEXT,
    Nationality: TEXT,
    FirstName: TEXT,
    LastName: TEXT,
    Gender: TEXT,
    Email: TEXT,
    MemberNumber: TEXT,
    Membership: { multiple: true, attributes: ['from', 'to'], text: false },
  }),
  Activity: schema({
    Date: TEXT,
    Start: TEXT,
    End: TEXT,
    Sport: TEXT,
    Type: TEXT,
    Place: TEXT,
    Group: { multiple: false, attributes: ['id'], text: true },
    DropIn: MARKER,
    Remote: MARKER,
    TryOut: MARKER,
    Leader: { multiple: true, attributes: ['ref'], text: false },
    Participant: { multiple: true, attributes: ['ref', 'disability'], text: false },
    AnonymousParticipants: { multiple: true, attributes: ['birthYear', 'gender', 'count'], text: false },
  }),
  DeletePerson: schema({}),
  DeleteActivity: schema({}),
};

const NON_SPACE = /\S/;

/**
 * Attributes that are XML's own, not data: namespace declarations and XML Schema instance attributes
 * (`xsi:schemaLocation`, with which a vendor points validators at our XSD). Every other attribute is checked.
 */
function isXmlMachinery(name: string): boolean {
  return name.charCodeAt(0) === 120 && (name === 'xmlns' || name.startsWith('xmlns:') || name.startsWith('xsi:'));
}

/**
 * The attributes of an element outside `allowed`, or undefined when there are none (the usual case).
 * `count` is how many attributes the element has: when every one of them is an allowed name, the answer
 * needs no walk over the attribute object (a dictionary, slow to enumerate: this runs for every element).
 */
export function unknownAttributes(
  attributes: Readonly<Record<string, string>>,
  allowed: readonly string[],
  count: number,
): string[] | undefined {
  if (count === 0) return undefined;
  let known = 0;
  for (let i = 0; i < allowed.length; i++) if (attributes[allowed[i]!] !== undefined) known++;
  if (known === count) return undefined;
  let unknown: string[] | undefined;
  for (const name in attributes) {
    if (!allowed.includes(name) && !isXmlMachinery(name)) (unknown ??= []).push(name);
  }
  return unknown;
}

/** Builds one record draft from the tokenizer's events for the record element and everything inside it. */
export class DraftBuilder {
  readonly draft: RecordDraft;
  private readonly schema: RecordSchema;
  // The open child, kept in plain fields: this runs for every element of the file.
  private childName = '';
  private childValue: DraftChild | undefined;
  private childText = false;
  private childMultiple = false;
  /** Depth of elements nested inside a child (always an error), 0 when none. */
  private nested = 0;
  /** The multiple children that went past their limit (reported once each). */
  private readonly overLimit = new Set<string>();

  constructor(
    element: string,
    club: string,
    attributes: Record<string, string>,
    attributeCount: number,
    line: number,
    pool: StringPool,
  ) {
    this.schema = SCHEMAS[element] ?? new Map();
    const given = attributeText(attributes, 'id');
    const idTooLong = given !== undefined && given.length > LIMITS.idChars;
    const id = idTooLong ? undefined : given;
    this.draft = {
      element,
      club,
      id,
      idTooLong,
      line,
      attributes,
      single: new Map(),
      multiple: new Map(),
      errors: [],
      pool,
    };
    if (idTooLong) this.error('VALUE_TOO_LONG', line, `${element}@id`);
    for (const name of unknownAttributes(attributes, ['id'], attributeCount) ?? [])
      this.error('UNKNOWN_ATTRIBUTE', line, `${element}@${name}`);
  }

  /** Records an error of the record; past LIMITS.errorsPerRecord the record is refused anyway, and no more are kept. */
  private error(
    code:
      | 'UNKNOWN_ELEMENT'
      | 'UNKNOWN_ATTRIBUTE'
      | 'REPEATED_FIELD'
      | 'INVALID_VALUE'
      | 'VALUE_TOO_LONG'
      | 'TOO_MANY_ELEMENTS',
    line: number,
    detail: string,
  ): void {
    const { club, id, errors } = this.draft;
    if (errors.length < LIMITS.errorsPerRecord)
      errors.push(recordError(code, line, id === undefined ? { club } : { club, record: id }, detail));
  }

  /** The child's attributes, an id or ref over LIMITS.idChars cut to it (VALUE_TOO_LONG): a record never keeps a longer one. */
  private boundedIds(
    name: string,
    ids: readonly string[],
    attributes: Record<string, string>,
    line: number,
  ): Record<string, string> {
    let bounded = attributes;
    for (const attribute of ids) {
      const value = attributes[attribute];
      if (value === undefined || value.trim().length <= LIMITS.idChars) continue;
      this.error('VALUE_TOO_LONG', line, `${name}@${attribute}`);
      bounded = { ...bounded, [attribute]: value.trim().slice(0, LIMITS.idChars) };
    }
    return bounded;
  }

  open(name: string, attributes: Record<string, string>, attributeCount: number, line: number): void {
    if (this.nested > 0) {
      this.nested++;
      return;
    }
    if (this.childValue !== undefined) {
      this.error('UNKNOWN_ELEMENT', line, `${this.childName}/${name}`);
      this.childText = false;
      this.nested = 1;
      return;
    }
    const schema = this.schema.get(name);
    if (schema === undefined) {
      this.error('UNKNOWN_ELEMENT', line, name);
      this.nested = 1;
      return;
    }
    const unknown = unknownAttributes(attributes, schema.attributes, attributeCount);
    if (unknown) for (const attribute of unknown) this.error('UNKNOWN_ATTRIBUTE', line, `${name}@${attribute}`);
    const value: DraftChild = {
      text: '',
      line,
      attributes: schema.ids.length === 0 ? attributes : this.boundedIds(name, schema.ids, attributes, line),
    };
    if (schema.multiple) {
      const list = this.draft.multiple.get(name);
      const { max } = schema;
      // Past its limit a child is read but not kept: memory stays bounded whatever the file holds.
      if (list === undefined) this.draft.multiple.set(name, [value]);
      else if (list.length < max) list.push(value);
      else if (!this.overLimit.has(name)) {
        this.overLimit.add(name);
        this.error('TOO_MANY_ELEMENTS', line, `${name} > ${max}`);
      }
    } else if (this.draft.single.has(name)) this.error('REPEATED_FIELD', line, name);
    else this.draft.single.set(name, value);
    this.childName = name;
    this.childValue = value;
    this.childText = schema.text;
    this.childMultiple = schema.multiple;
  }

  /**
   * Whether the text inside the element now open is wanted: the text of a single field (markers included, so
   * that `<DropIn>yes</DropIn>` is reported). Text anywhere else is whitespace in a valid file, and the reader
   * asks the tokenizer for no text there at all: building those strings was a fifth of the reading time.
   */
  get wantsText(): boolean {
    return this.nested === 0 && this.childValue !== undefined && !this.childMultiple;
  }

  text(text: string, line: number): void {
    if (this.childText) {
      // Text past the limit as sent is not kept (close reports the field too long): a field never grows unbounded
      // from text and CDATA sections taking turns.
      const child = this.childValue!;
      if (child.text.length <= LIMITS.fieldCharsAsSent) child.text += text;
    } else if (this.wantsText && NON_SPACE.test(text)) this.error('INVALID_VALUE', line, `${this.childName}: text`);
  }

  /** Closes the innermost open element; true when that was the record element itself. */
  close(): boolean {
    if (this.nested > 0) {
      this.nested--;
      return false;
    }
    if (this.childValue !== undefined) {
      if (this.childText) this.boundText(this.childValue);
      this.childValue = undefined;
      this.childText = false;
      return false;
    }
    return true;
  }

  /** A field over LIMITS.fieldChars (trimmed) or LIMITS.fieldCharsAsSent (as sent) is VALUE_TOO_LONG and kept cut to the limit. */
  private boundText(child: DraftChild): void {
    if (child.text.length <= LIMITS.fieldChars) return;
    const trimmed = child.text.trim();
    if (trimmed.length <= LIMITS.fieldChars && child.text.length <= LIMITS.fieldCharsAsSent) return;
    this.error('VALUE_TOO_LONG', child.line, this.childName);
    child.text = trimmed.slice(0, LIMITS.fieldChars);
  }
}

/**
 * The trimmed text of a single field, or undefined when absent or empty. A value that files repeat (dates,
 * sports, places) is taken from the pool; one of its own (a name, an e-mail) is only detached.
 */
export function fieldText(draft: RecordDraft, name: string, repeated = false): string | undefined {
  const text = draft.single.get(name)?.text.trim();
  if (text === '' || text === undefined) return undefined;
  return repeated ? draft.pool.intern(text) : detach(text);
}

/** The trimmed value of an attribute, or undefined when absent or empty; from `pool` when one is given. */
export function attributeText(
  attributes: Readonly<Record<string, string>>,
  name: string,
  pool?: StringPool,
): string | undefined {
  const text = attributes[name]?.trim();
  if (text === '' || text === undefined) return undefined;
  return pool ? pool.intern(text) : detach(text);
}

export function fieldLine(draft: RecordDraft, name: string): number {
  return draft.single.get(name)?.line ?? draft.line;
}
