import type { ActivityVerdict, LeaderVerdict } from '../rules/verdict.js';
import { errorCount } from './kept-errors.js';
import { isImportReceipt, type Receipt } from './receipt.js';

function counts(label: string, c: object): string {
  return `${label}: ${Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`;
}

/** `1 approved activity`, `2 approved activities`: a count with its noun in the right number. */
export function countOf(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** Which activity a busy leader already leads: named in the same club, only "another club's" otherwise. */
function overlapText(leader: LeaderVerdict): string {
  if (!leader.overlapsWith) return '';
  return 'id' in leader.overlapsWith
    ? ` (already leads activity ${leader.overlapsWith.id})`
    : " (already leads another club's activity)";
}

/** An activity's invalid leaders and its participants not counted or carrying a code, one line each. */
export function personLines(a: ActivityVerdict, indent: string): string[] {
  const lines = a.leaders
    .filter((l) => !l.valid)
    .map((l) => `${indent}leader ${l.ref}: ${l.reasons.join(', ') || 'not valid'}${overlapText(l)}`);
  for (const p of a.participants) {
    const who =
      'ref' in p ? `participant ${p.ref}` : `anonymous ${p.count} × ${p.anonymous.birthYear} ${p.anonymous.gender}`;
    lines.push(
      `${indent}${who}: ${p.counted ? 'counted' : 'not counted'}${p.reasons.length ? ` — ${p.reasons.join(', ')}` : ''}`,
    );
  }
  return lines;
}

/** The human-readable receipt (`.receipt.txt`, and `check` without --json). Ids and codes only, never personal data. */
export function receiptText(receipt: Receipt): string {
  const out: string[] = [];
  out.push(`${receipt.file}  ${receipt.status.toUpperCase()}`);
  out.push(`format ${receipt.formatVersion}  vendor ${receipt.vendor || '-'}  sha256 ${receipt.sha256}`);
  out.push(`received ${receipt.receivedAt}  completed ${receipt.completedAt}`);
  if (receipt.duplicateOf) {
    const d = receipt.duplicateOf;
    out.push(
      `duplicate of ${d.file} (upload ${d.uploadId}, received ${d.receivedAt}): byte-identical, nothing changed`,
    );
  }
  out.push(counts('persons', receipt.counts.persons));
  out.push(counts('activities', receipt.counts.activities));
  if (receipt.errors.length > 0) {
    const total = errorCount(receipt);
    out.push(
      '',
      total > receipt.errors.length
        ? `errors (${total}, the first ${receipt.errors.length} by line listed):`
        : `errors (${total}):`,
    );
    for (const e of receipt.errors) {
      const where =
        'club' in e ? [e.club && `club ${e.club}`, e.record && `record ${e.record}`].filter(Boolean).join(' ') : '';
      out.push(`  line ${e.line}  ${e.code}${where ? `  ${where}` : ''}  ${e.message}`);
    }
    const leftOut = Object.entries(receipt.errorsLeftOut ?? {});
    if (leftOut.length > 0) out.push(`  not listed: ${leftOut.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  }
  const rejected = receipt.activities.filter((a) => a.verdict === 'rejected');
  if (rejected.length > 0) {
    out.push('', `rejected activities (${rejected.length}):`);
    for (const a of rejected) out.push(`  club ${a.club} activity ${a.id}: ${a.reasons.join(', ')}`);
  }
  const notes = receipt.activities.filter(
    (a) =>
      a.participants.length > 0 ||
      a.leaders.some((l) => !l.valid) ||
      a.warnings.length > 0 ||
      (a.payment?.codes.length ?? 0) > 0,
  );
  if (notes.length > 0) {
    out.push('', 'per activity:');
    for (const a of notes) {
      out.push(`  club ${a.club} activity ${a.id} (${a.verdict}, ${a.countedParticipants} counted)`);
      out.push(...personLines(a, '    '));
      if (a.warnings.length > 0) out.push(`    warnings: ${a.warnings.join(', ')}`);
      if (a.payment && a.payment.codes.length > 0) out.push(`    payment: ${a.payment.codes.join(', ')}`);
    }
  }
  const totals = receipt.totals ?? [];
  if (totals.length > 0)
    out.push(
      '',
      isImportReceipt(receipt)
        ? 'register totals (every vendor of the club, not this file alone):'
        : 'totals of this file:',
    );
  for (const t of totals) {
    const figures = `${countOf(t.approvedActivities, 'approved activity', 'approved activities')}, ${countOf(t.participations, 'deltagartillfälle', 'deltagartillfällen')}, forecast ${t.forecastSek.toFixed(2)} SEK`;
    const label = isImportReceipt(receipt)
      ? `register total for club ${t.club} period ${t.period}`
      : `club ${t.club} period ${t.period}`;
    out.push(`  ${label}: ${figures}${t.warnings.length ? ` (${t.warnings.join(', ')})` : ''}`);
  }
  if (receipt.laterChanges) {
    out.push(
      '',
      `This receipt is a snapshot. A verdict that changes later (another file re-judges it, or the nightly recheck) is reported in ${receipt.laterChanges} (and .txt).`,
    );
  }
  return out.join('\n') + '\n';
}
