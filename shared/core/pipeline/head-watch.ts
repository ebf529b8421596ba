import type { Head, RegisterStore } from './ports.js';

/**
 * The heads of calendar keys as a judge read them (`RegisterStore.heads`). An apply moves the head of every key
 * its changes reach after writing them; a judge reads a key's head before anything found through the key and
 * again after writing its verdicts. A head that moved in between means the judge may have read part of a
 * change: the weeks of that key are judged again. A head that moves after the second read belongs to an apply
 * whose own judge step starts later and reads everything it wrote.
 *
 * Persons an upload created ("settled": every activity naming them is among its seeds, so their calendars need
 * no look-up) stay settled only while their head shows that upload alone: `first` is the upload and no judge has
 * tainted it. Two vendors' first loads may create the same person at once; each moves the head (the later write
 * wins), so at least one of their judges finds the other's name there, or the head moving under it. That judge
 * taints the head before it reads the person's calendars, so the other one, if it has not validated yet, finds
 * its head moved and judges again; if it has, its verdicts were written before the taint, and the tainting
 * judge, which reads everything after the taint, writes last.
 */
export class HeadWatch {
  private readonly seen = new Map<string, string>();

  /** `created`: the persons this upload created (its staged settled keys), by `uploadId`. */
  constructor(private readonly store: RegisterStore, private readonly created: ReadonlySet<string> = new Set(), private readonly uploadId?: string) {}

  /** Reads the heads of keys not read yet. */
  async read(keys: Iterable<string>): Promise<void> {
    const fresh = [...new Set(keys)].filter((k) => !this.seen.has(k));
    if (fresh.length === 0) return;
    const heads = await this.store.heads(fresh);
    for (const key of fresh) this.seen.set(key, heads.get(key)?.version ?? '');
  }

  /** Of the persons this upload created, those it alone has reached: settled. The others are tainted first. */
  async alone(): Promise<Set<string>> {
    const keys = [...this.created];
    if (this.uploadId === undefined || keys.length === 0) return new Set();
    const heads = await this.store.heads(keys);
    const alone = new Set<string>();
    const shared: string[] = [];
    for (const key of keys) {
      const head = heads.get(key);
      this.seen.set(key, head?.version ?? '');
      if (head && head.first === this.uploadId && !head.tainted) alone.add(key);
      else shared.push(key);
    }
    await this.taint(shared);
    return alone;
  }

  /** The keys whose head moved since it was read; they count as read again now (persons this upload created, tainted). */
  async moved(keys: Iterable<string>): Promise<Set<string>> {
    const list = [...new Set(keys)];
    const heads = await this.store.heads(list);
    const moved = new Set<string>();
    for (const key of list) {
      const version = heads.get(key)?.version ?? '';
      if (version !== this.seen.get(key)) moved.add(key);
      this.seen.set(key, version);
    }
    await this.taint([...moved].filter((k) => this.created.has(k)));
    return moved;
  }

  private async taint(keys: readonly string[]): Promise<void> {
    const tainted: Head[] = await Promise.all(keys.map((key) => this.store.taintHead(key)));
    keys.forEach((key, i) => this.seen.set(key, tainted[i]!.version));
  }
}
