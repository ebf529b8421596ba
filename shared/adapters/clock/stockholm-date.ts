/** Today's date in Europe/Stockholm, `YYYY-MM-DD`: LOK dates are Swedish local dates whatever the machine's zone. */
export function stockholmDate(at: Date = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Stockholm',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** The date in Europe/Stockholm of an ISO 8601 time with offset (`2026-11-20T23:30:00Z` → `2026-11-21`). */
export function stockholmDateOf(isoTime: string): string {
  return stockholmDate(new Date(isoTime));
}
