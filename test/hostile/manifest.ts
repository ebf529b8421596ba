/**
 * The hostile corpus: every file with its documented outcome (docs/importer-format.md, "Limits" and "What goes
 * wrong"). A case is the committed file test/hostile/<name>.xml, or made at test time by a generator when it is
 * too big to commit. `code` and `line` are those of the first error of the receipt (the file error of a rejected
 * file). Run by test/hostile-corpus.test.ts: every case through `check`; the `pipeline` ones also imported into
 * DynamoDB Local (same outcome, nothing stored when rejected, the good records applied when partly bad); the
 * `big` ones through the real CLI in a child process whose heap is capped, its peak RSS asserted.
 *
 * Every file holds one good club 100042: persons P-1, P-2, P-3 and L-1 (lines 5–8) and an approved activity A-1.
 */
import type { Code } from '../../shared/core/errors/codes.js';
import { LIMITS } from '../../shared/core/format/limits.js';
import * as make from './generators.js';

export interface HostileCase {
  readonly name: string;
  readonly about: string;
  /** Made at test time (too big to commit); otherwise the file is test/hostile/<name>.xml. */
  readonly generate?: () => make.Pieces;
  readonly status: 'applied' | 'partially_applied' | 'rejected';
  readonly code?: Code;
  readonly line?: number;
  /** What the first error's message names (an encoding, a limit, a field), when that is the point of the case. */
  readonly detail?: string;
  /** How many errors the receipt has (it lists the first RECEIPT_MAX_ERRORS), when that is the point of the case. */
  readonly errors?: number;
  /** Also imported through the pipeline into DynamoDB Local. */
  readonly pipeline?: true;
  /** Checked by the real CLI in a child process with a capped heap; its peak RSS is asserted. */
  readonly big?: true;
}

const MB = 1024 * 1024;
/** The first line after the good persons (a Person added by a case). */
const PERSON = 9;
/** The line of A-2, the activity a case adds after A-1. */
const ACTIVITY = 12;

const rejected = (
  name: string,
  code: Code,
  line: number,
  about: string,
  more: Partial<HostileCase> = {},
): HostileCase => ({ name, about, status: 'rejected', code, line, ...more });
const partly = (
  name: string,
  code: Code,
  line: number,
  about: string,
  more: Partial<HostileCase> = {},
): HostileCase => ({ name, about, status: 'partially_applied', code, line, ...more });
const applied = (name: string, about: string, more: Partial<HostileCase> = {}): HostileCase => ({
  name,
  about,
  status: 'applied',
  ...more,
});

