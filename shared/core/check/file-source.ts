/** The bytes of a file as they stream past, and their SHA-256 (a port). */
export interface FileSource {
  readonly name: string;
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Hex SHA-256 of the whole file; reads what `chunks` left unread (a rejected file stops early). */
  sha256(): Promise<string>;
}
