/**
 * Every code the importer can report, with its bilingual message, in one place. The codes are a contract
 * (vendors' programs match on them); the messages are for people. A message never echoes a personnummer,
 * a name or an e-mail: it may only use the parameters given in `detail`, which callers fill with ids.
 */

/** Codes that reject a whole file: nothing in it is applied. */
export const FILE_CODES = {
  XML_NOT_WELL_FORMED: ['Filen är inte välformad XML', 'the file is not well-formed XML'],
  XML_DOCTYPE_FORBIDDEN: [
    'DOCTYPE, entitetsdeklarationer och externa referenser är inte tillåtna',
    'a DOCTYPE, entity declaration or external reference is not allowed',
  ],
  XML_WRONG_ROOT: ['Rotelementet ska vara Import', 'the root element must be Import'],
  XML_WRONG_NAMESPACE: [
    'Fel namnrymd, ska vara urn:lok-importer:import:1',
    'wrong namespace, expected urn:lok-importer:import:1',
  ],
  XML_UNSUPPORTED_ENCODING: [
    'Teckenkodningen stöds inte (UTF-8 eller ISO-8859-1)',
    'unsupported encoding (UTF-8 or ISO-8859-1)',
  ],
  XML_INVALID_ENCODING: [
    'Filen innehåller bytes som inte är giltiga i sin teckenkodning',
    'the file holds bytes that are invalid in its encoding',
  ],
  FILE_TOO_LARGE: ['Filen är större än tillåtet', 'the file is over the size limit'],
  INVALID_HEADER: ['Import-elementets attribut är felaktiga', 'the attributes of the Import element are invalid'],
  IMPORT_FAILED: [
    'Filen kunde inte importeras klart; skicka den igen',
    'the file could not be imported to the end; send it again',
  ],
  XML_LIMIT_EXCEEDED: [
    'Filen går över en gräns för hur den kan läsas (djup, attribut, namn eller textlängd)',
    'the file exceeds a reading limit (depth, attributes, name or text length)',
  ],
  TOO_MANY_ERRORS: ['Filen har för många fel för att läsas vidare', 'the file holds too many errors to read on'],
} as const;

/** Codes of one record (a person, an activity, a reference): the record is refused, the rest of the file counts. */
export const RECORD_CODES = {
  INVALID_PERSONNUMMER: ['Personnumret är ogiltigt', 'the personnummer is invalid'],
  UNKNOWN_PERSON_REF: [
    'Hänvisningen pekar på en person som inte finns eller som avvisades',
    'the reference points at a person that is unknown or was refused',
  ],
  DUPLICATE_PERSON_IDENTITY: [
    'Två person-id i samma förening är samma person',
    'two person ids of the same club are the same person',
  ],
  CLUB_NOT_ACTIVATED: ['Föreningen har inte aktiverat leverantören', 'the club has not activated this vendor'],
  UNKNOWN_ELEMENT: ['Okänt element', 'unknown element'],
  UNKNOWN_ATTRIBUTE: ['Okänt attribut', 'unknown attribute'],
  MISSING_ID: ['Attributet id saknas eller är tomt', 'the id attribute is missing or empty'],
  DUPLICATE_RECORD_ID: ['Samma id förekommer flera gånger i filen', 'the same id occurs more than once in the file'],
  DUPLICATE_CLUB: ['Samma förening förekommer flera gånger i filen', 'the same club occurs more than once in the file'],
  INVALID_VALUE: ['Ogiltigt värde', 'invalid value'],
  MISSING_REQUIRED_FIELD: ['Ett obligatoriskt fält saknas', 'a required field is missing'],
  REPEATED_FIELD: ['Fältet förekommer flera gånger', 'the field occurs more than once'],
  DUPLICATE_PERSON_REF: [
    'Personen är angiven flera gånger på aktiviteten',
    'the person is given more than once on the activity',
  ],
  IDENTITY_CONFLICT: [
    'Personens uppgifter pekar ut en annan person i registret',
    "the person's identity points at another person in the register",
  ],
  UNKNOWN_RECORD: [
    'Posten att ta bort har aldrig skickats av leverantören för föreningen',
    'the record to delete was never sent by this vendor for the club',
  ],
  VALUE_TOO_LONG: ['Värdet är längre än tillåtet', 'the value is longer than allowed'],
  TOO_MANY_ELEMENTS: ['Elementet förekommer fler gånger än tillåtet', 'the element occurs more times than allowed'],
  TOO_MANY_ACTIVITIES: [
    'Personen eller gruppen har fler aktiviteter i perioden än tillåtet',
    'the person or group has more activities in the period than allowed',
  ],
} as const;

