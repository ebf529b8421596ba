/**
 * Every written form of every personnummer in Importer XML (valid or not): 12 and 10 digits, with and without the
 * separator (- or +). What the data-protection tests look for in output, logs and receipts.
 */
export function personnummerForms(xml: string): string[] {
  const forms = new Set<string>();
  for (const [, text] of xml.matchAll(/<PersonalNumber>([^<]*)<\/PersonalNumber>/g)) {
    const digits = text!.replace(/\D/g, '');
    const ten = digits.slice(-10);
    if (ten.length < 10) continue;
    for (const sep of ['', '-', '+']) {
      forms.add(`${ten.slice(0, 6)}${sep}${ten.slice(6)}`);
      if (digits.length === 12) forms.add(`${digits.slice(0, 8)}${sep}${digits.slice(8)}`);
    }
  }
  return [...forms];
}
