/**
 * The limits of Importer XML v1 (docs/importer-format.md, "Limits"), enforced by the reader so that `check` and the
 * import agree: a file the pipeline cannot store is refused when it is read, with a code, never later with
 * IMPORT_FAILED. Two kinds:
 *
 * - Record limits refuse one record (VALUE_TOO_LONG, TOO_MANY_ELEMENTS); the rest of the file counts.
 * - Reading limits reject the file (XML_LIMIT_EXCEEDED, TOO_MANY_ERRORS): past them a record cannot even be read
 *   in bounded memory (a 600 MB name, ten million attributes on one element, a million-deep nesting).
 *
 * The figures keep the largest item the register stores, an activity and its verdict, under DynamoDB's 400 KB
 * per item with room to spare: test/hostile-corpus.test.ts imports an activity at every record limit at once into
 * DynamoDB Local and measures its items (the figures are in docs/importer-format.md).
 */
export const LIMITS = {
  /** Characters of a field's text (a name, a sport, a place, an e-mail, …) once surrounding whitespace is trimmed. */
  fieldChars: 200,
  /**
   * Characters of a field's text as sent, whitespace included: text past it is not kept, and the field is too long
   * whatever it trims to.
   */
  fieldCharsAsSent: 1000,
  /** Characters of an id or a ref (Club, Person, Activity and Group ids, Leader and Participant refs) and of `vendor`. */
  idChars: 64,
  /** `Participant` elements of one activity. */
  participantsPerActivity: 1000,
  /** `Leader` elements of one activity. */
  leadersPerActivity: 100,
  /** `AnonymousParticipants` elements of one activity (one per birth year and gender: 3 × about 30 years). */
  anonymousPerActivity: 200,
  /** `Membership` elements of one person. */
  membershipsPerPerson: 100,
  /**
   * Activities of one club in a file that name one person (as leader or participant), or that are camps or
   * competitions of one group, in one LOK period: the register keeps them as one item (a calendar, 78 bytes per
   * activity at most), about 11 a day every day.
   */
  activitiesPerPeriod: 2000,
  /** Errors kept for one record: it is refused anyway, and the receipt names the first ones. */
  errorsPerRecord: 100,
  /** Record errors the reader finds in one file before it rejects the file (TOO_MANY_ERRORS). */
  errorsPerFile: 100_000,
  /** Attributes on one element (namespace declarations and xsi: attributes included). */
  attributesPerElement: 16,
  /** Elements open at once (a valid file nests 5 deep: Import, Club, Persons, Person, FirstName). */
  depth: 16,
  /** Characters of an element or attribute name. */
  nameChars: 256,
  /**
   * Characters the tokenizer holds of one token while it reads: a field's text up to the next tag, an attribute value,
   * a comment, a CDATA section, a processing instruction, a name, an entity name (text the reader does not listen to,
   * such as whitespace between records, is never held).
   */
  tokenChars: 64 * 1024,
} as const;

/** The children of a record that may occur many times, and how many times at most. */
export const MAX_OCCURS: Readonly<Record<string, number>> = {
  Participant: LIMITS.participantsPerActivity,
  Leader: LIMITS.leadersPerActivity,
  AnonymousParticipants: LIMITS.anonymousPerActivity,
  Membership: LIMITS.membershipsPerPerson,
};

/** The attributes that hold an id or a ref, which LIMITS.idChars bounds. */
export const ID_ATTRIBUTES: readonly string[] = ['id', 'ref'];
