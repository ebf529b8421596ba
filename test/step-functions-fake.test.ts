import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TaskTokens } from './support/step-functions-fake.js';

// The harness's task tokens: a state awaits a token's output only after its function returned.
describe("the Step Functions fake's task tokens", () => {
  it('a token that times out before the state awaits it rejects then with States.Timeout, not as an unhandled rejection', async () => {
    const tokens = new TaskTokens();
    const { token, output } = tokens.issue('WaitForTurn', 5);
    // The function runs longer than the token waits (as WaitTurnStep did on a loaded CI machine).
    await sleep(50);
    await expect(output).rejects.toMatchObject({ name: 'States.Timeout' });
    expect(tokens.succeed(token, {})).toBe(false);
  });

  it('SendTaskSuccess before the timeout settles the output with it', async () => {
    const tokens = new TaskTokens();
    const { token, output } = tokens.issue('WaitForTurn', 1_000);
    expect(tokens.succeed(token, { ok: true })).toBe(true);
    await expect(output).resolves.toEqual({ ok: true });
  });
});
