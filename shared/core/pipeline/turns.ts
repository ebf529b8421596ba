import type { RegisterStore } from './ports.js';
import type { Upload } from './upload.js';

/**
 * Waiting without polling. An upload whose predecessor (`RegisterStore.predecessorOf`: the nearest earlier upload
 * of its vendor not yet done) is unfinished leaves word with it, and the predecessor wakes it when it ends (done or
 * failed). Word is left before the predecessor's state is read again, and an upload ends before it takes its
 * waiters, so one of the two always sees the other: a waiter is never left asleep by a race. The same rule runs
 * locally (`InProcessTurns`, a token per waiting call) and in the cloud (the token of the state machine's
 * WaitForTurn task, woken by SendTaskSuccess).
 */
export async function leaveWord(
  store: RegisterStore,
  waiter: Upload,
  predecessor: Upload,
  token: string,
): Promise<'wait' | 'go'> {
  await store.addWaiter(predecessor, waiter.uploadId, token);
  const entry = await store.upload(predecessor.vendor, predecessor.uploadId, predecessor.completedAt);
  return entry?.stage === 'done' ? 'go' : 'wait';
}

/** The upload has ended: wakes whoever waits for it. A token that no longer waits is the waker's to ignore. */
export async function handOn(
  store: RegisterStore,
  ended: Upload,
  wake: (token: string) => Promise<void>,
): Promise<number> {
  const waiters = await store.takeWaiters(ended);
  await Promise.all(waiters.map((w) => wake(w.token)));
  return waiters.length;
}

/** How a blocked upload waits for its turn (`runImport`). */
export interface Turns {
  /** Returns once `predecessor` has ended, or after a while without word (the caller looks again). */
  wait(store: RegisterStore, waiter: Upload, predecessor: Upload): Promise<void>;
  /** Wakes the waiter holding `token`, if it waits in this process. */
  wake(token: string): Promise<void>;
}

/**
 * Turns within one process (local mode, the CLI, tests and the bench): a waiter's token is its place in a map.
 * A waiter also looks again after `lookAgainMs` (a predecessor in another process wakes no one here, nor does
 * one that died between ending and handing on), as the cloud's WaitForTurn times out after an hour.
 */
export class InProcessTurns implements Turns {
  private readonly waiting = new Map<string, () => void>();
  private tokens = 0;

  constructor(private readonly lookAgainMs = 60_000) {}

  async wait(store: RegisterStore, waiter: Upload, predecessor: Upload): Promise<void> {
    const token = `in-process-${++this.tokens}`;
    const woken = new Promise<void>((resolve) => this.waiting.set(token, resolve));
    const timer = setTimeout(() => void this.wake(token), this.lookAgainMs);
    if ((await leaveWord(store, waiter, predecessor, token)) === 'go') await this.wake(token);
    await woken;
    clearTimeout(timer);
  }

  async wake(token: string): Promise<void> {
    const resolve = this.waiting.get(token);
    this.waiting.delete(token);
    resolve?.();
  }
}

/** This process's turns: every `runImport` in it that waits shares them, so that one upload's end wakes the next. */
export const processTurns = new InProcessTurns();