/** Activity-level codes: any of them rejects the activity. */
export const ACTIVITY_CODES = {
  MISSING_REQUIRED_DATA: [
    'Datum, start, slut, idrott och plats måste anges',
    'date, start, end, sport and place are required',
  ],
  INVALID_TIME_RANGE: [
    'Sluttiden måste vara efter starttiden samma dag',
    'the end must be after the start, on the same day',
  ],
  TOO_SHORT: ['Aktiviteten är kortare än minimitiden', 'the activity is shorter than the minimum length'],
  NO_COMMON_START_END: [
    'Gemensam samling och avslutning krävs (före 2023-07-01)',
    'a common gathering and ending is required (before 2023-07-01)',
  ],
  NO_LEADER: ['Ingen ledare registrerad', 'no leader registered'],
  NO_VALID_LEADER: ['Ingen giltig ledare', 'no valid leader'],
  TOO_FEW_PARTICIPANTS: ['Färre än 3 godkända deltagare', 'fewer than 3 counted participants'],
  DUPLICATE_GROUP_DAY: [
    'Gruppen har redan ett godkänt läger eller en tävling samma dag',
    'the group already has an approved camp or competition that day',
  ],
  PERIOD_CLOSED: ['Perioden är stängd för föreningen', 'the period is closed for the club'],
  NOT_SPORT_ACTIVITY: ['Möten och utbildningar ger inte LOK-stöd', 'meetings and education earn no LOK-stöd'],
  REMOTE_ACTIVITY: ['Distansaktivitet: kräver manuell granskning', 'remote activity: needs manual review'],
} as const;

/** Codes of one leader of an activity. */
export const LEADER_CODES = {
  LEADER_TOO_YOUNG: ['Ledaren har inte fyllt 13 år', 'the leader has not turned 13'],
  LEADER_NOT_MEMBER: [
    'Ledaren är inte medlem i föreningen på aktivitetsdagen',
    'the leader is not a member of the club on the date',
  ],
  LEADER_OVERLAPPING_ACTIVITY: [
    'Ledaren leder redan en godkänd aktivitet som överlappar',
    'the leader already leads an approved overlapping activity',
  ],
  LEADER_IDENTITY_MISSING: ['Ledarens födelsedatum är okänt', 'the leader has no known birth date'],
} as const;

/** Codes of one participant: the person is not counted (or, for payment codes, paid less). */
export const PARTICIPANT_CODES = {
  PARTICIPANT_TOO_YOUNG: ['Deltagaren fyller under 7 år under året', 'the participant turns less than 7 this year'],
  PARTICIPANT_TOO_OLD: ['Deltagaren fyller över 25 år under året', 'the participant turns more than 25 this year'],
  PARTICIPANT_NOT_MEMBER: [
    'Deltagaren är inte medlem på aktivitetsdagen',
    'the participant is not a member on the date',
  ],
  PARTICIPANT_IDENTITY_MISSING: [
    'Varken personnummer eller födelsedatum är känt',
    'neither a personnummer nor a birth date is known',
  ],
  PARTICIPANT_INCOMPLETE_PERSONNUMMER: [
    'Svensk medborgare utan fullständigt personnummer',
    'a Swedish national without a full personnummer',
  ],
  PARTICIPANT_IS_LEADER: ['Personen är ledare på samma aktivitet', 'the person is a leader of the same activity'],
  PARTICIPANT_OVERLAPPING_ACTIVITY: [
    'Deltagaren är redan räknad i en överlappande aktivitet',
    'the participant is already counted in an overlapping activity',
  ],
  PARTICIPANT_ALREADY_COUNTED_TODAY: [
    'Deltagaren är redan räknad i samma idrott i dag',
    'the participant is already counted in the same sport today',
  ],
} as const;

/** Payment codes: never reject, they reduce the amount. */
export const PAYMENT_CODES = {
  OVER_PARTICIPANT_CAP: [
    'Fler räknade deltagare än taket; de över taket betalas inte',
    'more counted participants than the cap; those above it are not paid',
  ],
  WEEKLY_CAP_REDUCED: [
    'Tredje eller senare aktiviteten i idrotten denna vecka: reducerat belopp',
    '3rd or later activity in the sport this week: reduced rate',
  ],
  WEEKLY_CAP_REACHED: ['Veckotaket är nått: räknas men betalas inte', 'weekly cap reached: counted but not paid'],
} as const;

/** Warnings: never reject. */
export const WARNING_CODES = {
  OTHER_SHARE_OVER_25: [
    'Mer än 25 % av de godkända aktiviteterna är av typen other',
    'more than 25 % of approved activities are of type other',
  ],
  REGISTERED_LATE: [
    'Registrerad efter ansökningsdagen; kan räknas i en kompletterande ansökan',
    'registered after the application deadline; may count in a supplementary application',
  ],
  ACTIVITY_IN_FUTURE: [
    'Aktiviteten är daterad efter filens skapandetid',
    'the activity is dated after the file was created',
  ],
} as const;

