import type { ImportEvent } from '../../shared/core/format/import-event.js';
import { readImport } from '../../shared/core/format/read-import.js';

/** Bytes of a string in pieces of `size` bytes, as a stream would deliver them. */
export async function* pieces(bytes: Uint8Array, size = bytes.length): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Every event the reader yields for `bytes`, read in pieces of `size` bytes. */
export async function readEvents(
  bytes: Uint8Array | string,
  size?: number,
  evaluationDate = '2026-11-25',
): Promise<ImportEvent[]> {
  const data = typeof bytes === 'string' ? utf8(bytes) : bytes;
  const events: ImportEvent[] = [];
  for await (const batch of readImport(pieces(data, size), { evaluationDate })) events.push(...batch);
  return events;
}

/** A complete import file around the given inner XML of one club. */
export function importFile(clubInner: string, { club = '100042', header = '' } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Import xmlns="urn:lok-importer:import:1" vendor="demo-vendor" created="2026-11-20T02:00:00+01:00"${header}>\n<Club id="${club}">\n${clubInner}\n</Club>\n</Import>\n`;
}