export const HOSTILE_CORPUS: readonly HostileCase[] = [
  // Entities, in every form: a DOCTYPE is refused before anything is expanded or fetched.
  rejected('entity-internal', 'XML_DOCTYPE_FORBIDDEN', 2, 'an internal entity used in a name', { pipeline: true }),
  rejected('entity-external-xxe', 'XML_DOCTYPE_FORBIDDEN', 2, 'XXE: an external entity naming /etc/passwd', {
    pipeline: true,
  }),
  rejected('entity-parameter', 'XML_DOCTYPE_FORBIDDEN', 2, 'a parameter entity fetching a remote DTD'),
  rejected(
    'billion-laughs',
    'XML_DOCTYPE_FORBIDDEN',
    13,
    'billion laughs: ten levels of ten entities (the DOCTYPE ends on line 13)',
    { pipeline: true },
  ),
  rejected('quadratic-blowup', 'XML_DOCTYPE_FORBIDDEN', 2, 'quadratic blowup: a 50 KB entity used 2 000 times'),
  rejected('external-dtd', 'XML_DOCTYPE_FORBIDDEN', 2, 'an external DTD by SYSTEM id'),
  rejected('doctype-after-root', 'XML_NOT_WELL_FORMED', PERSON, 'a DOCTYPE inside the root'),
  rejected('entity-undeclared', 'XML_NOT_WELL_FORMED', PERSON, 'an entity that is never declared'),
  rejected('char-ref-nul', 'XML_NOT_WELL_FORMED', PERSON, 'a character reference to U+0000'),
  applied(
    'entity-predefined',
    'the five predefined entities and character references in a name (plain XML, taken as text)',
    { pipeline: true },
  ),
  rejected('huge-entity-name', 'XML_LIMIT_EXCEEDED', PERSON, 'an entity reference with a 16 MB name', {
    generate: () => make.hugeEntityName(16 * MB),
    big: true,
  }),

  // Encodings: only UTF-8 and declared ISO-8859-1 are read; the others are named, on line 1.
  rejected('utf16le-bom', 'XML_UNSUPPORTED_ENCODING', 1, 'UTF-16LE with a BOM', { detail: 'UTF-16LE' }),
  rejected('utf16be-bom', 'XML_UNSUPPORTED_ENCODING', 1, 'UTF-16BE with a BOM', { detail: 'UTF-16BE' }),
  rejected('utf16le-no-bom', 'XML_UNSUPPORTED_ENCODING', 1, 'UTF-16LE without a BOM', { detail: 'UTF-16LE' }),
  rejected('utf16be-no-bom', 'XML_UNSUPPORTED_ENCODING', 1, 'UTF-16BE without a BOM', { detail: 'UTF-16BE' }),
  rejected('utf32le-bom', 'XML_UNSUPPORTED_ENCODING', 1, 'UTF-32LE with a BOM (was reported as UTF-16)', {
    pipeline: true,
    detail: 'UTF-32LE',
  }),
  rejected('utf32be-bom', 'XML_UNSUPPORTED_ENCODING', 1, 'UTF-32BE with a BOM', { detail: 'UTF-32BE' }),
  rejected('utf32le-no-bom', 'XML_UNSUPPORTED_ENCODING', 1, 'UTF-32LE without a BOM', { detail: 'UTF-32LE' }),
  rejected('ebcdic', 'XML_UNSUPPORTED_ENCODING', 1, 'EBCDIC (IBM500)', { detail: 'EBCDIC' }),
  rejected('utf8-bom-declared-latin1', 'XML_UNSUPPORTED_ENCODING', 1, 'a UTF-8 BOM on a file declared ISO-8859-1'),
  rejected('windows-1252-declared', 'XML_UNSUPPORTED_ENCODING', 1, 'declared windows-1252', { detail: 'windows-1252' }),
  rejected(
    'latin1-mislabelled',
    'XML_INVALID_ENCODING',
    5,
    'Latin-1 bytes in a file without a declaration (so UTF-8)',
    { pipeline: true },
  ),
  rejected('utf8-invalid-byte', 'XML_INVALID_ENCODING', 6, 'a stray 0xF6 in a name'),
  rejected('utf8-overlong', 'XML_INVALID_ENCODING', 6, 'an overlong UTF-8 sequence'),
  rejected('utf8-surrogate', 'XML_INVALID_ENCODING', 6, 'a UTF-16 surrogate encoded as UTF-8'),
  rejected('utf8-truncated-sequence', 'XML_INVALID_ENCODING', 14, 'a file ending inside a UTF-8 sequence'),
  applied('utf8-bom', 'UTF-8 with a BOM', { pipeline: true }),
  applied('latin1-declared', 'ISO-8859-1, declared', { pipeline: true }),

  // Control characters and well-formedness: nothing before the fault is applied.
  rejected('control-char', 'XML_NOT_WELL_FORMED', PERSON, 'U+0001 in a name'),
  rejected('nul-byte', 'XML_NOT_WELL_FORMED', PERSON, 'a NUL byte in a name'),
  rejected('truncated-in-activity', 'XML_NOT_WELL_FORMED', 11, 'cut off inside an activity', { pipeline: true }),
  rejected(
    'truncated-after-persons',
    'XML_NOT_WELL_FORMED',
    10,
    'cut off after the persons: their records are not applied',
    { pipeline: true },
  ),
  rejected('empty', 'XML_NOT_WELL_FORMED', 1, 'an empty file'),
  rejected('two-roots', 'XML_NOT_WELL_FORMED', 15, 'a second root element after the first'),
  rejected('xml-declaration-late', 'XML_NOT_WELL_FORMED', 2, 'an XML declaration after a comment'),
  rejected('not-xml', 'XML_NOT_WELL_FORMED', 3, 'CSV instead of XML'),

  // CDATA tricks.
  applied('cdata-name', 'a name in a CDATA section'),
  applied('cdata-markup', 'markup inside CDATA is text: it sets no PersonalNumber', { pipeline: true }),
  partly('cdata-in-marker', 'INVALID_VALUE', ACTIVITY, 'text in a marker, as CDATA', { pipeline: true }),
  rejected('cdata-unterminated', 'XML_NOT_WELL_FORMED', 16, 'a CDATA section that never ends'),
  partly('cdata-split-long', 'VALUE_TOO_LONG', PERSON, 'a name of 800 characters in 400 CDATA sections and texts'),
  rejected('huge-cdata', 'XML_LIMIT_EXCEEDED', PERSON, 'a 64 MB CDATA section in a name', {
    generate: () => make.hugeCdata(64 * MB),
    big: true,
  }),

  // Processing instructions and comments.
  applied('pi-in-record', 'a processing instruction inside a person (ignored)'),
  applied('pi-stylesheet', 'an xml-stylesheet instruction pointing at a remote URL (never fetched)'),
  rejected('pi-reserved-target', 'XML_NOT_WELL_FORMED', PERSON, 'an XML declaration in the middle of the file'),
  applied('comment-in-record', 'a comment inside a name'),
  rejected('comment-double-dash', 'XML_NOT_WELL_FORMED', PERSON, '-- inside a comment'),
  rejected('huge-comment', 'XML_LIMIT_EXCEEDED', PERSON, 'a 64 MB comment', {
    generate: () => make.hugeComment(64 * MB),
    big: true,
  }),
  rejected('huge-processing-instruction', 'XML_LIMIT_EXCEEDED', PERSON, 'a 64 MB processing instruction', {
    generate: () => make.hugeProcessingInstruction(64 * MB),
    big: true,
  }),

  // Namespace tricks: every element must use the root's binding of the import namespace.
  applied('ns-prefixed', 'the import namespace bound to a prefix, every element prefixed', { pipeline: true }),
  rejected('ns-other-prefix-same-uri', 'UNKNOWN_ELEMENT', PERSON, 'a second prefix for the import namespace'),
  rejected(
    'ns-default-redefined',
    'UNKNOWN_ELEMENT',
    PERSON,
    'a Person that binds the default namespace to another (it was read as ours)',
    { pipeline: true },
  ),
  rejected('ns-missing', 'XML_WRONG_NAMESPACE', 2, 'no namespace'),
  rejected('ns-wrong-uri', 'XML_WRONG_NAMESPACE', 2, 'version 2 of the namespace'),
  applied('ns-xsi-schema-location', 'xsi:schemaLocation pointing at a remote XSD (never fetched)'),
  partly('ns-unbound-prefix', 'UNKNOWN_ELEMENT', PERSON, 'an element with an undeclared prefix inside a person'),

  // Record limits: the record is refused, the rest applies.
  partly('name-too-long', 'VALUE_TOO_LONG', PERSON, `a first name of ${LIMITS.fieldChars + 1} characters`, {
    pipeline: true,
    detail: 'FirstName',
  }),
  applied('name-at-limit', `a first name of ${LIMITS.fieldChars} characters`),
  partly(
    'whitespace-in-name-70k',
    'VALUE_TOO_LONG',
    PERSON,
    '70 000 spaces before a name: under the token limit, over the field limit as sent',
    { pipeline: true },
  ),
  partly('id-too-long', 'VALUE_TOO_LONG', PERSON, `a person id of ${LIMITS.idChars + 1} characters`, {
    pipeline: true,
    detail: 'Person@id',
  }),
  partly('ref-too-long', 'VALUE_TOO_LONG', ACTIVITY, `a participant ref of ${LIMITS.idChars + 1} characters`, {
    pipeline: true,
    detail: 'Participant@ref',
  }),
  partly('club-id-too-long', 'VALUE_TOO_LONG', 14, `a second club whose id has ${LIMITS.idChars + 1} characters`),
  rejected('vendor-too-long', 'INVALID_HEADER', 2, `a vendor of ${LIMITS.idChars + 1} characters`),
  partly(
    'participants-over-limit',
    'TOO_MANY_ELEMENTS',
    ACTIVITY,
    `${LIMITS.participantsPerActivity + 1} participants on one activity`,
    { pipeline: true, errors: 1, detail: `Participant > ${LIMITS.participantsPerActivity}` },
  ),
  partly(
    'participants-at-limit-three-persons',
    'DUPLICATE_PERSON_REF',
    ACTIVITY,
    `${LIMITS.participantsPerActivity} refs to three persons: stored with three`,
    { pipeline: true, errors: LIMITS.participantsPerActivity - 3 },
  ),
  partly('unknown-refs-1000', 'UNKNOWN_PERSON_REF', ACTIVITY, '1 000 refs to no person: stored without them', {
    pipeline: true,
    errors: 1000,
  }),
  partly(
    'memberships-over-limit',
    'TOO_MANY_ELEMENTS',
    PERSON,
    `${LIMITS.membershipsPerPerson + 1} memberships on one person`,
    { pipeline: true },
  ),
  partly(
    'unknown-elements-flood',
    'UNKNOWN_ELEMENT',
    PERSON,
    `500 unknown elements in a person: ${LIMITS.errorsPerRecord} errors kept`,
    { pipeline: true, errors: LIMITS.errorsPerRecord },
  ),
  partly(
    'unknown-attributes-at-limit',
    'UNKNOWN_ATTRIBUTE',
    PERSON,
    `${LIMITS.attributesPerElement - 1} unknown attributes and an id`,
    { errors: LIMITS.attributesPerElement - 1 },
  ),
  partly(
    'activities-per-period-over-limit',
    'TOO_MANY_ACTIVITIES',
    11 + LIMITS.activitiesPerPeriod,
    `${LIMITS.activitiesPerPeriod} more activities like A-1 with 64-character ids: the last would put its persons in ${LIMITS.activitiesPerPeriod + 1} activities of 2026-2 (6 000 failed the import: a calendar item over 400 KB)`,
    {
      generate: () => make.activitiesOfOnePeriod(LIMITS.activitiesPerPeriod),
      pipeline: true,
      errors: 1,
      detail: `> ${LIMITS.activitiesPerPeriod} (2026-2)`,
    },
  ),
  partly(
    'participants-10000',
    'TOO_MANY_ELEMENTS',
    ACTIVITY,
    '10 000 participants (1.9 MB): check passed it, the import failed on the 400 KB item limit',
    { generate: () => make.manyParticipants(10_000, ['P-1', 'P-2', 'P-3']), pipeline: true, errors: 1 },
  ),

  // Reading limits: the file is rejected, memory stays bounded.
  // At the reading limits a file is still read.
  partly(
    'nesting-at-limit',
    'UNKNOWN_ELEMENT',
    PERSON,
    `elements nested ${LIMITS.depth} deep: an unknown element in a person`,
  ),
  partly(
    'element-name-at-limit',
    'UNKNOWN_ELEMENT',
    PERSON,
    `an unknown element whose name has ${LIMITS.nameChars} characters`,
  ),
  applied('comment-at-limit', `a comment of ${LIMITS.tokenChars} characters`),
  applied('whitespace-between-records', '100 000 spaces between two records: text the reader never holds'),
  applied('memberships-at-limit', `${LIMITS.membershipsPerPerson} memberships on one person`),
  rejected(
    'attributes-over-limit',
    'XML_LIMIT_EXCEEDED',
    PERSON,
    `${LIMITS.attributesPerElement + 1} attributes on one element`,
    { pipeline: true, detail: `attributes > ${LIMITS.attributesPerElement}` },
  ),
  rejected('nesting-too-deep', 'XML_LIMIT_EXCEEDED', PERSON, `elements nested ${LIMITS.depth + 1} deep`, {
    pipeline: true,
    detail: `depth > ${LIMITS.depth}`,
  }),
  rejected(
    'element-name-too-long',
    'XML_LIMIT_EXCEEDED',
    PERSON,
    `an element name of ${LIMITS.nameChars + 1} characters`,
    { detail: `name > ${LIMITS.nameChars}` },
  ),
  rejected(
    'name-2mb',
    'XML_LIMIT_EXCEEDED',
    PERSON,
    'a 2 MB name: check passed it, the import failed on the 400 KB item limit',
    { generate: () => make.hugeCdata(2 * MB), pipeline: true },
  ),
  rejected(
    'attribute-flood',
    'XML_LIMIT_EXCEEDED',
    PERSON,
    'a million attributes on one element (10 million ran for minutes at 2 GB)',
    { generate: () => make.attributeFlood(1_000_000), big: true },
  ),
  rejected(
    'whitespace-in-name',
    'XML_LIMIT_EXCEEDED',
    PERSON,
    '200 MB of whitespace inside one FirstName (600 MB crashed the tokenizer)',
    { generate: () => make.whitespaceInName(200 * MB), big: true },
  ),
  rejected('huge-attribute-value', 'XML_LIMIT_EXCEEDED', PERSON, 'a 64 MB attribute value', {
    generate: () => make.hugeAttributeValue(64 * MB),
    big: true,
  }),
  rejected('huge-element-name', 'XML_LIMIT_EXCEEDED', PERSON, 'a 64 MB element name', {
    generate: () => make.hugeElementName(64 * MB),
    big: true,
  }),
  rejected('deep-nesting-million', 'XML_LIMIT_EXCEEDED', PERSON, 'a million elements nested', {
    generate: () => make.deepNesting(1_000_000),
    big: true,
  }),
  partly(
    'million-participants',
    'TOO_MANY_ELEMENTS',
    ACTIVITY,
    'one activity of a million participants, each a different ref (imported at 1.93 GB)',
    { generate: () => make.unknownRefs(1_000_000), big: true, errors: 1 },
  ),
  partly(
    'million-refs-three-persons',
    'TOO_MANY_ELEMENTS',
    ACTIVITY,
    'a million refs to three persons (check died: call stack)',
    { generate: () => make.manyParticipants(1_000_000, ['P-1', 'P-2', 'P-3']), big: true, errors: 1 },
  ),
  partly('unknown-refs-125000', 'TOO_MANY_ELEMENTS', ACTIVITY, '125 000 refs to no person (check died: call stack)', {
    generate: () => make.unknownRefs(125_000),
    big: true,
    errors: 1,
  }),
  rejected(
    'million-unknown-attributes',
    'TOO_MANY_ERRORS',
    8 + Math.ceil((LIMITS.errorsPerFile + 1) / 15),
    'a million unknown attributes, 15 on each of 70 000 persons (check died: call stack)',
    { generate: () => make.unknownAttributesOnManyPersons(70_000, 15), big: true },
  ),
  partly(
    'duplicate-personnummer-20000',
    'DUPLICATE_PERSON_IDENTITY',
    PERSON,
    '20 000 person ids with one personnummer, each error naming the others',
    { generate: () => make.duplicatePersonnummer(20_000), big: true, errors: 20_000 },
  ),

  // Last of the pipeline cases: clearing its 1 100 persons for a next case would take longer than the case.
  applied('maximal-activity', 'an activity at every record limit at once: stored, its items under 400 KB', {
    generate: make.maximalActivity,
    pipeline: true,
  }),
];
