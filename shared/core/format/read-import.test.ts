import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importFile, readEvents, utf8 } from '../../../test/support/read-events.js';
import type { ImportEvent } from './import-event.js';
import { LIMITS } from './limits.js';

const PERSON = `<Persons>
<Person id="P-1">
  <PersonalNumber>201003151238</PersonalNumber>
  <FirstName>Åsa</FirstName><LastName>Öberg</LastName>
  <Membership from="2024-01-01"/>
</Person>
</Persons>`;

function kinds(events: ImportEvent[]): string[] {
  return events.map((e) => e.kind);
}

function rejection(events: ImportEvent[]) {
  const last = events[events.length - 1];
  return last?.kind === 'rejected' ? last.error : undefined;
}

describe('readImport', () => {
  it('reads the header, clubs and records in file order', async () => {
    const events = await readEvents(importFile(`${PERSON}<Activities><DeleteActivity id="A-1"/></Activities>`));
    expect(kinds(events)).toEqual(['header', 'club', 'person', 'delete-activity']);
    const [header, , person] = events;
    expect(header).toMatchObject({ kind: 'header', header: { vendor: 'demo-vendor', mode: 'delta' }, line: 2 });
    expect(person).toMatchObject({
      kind: 'person',
      record: {
        id: 'P-1',
        club: '100042',
        line: 5,
        firstName: 'Åsa',
        lastName: 'Öberg',
        identity: { kind: 'personnummer', personnummer: '201003151238', birthDate: '2010-03-15' },
      },
    });
  });

  it('yields the same events whatever the chunk boundaries (one byte at a time)', async () => {
    const file = readFileSync(new URL('../../../samples/club-errors.xml', import.meta.url));
    const whole = await readEvents(file);
    expect(await readEvents(file, 1)).toEqual(whole);
    expect(await readEvents(file, 7)).toEqual(whole);
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(importFile(PERSON))]);
    const events = await readEvents(bom, 2);
    expect(events[2]).toMatchObject({ kind: 'person', record: { firstName: 'Åsa', lastName: 'Öberg' } });
  });

  it('decodes declared ISO-8859-1 so that åäö come through right', async () => {
    const text = importFile(
      `<Persons><Person id="P-1"><PersonalNumber>201003151238</PersonalNumber><FirstName>Åsa Märta</FirstName><LastName>Öström</LastName></Person></Persons>`,
    ).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const latin1 = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(latin1.length).toBe(text.length);
    const events = await readEvents(latin1, 3);
    expect(events[2]).toMatchObject({ kind: 'person', record: { firstName: 'Åsa Märta', lastName: 'Öström' } });
  });

  it('rejects bytes that are not UTF-8 in a UTF-8 file', async () => {
    const text = utf8(importFile(PERSON));
    const broken = Uint8Array.from(text);
    broken[text.indexOf(0xc3)] = 0xff;
    expect(rejection(await readEvents(broken))?.code).toBe('XML_INVALID_ENCODING');
  });

  // It said line 1 (the start of the chunk that held the bad bytes) wherever they were.
  it.each([[undefined], [1], [7], [100]])(
    'names the line of the bytes that are not UTF-8 (chunks of %s bytes)',
    async (size) => {
      const filler = Array.from({ length: 40 }, (_, i) => `<DeletePerson id="P-${i}"/>`).join('\n');
      const text = utf8(
        importFile(`<Persons>\n${filler}\n<Person id="P-X"><FirstName>B\u00e4rbel</FirstName></Person>\n</Persons>`),
      );
      const broken = Uint8Array.from(text);
      const at = text.indexOf(0xc3);
      broken[at] = 0xff;
      const line = text.subarray(0, at).filter((b) => b === 10).length + 1;
      expect(line).toBe(45);
      expect(rejection(await readEvents(broken, size))).toMatchObject({ code: 'XML_INVALID_ENCODING', line });
    },
  );

  it.each([
    ['UTF-16', 'XML_UNSUPPORTED_ENCODING'],
    ['windows-1252', 'XML_UNSUPPORTED_ENCODING'],
  ])('rejects the declared encoding %s', async (encoding, code) => {
    const events = await readEvents(importFile(PERSON).replace('UTF-8', encoding));
    expect(rejection(events)?.code).toBe(code);
  });

  it.each([
    ['an internal DOCTYPE', '<!DOCTYPE Import>'],
    ['an entity declaration', '<!DOCTYPE Import [ <!ENTITY x "y"> ]>'],
    ['an external reference', '<!DOCTYPE Import SYSTEM "http://example.com/evil.dtd">'],
  ])('rejects %s with XML_DOCTYPE_FORBIDDEN before any record', async (_, doctype) => {
    const text = importFile(PERSON).replace('?>\n', `?>\n${doctype}\n`);
    const events = await readEvents(text);
    expect(kinds(events)).toEqual(['rejected']);
    expect(rejection(events)).toMatchObject({ code: 'XML_DOCTYPE_FORBIDDEN', line: 2 });
  });

  it('ends a file that is cut off with one rejection, so that nothing read before it is used', async () => {
    const text = importFile(PERSON);
    const events = await readEvents(text.slice(0, text.length - 20));
    expect(rejection(events)?.code).toBe('XML_NOT_WELL_FORMED');
    expect(events.filter((e) => e.kind === 'rejected')).toHaveLength(1);
    const { gatherFile } = await import('../check/file-contents.js');
    const { readImport } = await import('./read-import.js');
    const { pieces } = await import('../../../test/support/read-events.js');
    const gathered = await gatherFile(
      readImport(pieces(utf8(text.slice(0, text.length - 20))), { evaluationDate: '2026-11-25' }),
    );
    expect(gathered).toMatchObject({ ok: false, error: { code: 'XML_NOT_WELL_FORMED' }, vendor: 'demo-vendor' });
  });

  it.each([
    ['an empty file', '', 'XML_NOT_WELL_FORMED'],
    ['not XML', 'PersonalNumber;Name\n201003151238;Åsa', 'XML_NOT_WELL_FORMED'],
    ['a wrong root', '<?xml version="1.0"?><Export xmlns="urn:lok-importer:import:1"/>', 'XML_WRONG_ROOT'],
    ['a wrong root without a namespace (an HTML page)', '<html><body>502 Bad Gateway</body></html>', 'XML_WRONG_ROOT'],
    [
      'an impossible created time',
      '<?xml version="1.0"?><Import xmlns="urn:lok-importer:import:1" vendor="v" created="2026-13-45T99:99Z"/>',
      'INVALID_HEADER',
    ],
    [
      'no namespace',
      '<?xml version="1.0"?><Import vendor="v" created="2026-11-20T02:00:00+01:00"/>',
      'XML_WRONG_NAMESPACE',
    ],
    [
      'another namespace',
      '<?xml version="1.0"?><Import xmlns="urn:other" vendor="v" created="2026-11-20T02:00:00+01:00"/>',
      'XML_WRONG_NAMESPACE',
    ],
    [
      'no vendor',
      '<?xml version="1.0"?><Import xmlns="urn:lok-importer:import:1" created="2026-11-20T02:00:00+01:00"/>',
      'INVALID_HEADER',
    ],
    [
      'a created time without offset',
      '<?xml version="1.0"?><Import xmlns="urn:lok-importer:import:1" vendor="v" created="2026-11-20T02:00:00"/>',
      'INVALID_HEADER',
    ],
    [
      'an unknown mode',
      '<?xml version="1.0"?><Import xmlns="urn:lok-importer:import:1" vendor="v" created="2026-11-20T02:00:00Z" mode="all"/>',
      'INVALID_HEADER',
    ],
    ['an undefined entity', importFile('<Persons><Person id="&nbsp;"/></Persons>'), 'XML_NOT_WELL_FORMED'],
  ])('rejects %s', async (_, text, code) => {
    expect(rejection(await readEvents(text))?.code).toBe(code);
  });

  it('accepts XML Schema instance attributes and namespace declarations, which are not data', async () => {
    const text = importFile('<Persons><DeletePerson id="P-1" xmlns:x="urn:x"/></Persons>', {
      header:
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:lok-importer:import:1 importer-v1.xsd"',
    });
    expect(kinds(await readEvents(text))).toEqual(['header', 'club', 'delete-person']);
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    'takes an element named %s for unknown, outside a record and inside one',
    async (name) => {
      expect(rejection(await readEvents(importFile(`<${name}/>`)))).toMatchObject({ code: 'UNKNOWN_ELEMENT', line: 4 });
      const inside = (await readEvents(importFile(`<Persons><Person id="P-1"><${name}/></Person></Persons>`))).find(
        (e) => e.kind === 'refused',
      );
      expect(inside?.kind === 'refused' && inside.errors.map((e) => e.code)).toContain('UNKNOWN_ELEMENT');
    },
  );

  it('reports a club given twice and reads only its first block', async () => {
    const text = `<?xml version="1.0"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="v" created="2026-11-20T02:00:00Z">
<Club id="1"><Activities><DeleteActivity id="A-1"/></Activities></Club>
<Club id="1"><Activities><DeleteActivity id="A-2"/></Activities></Club>
</Import>`;
    const events = await readEvents(text);
    expect(kinds(events)).toEqual(['header', 'club', 'delete-activity', 'error']);
    expect(events[3]).toMatchObject({ error: { code: 'DUPLICATE_CLUB', line: 4 } });
  });

  it('accepts the import namespace bound to a prefix', async () => {
    const text = `<?xml version="1.0"?>\n<i:Import xmlns:i="urn:lok-importer:import:1" vendor="v" created="2026-11-20T02:00:00Z"><i:Club id="1"><i:Activities><i:DeleteActivity id="A-1"/></i:Activities></i:Club></i:Import>`;
    expect(kinds(await readEvents(text))).toEqual(['header', 'club', 'delete-activity']);
  });

  it('takes an element of another namespace for unknown: outside a record it rejects the file', async () => {
    const text = importFile('<Persons><x:Person xmlns:x="urn:x" id="P-1"/></Persons>');
    expect(rejection(await readEvents(text))).toMatchObject({
      code: 'UNKNOWN_ELEMENT',
      message: expect.stringContaining('x:Person'),
    });
  });

  it('refuses a record with every reason and its line, and reads on', async () => {
    const text = importFile(`<Persons>
<Person id="P-1" nick="x">
  <PersonalNumber>201003151239</PersonalNumber>
  <FirstName>A</FirstName><FirstName>B</FirstName>
  <Shoe>38</Shoe>
</Person>
<Person id="P-2"><PersonalNumber>201003151238</PersonalNumber><FirstName>Åsa</FirstName><LastName>Öberg</LastName></Person>
</Persons>`);
    const events = await readEvents(text);
    const refused = events.find((e) => e.kind === 'refused');
    expect(refused).toMatchObject({ kind: 'refused', entity: 'person', club: '100042', id: 'P-1' });
    const errors = refused?.kind === 'refused' ? refused.errors.map((e) => [e.code, e.line]) : [];
    expect(errors).toEqual(
      expect.arrayContaining([
        ['UNKNOWN_ATTRIBUTE', 5],
        ['INVALID_PERSONNUMMER', 6],
        ['REPEATED_FIELD', 7],
        ['UNKNOWN_ELEMENT', 8],
        ['MISSING_REQUIRED_FIELD', 5],
      ]),
    );
    expect(events.some((e) => e.kind === 'person' && e.record.id === 'P-2')).toBe(true);
  });

  it('never echoes a personnummer in an error message', async () => {
    const events = await readEvents(
      importFile(
        '<Persons><Person id="P-1"><PersonalNumber>201003151239</PersonalNumber><FirstName>A</FirstName><LastName>B</LastName></Person></Persons>',
      ),
    );
    const refused = events.find((e) => e.kind === 'refused');
    expect(JSON.stringify(refused)).not.toContain('201003151239');
    expect(JSON.stringify(refused)).not.toContain('1003151239');
  });

  it('keeps an activity with missing fields for judging, and refuses one with malformed values', async () => {
    const text = importFile(`<Activities>
<Activity id="A-1"><Date>2026-11-18</Date><Sport>Fotboll</Sport></Activity>
<Activity id="A-2"><Date>2026-02-30</Date><Start>24:00</Start><End>19:00</End><Type>party</Type><Participant ref="P-1" disability="yes"/></Activity>
</Activities>`);
    const events = await readEvents(text);
    expect(events.find((e) => e.kind === 'activity')).toMatchObject({
      record: { id: 'A-1', date: '2026-11-18', start: undefined, type: 'training' },
    });
    const refused = events.find((e) => e.kind === 'refused');
    expect(refused?.kind === 'refused' && refused.errors.map((e) => e.message.split(' / ')[1])).toEqual([
      'invalid value: Date',
      'invalid value: Start',
      'invalid value: Type',
      'invalid value: Participant@disability',
    ]);
  });

  it('reads markers, groups, leaders, participants and anonymous participants', async () => {
    const text = importFile(`<Activities><Activity id="A-1">
<Date>2026-11-18</Date><Start>18:00</Start><End>19:30</End><Sport>Fotboll</Sport><Type>camp</Type>
<Group id="G-12">P12 Blå</Group><Place>Exempelvallen</Place><DropIn/><Remote/><TryOut/>
<Leader ref="P-2"/><Participant ref="P-1"/><Participant ref="P-3" disability="true"/>
<AnonymousParticipants birthYear="2012" gender="F" count="2"/>
</Activity></Activities>`);
    const activity = (await readEvents(text)).find((e) => e.kind === 'activity');
    expect(activity).toMatchObject({
      record: {
        type: 'camp',
        group: { id: 'G-12', name: 'P12 Blå' },
        dropIn: true,
        remote: true,
        tryOut: true,
        leaders: [{ ref: 'P-2' }],
        participants: { refs: ['P-1', 'P-3'], lines: [7, 7], disabled: [1] },
        anonymous: [{ birthYear: 2012, gender: 'F', count: 2 }],
      },
    });
  });

  it('reports text in a marker, which must be empty', async () => {
    const text = importFile(
      '<Activities><Activity id="A-1"><Date>2026-11-18</Date><DropIn>yes</DropIn></Activity></Activities>',
    );
    const refused = (await readEvents(text)).find((e) => e.kind === 'refused');
    expect(refused).toMatchObject({
      errors: [{ code: 'INVALID_VALUE', message: expect.stringContaining('DropIn: text') }],
    });
  });

  // importer-format.md: an unknown element outside a record would drop everything inside it, so the file is
  // rejected whole with the element's name and line (a misspelled `<Activites>` once dropped every activity quietly).
  it.each([
    ['a misspelled section', '<Persons/>\n<Activites><Activity id="A-1"/></Activites>', 5, 'Activites'],
    ['a misspelled record between records', '<Persons>\n<Persn id="P-1"/>\n</Persons>', 5, 'Persons/Persn'],
    ['an unknown element in Import', '', 0, 'Members'],
    ['a Deletes container, which v1 does not have', '<Deletes><DeletePerson id="P-1"/></Deletes>', 4, 'Deletes'],
  ])('rejects the whole file for %s, with its line and name', async (_, inClub, line, name) => {
    const text =
      line === 0
        ? '<?xml version="1.0"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="v" created="2026-11-20T02:00:00Z">\n<Members/>\n</Import>'
        : importFile(inClub);
    const events = await readEvents(text);
    expect(rejection(events)).toMatchObject({
      code: 'UNKNOWN_ELEMENT',
      line: line === 0 ? 3 : line,
      message: expect.stringContaining(name),
    });
    expect(events.filter((e) => e.kind === 'person' || e.kind === 'activity' || e.kind === 'refused')).toEqual([]);
  });

  it('rejects a file over the size limit', async () => {
    const { readImport } = await import('./read-import.js');
    const events: ImportEvent[] = [];
    async function* source() {
      yield utf8(importFile(PERSON));
    }
    for await (const batch of readImport(source(), { evaluationDate: '2026-11-25', maxBytes: 100 }))
      events.push(...batch);
    expect(rejection(events)?.code).toBe('FILE_TOO_LARGE');
  });
});

