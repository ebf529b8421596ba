/** Today's date in Europe/Stockholm, `YYYY-MM-DD`: LOK dates are Swedish local dates whatever the machine's zone. */
export function stockholmDate(at: Date = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