/** Codes of RF operations' admin use-cases (vendors, clubs, activations). */
export const ADMIN_CODES = {
  LICENCE_CLUB_LIMIT: [
    'Leverantörens licens gäller högst 100 föreningar',
    "the vendor's licence covers at most 100 clubs",
  ],
  UNKNOWN_VENDOR: ['Leverantören finns inte', 'no such vendor'],
  UNKNOWN_UPLOAD: ['Leverantören har ingen sådan uppladdning', 'the vendor has no such upload'],
  UNKNOWN_CLUB: ['Föreningen finns inte', 'no such club'],
  UNKNOWN_PERSON: ['Personen finns inte i registret', 'no such person in the register'],
  NO_FULL_LOAD: [
    'Leverantören har inte skickat någon fullständig laddning för föreningen',
    'the vendor has sent no full load for the club',
  ],
  VENDOR_EXISTS: ['Leverantören finns redan', 'the vendor exists already'],
  CLUB_EXISTS: ['Föreningen finns redan', 'the club exists already'],
  INVALID_ADMIN_INPUT: ['Ogiltig uppgift', 'invalid input'],
} as const;

/** Codes of a club's application (shared/core/application/) and of the club's web API. */
export const APPLICATION_CODES = {
  APPLICATION_ALREADY_SUBMITTED: [
    'Ansökan är redan inskickad för perioden',
    'the application for the period is already submitted',
  ],
  SUPPLEMENTARY_BEFORE_MAIN: [
    'En kompletterande ansökan kräver en inskickad huvudansökan',
    'a supplementary application needs the main application submitted first',
  ],
  APPLICATION_PERIOD_CLOSED: [
    'Perioden är stängd: sista dagen har passerat',
    'the period is closed: its final date has passed',
  ],
  NOT_SIGNED_IN: ['Du är inte inloggad', 'you are not signed in'],
  CLUB_ACCESS_DENIED: ['Du har inte behörighet till föreningen', 'you have no access to this club'],
} as const;

/** UNKNOWN_ELEMENT is also a file error: an unknown element outside a record rejects the file (its contents would be lost). */
export type FileCode = keyof typeof FILE_CODES | 'UNKNOWN_ELEMENT';
export type ApplicationCode = keyof typeof APPLICATION_CODES;
/** The admin function also answers a club's application requests. */
export type AdminCode = keyof typeof ADMIN_CODES | ApplicationCode;
/** PERIOD_CLOSED is also a record error: a change to or deletion of a stored activity in a closed period is refused. */
export type RecordCode = keyof typeof RECORD_CODES | 'PERIOD_CLOSED';
export type ActivityCode = keyof typeof ACTIVITY_CODES;
export type LeaderCode = keyof typeof LEADER_CODES;
export type ParticipantCode = keyof typeof PARTICIPANT_CODES;
export type PaymentCode = keyof typeof PAYMENT_CODES;
export type WarningCode = keyof typeof WARNING_CODES;
export type ErrorCode = FileCode | RecordCode;
export type Code =
  FileCode | RecordCode | ActivityCode | LeaderCode | ParticipantCode | PaymentCode | WarningCode | AdminCode;

/**
 * The codes a vendor meets (in receipts), by what they judge, each with its texts: published for vendors'
 * user interfaces as schemas/error-codes.json (scripts/schemas.ts). Admin codes answer RF operations only.
 */
export const RECEIPT_CODE_GROUPS = {
  file: FILE_CODES,
  record: RECORD_CODES,
  activity: ACTIVITY_CODES,
  leader: LEADER_CODES,
  participant: PARTICIPANT_CODES,
  payment: PAYMENT_CODES,
  warning: WARNING_CODES,
} as const;

const ALL: Record<Code, readonly [string, string]> = Object.assign(
  {},
  ...Object.values(RECEIPT_CODE_GROUPS),
  ADMIN_CODES,
  APPLICATION_CODES,
);

export const ALL_CODES = Object.keys(ALL) as Code[];

/** A detail, the same in both languages (an element or field name) or given per language. Never personal data. */
export type Detail = string | readonly [sv: string, en: string];

/** "Svenska / English", with an optional detail after each half. */
export function messageFor(code: Code, detail?: Detail): string {
  const [sv, en] = ALL[code];
  if (detail === undefined) return `${sv} / ${en}`;
  const [dsv, den] = typeof detail === 'string' ? [detail, detail] : detail;
  return `${sv}: ${dsv} / ${en}: ${den}`;
}
