import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { SCHEMAS } from '../shared/core/format/record-draft.js';
import { generateImport } from '../shared/core/generate/generate-import.js';

const XSD = readFileSync(new URL('../schemas/importer-v1.xsd', import.meta.url), 'utf8');

async function validate(fileName: string, contents: string) {
  return validateXML({ xml: [{ fileName, contents }], schema: [{ fileName: 'importer-v1.xsd', contents: XSD }] });
}

// The XSD is what vendors validate against; the reader is what judges. They must agree on the format.
describe('schemas/importer-v1.xsd', () => {
  it('accepts the valid sample and a generated file without bad records', async () => {
    expect((await validate('club-valid.xml', readFileSync(new URL('../samples/club-valid.xml', import.meta.url), 'utf8'))).errors).toEqual([]);
    const generated = [...generateImport({ clubs: 2, persons: 200, activities: 150, badShare: 0, seed: 'xsd' })].join('');
    expect((await validate('generated.xml', generated)).errors).toEqual([]);
  });

  it('refuses the sample with record errors', async () => {
    const result = await validate('club-errors.xml', readFileSync(new URL('../samples/club-errors.xml', import.meta.url), 'utf8'));
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.message).join('\n')).toMatch(/ShoeSize|Actvity/);
  });

  it('declares exactly the elements and attributes the reader accepts', () => {
    const declared = new Set([...XSD.matchAll(/<xs:element name="(\w+)"/g)].map((m) => m[1]));
    const read = new Set(['Import', 'Club', 'Persons', 'Activities', ...Object.keys(SCHEMAS), ...Object.values(SCHEMAS).flatMap((children) => [...children.keys()])]);
    expect([...declared].sort()).toEqual([...read].sort());
    const attributes = new Set([...XSD.matchAll(/<xs:attribute name="(\w+)"/g)].map((m) => m[1]));
    const readAttributes = ['vendor', 'created', 'mode', 'id', ...Object.values(SCHEMAS).flatMap((children) => [...children.values()].flatMap((c) => c.attributes))];
    expect([...attributes].sort()).toEqual([...new Set(readAttributes)].sort());
  });
});
