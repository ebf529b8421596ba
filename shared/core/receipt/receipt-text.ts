import type { Receipt } from './receipt.js';

function counts(label: string, c: object): string {
  return `${label}: ${Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ')}`;
}

/** The human-readable receipt (`.receipt.txt`, and `check` without --json). Ids and codes only, never personal data. */
export function receiptText(receipt: Receipt): string {
  const out: string[] = [];
  out.push(`${receipt.file}  ${receipt.status.toUpperCase()}`);
  out.push(`vendor ${receipt.vendor || '-'}  sha256 ${receipt.sha256}`);
  out.push(`received ${receipt.receivedAt}  completed ${receipt.completedAt}`);
  out.push(counts('persons', receipt.counts.persons));
  out.push(counts('activities', receipt.counts.activities));
  if (receipt.errors.length > 0) {
    out.push('', `errors (${receipt.errors.length}):`);
    for (const e of receipt.errors) {
      const where = 'club' in e ? [e.club && `club ${e.club}`, e.record && `record ${e.record}`].filter(Boolean).join(' ') : '';
      out.push(`  line ${e.line}  ${e.code}${where ? `  ${where}` : ''}  ${e.message}`);
    }
  }
  const rejected = receipt.activities.filter((a) => a.verdict === 'rejected');
  if (rejected.length > 0) {
    out.push('', `rejected activities (${rejected.length}):`);
    for (const a of rejected) out.push(`  club ${a.club} activity ${a.id}: ${a.reasons.join(', ')}`);
  }
  const notes = receipt.activities.filter((a) => a.participants.length > 0 || a.leaders.some((l) => !l.valid) || a.warnings.length > 0 || (a.payment?.codes.length ?? 0) > 0);
  if (notes.length > 0) {
    out.push('', 'per activity:');
    for (const a of notes) {
      out.push(`  club ${a.club} activity ${a.id} (${a.verdict}, ${a.countedParticipants} counted)`);
      for (const l of a.leaders.filter((x) => !x.valid)) out.push(`    leader ${l.ref}: ${l.reasons.join(', ') || 'not valid'}`);
      for (const p of a.participants) {
        const who = 'ref' in p ? `participant ${p.ref}` : `anonymous ${p.count} × ${p.anonymous.birthYear} ${p.anonymous.gender}`;
        out.push(`    ${who}: ${p.counted ? 'counted' : 'not counted'}${p.reasons.length ? ` — ${p.reasons.join(', ')}` : ''}`);
      }
      if (a.warnings.length > 0) out.push(`    warnings: ${a.warnings.join(', ')}`);
      if (a.payment && a.payment.codes.length > 0) out.push(`    payment: ${a.payment.codes.join(', ')}`);
    }
  }
  for (const t of receipt.totals ?? []) {
    out.push('', `club ${t.club} period ${t.period}: ${t.approvedActivities} approved activities, ${t.participations} deltagartillfällen, forecast ${t.forecastSek.toFixed(2)} SEK${t.warnings.length ? ` (${t.warnings.join(', ')})` : ''}`);
  }
  return out.join('\n') + '\n';
}
