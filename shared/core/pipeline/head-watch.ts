import type { RegisterStore } from './ports.js';

/**
 * The heads of calendar keys as a judge read them (`RegisterStore.heads`). An apply moves the head of every key
 * its changes reach after writing them; a judge reads a key's head before anything found through the key and
 * again after writing its verdicts. A head that moved in between means the judge may have read part of a
 * change: the weeks of that key are judged again. A head that moves after the second read belongs to an apply
 * whose own judge step starts later and reads everything it wrote.
 */
export class HeadWatch {
  private readonly seen = new Map<string, number>();

  constructor(private readonly store: RegisterStore) {}

  /** Reads the heads of keys not read yet (a key no apply ever moved is at 0). */
  async read(keys: Iterable<string>): Promise<void> {
    const fresh = [...new Set(keys)].filter((k) => !this.seen.has(k));
    if (fresh.length === 0) return;
    const heads = await this.store.heads(fresh);
    for (const key of fresh) this.seen.set(key, heads.get(key)?.version ?? 0);
  }

  /**
   * Of the persons an upload created ("settled": every activity naming them is among its seeds, so their
   * calendars need no look-up), those whose head only that upload has moved. Another vendor's first load that
   * created the same person at the same time moved it too: that person is looked up like any other.
   */
  async alone(keys: readonly string[], uploadId: string | undefined): Promise<Set<string>> {
    if (uploadId === undefined || keys.length === 0) return new Set();
    const heads = await this.store.heads(keys);
    const alone = new Set<string>();
    for (const key of keys) {
      const head = heads.get(key);
      this.seen.set(key, head?.version ?? 0);
      if (head?.version === 1 && head.first === uploadId) alone.add(key);
    }
    return alone;
  }

  /** The keys whose head moved since it was read; they count as read again now. */
  async moved(keys: Iterable<string>): Promise<Set<string>> {
    const list = [...new Set(keys)];
    const heads = await this.store.heads(list);
    const moved = new Set<string>();
    for (const key of list) {
      const version = heads.get(key)?.version ?? 0;
      if (version !== this.seen.get(key)) moved.add(key);
      this.seen.set(key, version);
    }
    return moved;
  }
}
