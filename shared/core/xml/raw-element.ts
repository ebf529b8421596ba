/** One element of a record, as read: the record parsers turn these into typed records. */
export interface RawElement {
  /** Local name, or `{uri}local` for an element outside the import namespace (always unknown). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  text: string;
  readonly children: RawElement[];
  readonly line: number;
}
