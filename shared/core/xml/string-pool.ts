import { detach } from './detach.js';

/**
 * One copy of each value that a file repeats (person refs, dates, times, sports, places): a file of 100 000
 * activities names a million participants but only its persons' ids, and keeping one string per mention was a
 * fifth of `check`'s memory. Values are detached from the chunk they were read from (see detach).
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  intern(text: string): string {
    let kept = this.strings.get(text);
    if (kept === undefined) {
      kept = detach(text);
      this.strings.set(kept, kept);
    }
    return kept;
  }
}
