/**
 * One progress line on a TTY, redrawn in place at most once a second; nothing at all when stderr is not a
 * terminal (CI logs stay clean).
 */
export class ProgressLine {
  private last = 0;
  private shown = false;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 1000,
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(text: () => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.shown = true;
    this.stream.write(`\r\x1b[2K${text()}`);
  }

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
