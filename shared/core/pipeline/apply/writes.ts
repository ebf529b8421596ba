import { docId, type Doc, type DocKey } from '../ports.js';

/** The writes of an apply, in two phases: items the links depend on first, the links (which mark a record done) last. */
export class Writes {
  readonly first = new Map<string, Doc>();
  readonly firstDeletes = new Map<string, DocKey>();
  readonly last = new Map<string, Doc>();
  put(doc: Doc, phase: 'first' | 'last' = 'first'): void {
    const id = docId(doc);
    (phase === 'first' ? this.first : this.last).set(id, doc);
    this.firstDeletes.delete(id);
  }
  delete(key: DocKey): void {
    const id = docId(key);
    if (!this.first.has(id)) this.firstDeletes.set(id, key);
  }
}
