import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressLine } from './progress-line.js';

function terminal(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream, writes };
}

describe('ProgressLine', () => {
  afterEach(() => vi.useRealTimers());

  it('redraws one line on a terminal at most once a second', () => {
    vi.useFakeTimers({ now: 10_000 });
    const { stream, writes } = terminal(true);
    const progress = new ProgressLine(stream);
    for (let i = 0; i < 100; i++) progress.update(() => `records ${i}`);
    expect(writes).toEqual(['\r\x1b[2Krecords 0']);
    vi.advanceTimersByTime(999);
    progress.update(() => 'still too soon');
    expect(writes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    progress.update(() => 'records 100');
    expect(writes).toEqual(['\r\x1b[2Krecords 0', '\r\x1b[2Krecords 100']);
    progress.done();
    expect(writes[2]).toBe('\r\x1b[2K');
  });

  it('prints nothing when the output is not a terminal (CI logs, pipes)', () => {
    const { stream, writes } = terminal(false);
    const progress = new ProgressLine(stream);
    progress.update(() => 'x');
    progress.done();
    expect(writes).toEqual([]);
  });
});