// The limits (limits.ts, importer-format.md "Limits"); test/hostile-corpus.test.ts runs the files that hit them.
describe('readImport within its limits', () => {
  it('writes a long decoded chunk to the tokenizer in pieces without cutting a character in two', async () => {
    const person =
      '<Persons><Person id="P-1"><FirstName>\u{1F600}</FirstName><LastName>B</LastName></Person></Persons>';
    const plain = importFile(`<!---->${person}`);
    // A comment long enough that the emoji's first half is the last character of the first 65 536.
    const pad = LIMITS.tokenChars - 1 - plain.indexOf('\u{1F600}');
    const text = importFile(`<!--${'x'.repeat(pad)}-->${person}`);
    expect(text.charCodeAt(LIMITS.tokenChars - 1)).toBe(0xd83d);
    const events = await readEvents(text);
    expect(events.find((e) => e.kind === 'person')).toMatchObject({ record: { firstName: '\u{1F600}' } });
  });

  it('refuses a record whose id is too long with VALUE_TOO_LONG alone, never echoing the id', async () => {
    const id = `P-${'9'.repeat(LIMITS.idChars)}`;
    const refused = (
      await readEvents(
        importFile(`<Persons><Person id="${id}"><FirstName>A</FirstName><LastName>B</LastName></Person></Persons>`),
      )
    ).find((e) => e.kind === 'refused');
    expect(refused).toMatchObject({
      errors: [{ code: 'VALUE_TOO_LONG', message: expect.stringContaining('Person@id') }],
    });
    expect(JSON.stringify(refused)).not.toContain(id);
  });

  it("names a foreign namespace in an error cut to an id's length", async () => {
    const uri = `urn:${'x'.repeat(10_000)}`;
    const events = await readEvents(importFile(`<Persons><Person xmlns="${uri}" id="P-1"/></Persons>`));
    expect(rejection(events)).toMatchObject({
      code: 'UNKNOWN_ELEMENT',
      message: expect.stringContaining(`{${uri.slice(0, LIMITS.idChars)}}Person`),
    });
    expect(rejection(events)!.message.length).toBeLessThan(300);
  });

  it('keeps no more than its limit of a repeated child, and says so once', async () => {
    const participants = '<Participant ref="P-1"/>'.repeat(LIMITS.participantsPerActivity + 50);
    const refused = (
      await readEvents(importFile(`<Activities><Activity id="A-1">${participants}</Activity></Activities>`))
    ).find((e) => e.kind === 'refused');
    expect(refused).toMatchObject({
      errors: [
        {
          code: 'TOO_MANY_ELEMENTS',
          message: expect.stringContaining(`Participant > ${LIMITS.participantsPerActivity}`),
        },
      ],
    });
  });

  it('rejects the file once its record errors pass the limit, at the line of the record that passed it', async () => {
    const persons = Array.from(
      { length: LIMITS.errorsPerFile + 1 },
      (_, i) => `<DeletePerson id="P-${i}" x="1"/>`,
    ).join('\n');
    const events = await readEvents(importFile(`<Persons>\n${persons}\n</Persons>`));
    expect(rejection(events)).toMatchObject({ code: 'TOO_MANY_ERRORS', line: 5 + LIMITS.errorsPerFile });
  });
});
