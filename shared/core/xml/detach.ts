/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 represents a substring of 13 or
 * more characters as a slice that keeps its whole parent alive; every value the tokenizer hands out is such a
 * slice of a decoded chunk, so a record that kept one would pin a whole chunk, and a file's worth of records
 * the whole file. Every string a record keeps goes through here.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}
