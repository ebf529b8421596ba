/**
 * Local mode's log: one JSON line per event when standard error is not a terminal (for tools), and on a
 * terminal a human line per upload and step. Events carry ids, step names and codes only.
 */
export function localLog(stream: NodeJS.WriteStream = process.stderr): (event: Record<string, unknown>) => void {
  if (stream.isTTY !== true) return (event) => stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  return (event) => {
    const who = `${String(event.vendor ?? '')} ${String(event.uploadId ?? '')}`.trim();
    switch (event.event) {
      case 'upload-received': stream.write(`${who}: received, importing…\n`); break;
      case 'step':
        if (event.outcome === 'start') stream.write(`${who}: ${String(event.step)}…\n`);
        else if (event.outcome === 'retry' || event.outcome === 'blocked') stream.write(`${who}: ${String(event.step)} ${String(event.outcome)} (attempt ${String(event.attempt)}${event.error ? `, ${String(event.error)}` : ''})\n`);
        break;
      case 'records-read': stream.write(`${who}: ${String(event.records)} records read\n`); break;
      case 'upload-done': stream.write(`${who}: ${String(event.status ?? event.kind)} — ${String(event.activities ?? 0)} activities, ${String(event.errors ?? 0)} errors, ${String(event.seconds)} s\n`); break;
      case 'upload-error': stream.write(`${who}: error ${String(event.error)}${event.code ? ` (${String(event.code)})` : ''}; the nightly reconciliation resumes it\n`); break;
      default: stream.write(`${JSON.stringify(event)}\n`);
    }
  };
}
