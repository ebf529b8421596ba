import { docId, type Doc, type DocKey, type DocOf, type RegisterStore } from './ports.js';

/** The key of an item of kind `K`. */
export type KeyOf<K extends Doc['kind']> = Extract<DocKey, { kind: K }>;

/**
 * Items of one kind read by key, their values typed by kind (`DocOf`): one `RegisterStore.get`, the one place that
 * says what kind of value a read by keys of one kind returns.
 */
export class DocsOf<K extends Doc['kind']> {
  private constructor(private readonly docs: ReadonlyMap<string, Doc>) {}

  /** Reads the items of these keys, in one `get` (absent items are absent). */
  static async read<K extends Doc['kind']>(
    store: Pick<RegisterStore, 'get'>,
    keys: readonly KeyOf<K>[],
  ): Promise<DocsOf<K>> {
    return new DocsOf<K>(await store.get(keys));
  }

  /** The value stored under `key` (a key, or an item of the same key), if any. */
  of(key: KeyOf<K> | Extract<Doc, { kind: K }>): DocOf<K> | undefined {
    return this.docs.get(docId(key))?.value as DocOf<K> | undefined;
  }

  /** Every value read. */
  values(): DocOf<K>[] {
    return [...this.docs.values()].map((doc) => doc.value as DocOf<K>);
  }
}
