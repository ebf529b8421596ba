import { recordError, type RecordError } from '../errors/record-error.js';
import type { RawElement } from '../xml/raw-element.js';

/**
 * Sorts the children of a record element into the fields its schema allows, and reports every unknown
 * element or attribute and every field given twice: vendors must learn about typos, so nothing is ignored.
 */
export interface RecordFields {
  readonly single: ReadonlyMap<string, RawElement>;
  readonly multiple: ReadonlyMap<string, readonly RawElement[]>;
}

export interface FieldSchema {
  readonly single: readonly string[];
  readonly multiple: readonly string[];
}

export function collectFields(raw: RawElement, schema: FieldSchema, where: { club: string; record?: string }, errors: RecordError[]): RecordFields {
  const single = new Map<string, RawElement>();
  const multiple = new Map<string, RawElement[]>();
  for (const child of raw.children) {
    if (schema.single.includes(child.name)) {
      if (single.has(child.name)) errors.push(recordError('REPEATED_FIELD', child.line, where, child.name));
      else single.set(child.name, child);
    } else if (schema.multiple.includes(child.name)) {
      const list = multiple.get(child.name);
      if (list) list.push(child);
      else multiple.set(child.name, [child]);
    } else {
      errors.push(recordError('UNKNOWN_ELEMENT', child.line, where, child.name));
    }
  }
  return { single, multiple };
}

/** Reports attributes outside `allowed` on an element. */
export function checkAttributes(element: RawElement, allowed: readonly string[], where: { club: string; record?: string }, errors: RecordError[]): void {
  for (const name of Object.keys(element.attributes)) {
    if (!allowed.includes(name)) errors.push(recordError('UNKNOWN_ATTRIBUTE', element.line, where, `${element.name}@${name}`));
  }
}

/** Reports child elements of an element that must hold only text. */
export function checkTextOnly(element: RawElement, where: { club: string; record?: string }, errors: RecordError[]): void {
  for (const child of element.children) errors.push(recordError('UNKNOWN_ELEMENT', child.line, where, `${element.name}/${child.name}`));
}

/** The trimmed text of a single field, or undefined when absent or empty. */
export function textOf(fields: RecordFields, name: string, where: { club: string; record?: string }, errors: RecordError[]): string | undefined {
  const element = fields.single.get(name);
  if (!element) return undefined;
  checkTextOnly(element, where, errors);
  checkAttributes(element, [], where, errors);
  const text = element.text.trim();
  return text === '' ? undefined : text;
}
