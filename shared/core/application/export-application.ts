import { docId, type DocKey } from '../pipeline/ports.js';
import type { StoredActivity, StoredVerdict } from '../pipeline/stored.js';
import { approvedOfKind, byTime, type ApplicationPorts } from './application.js';
import { SUBMISSION_KINDS, type SubmissionKind } from './ports.js';

/**
 * One approved activity of an application, for the club's records and municipal LOK support: no personnummer, no
 * names; leaders by the source system's person id.
 */
export interface ExportRow {
  readonly application: SubmissionKind;
  readonly date: string;
  readonly start: string;
  readonly end: string;
  readonly sport: string;
  readonly type: string;
  readonly group: string;
  readonly countedParticipants: number;
  readonly validLeaders: readonly string[];
  readonly sourceSystem: string;
  readonly activity: string;
}

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The rows of every activity the club's application for the period holds: as submitted, or as it stands today. */
export async function exportApplication(ports: ApplicationPorts, club: string, period: string): Promise<ExportRow[]> {
  const [verdicts, submissions] = await Promise.all([
    ports.store.verdictsOf(club, period),
    ports.applications.submissions(club, period),
  ]);
  const parts = SUBMISSION_KINDS.map((kind) => {
    const submission = submissions.find((s) => s.kind === kind);
    if (!submission) return { kind, verdicts: approvedOfKind(verdicts, kind) };
    const taken = new Set(submission.activities.map((a) => `${a.vendor}\u0000${a.id}`));
    return { kind, verdicts: verdicts.filter((v) => taken.has(`${v.vendor}\u0000${v.id}`)).sort(byTime) };
  });
  const keys: DocKey[] = parts.flatMap((p) =>
    p.verdicts.map((v) => ({ kind: 'activity' as const, vendor: v.vendor, club, id: v.id })),
  );
  const activities = await ports.store.get(keys);
  const groupOf = (v: StoredVerdict): string => {
    const a = activities.get(docId({ kind: 'activity', vendor: v.vendor, club, id: v.id }))?.value as
      StoredActivity | undefined;
    return a?.content?.group?.name ?? '';
  };
  return parts.flatMap(({ kind, verdicts: list }) =>
    list.map((v): ExportRow => ({
      application: kind,
      date: v.date ?? '',
      start: v.start ?? '',
      end: v.end ?? '',
      sport: v.sport ?? '',
      type: v.type,
      group: groupOf(v),
      countedParticipants: v.verdict.countedParticipants,
      validLeaders: v.verdict.leaders.filter((l) => l.valid).map((l) => l.ref),
      sourceSystem: v.vendor,
      activity: v.id,
    })),
  );
}

const COLUMNS: readonly (keyof ExportRow)[] = [
  'application',
  'date',
  'start',
  'end',
  'sport',
  'type',
  'group',
  'countedParticipants',
  'validLeaders',
  'sourceSystem',
  'activity',
];

/**
 * A CSV cell: quoted when it holds a separator, a quote or a line break; a text that a spreadsheet would take for
 * a formula (= + - @ first) gets a leading apostrophe, since group names and ids come from the vendors.
 */
function cell(value: string | number | readonly string[]): string {
  let text = Array.isArray(value) ? value.join(' ') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The rows as CSV (RFC 4180: comma-separated, CRLF line ends, a header line). */
export function exportCsv(rows: readonly ExportRow[]): string {
  return [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((c) => cell(row[c])).join(','))]
    .map((line) => `${line}\r\n`)
    .join('');
}

export function exportText(rows: readonly ExportRow[], format: ExportFormat): string {
  return format === 'csv' ? exportCsv(rows) : `${JSON.stringify(rows, null, 2)}\n`;
}
