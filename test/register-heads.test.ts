import { describe, expect, it } from 'vitest';
import { dynamoDbForFile } from './support/dynamodb.js';
import { freshRegister } from './support/pipeline.js';

// Heads are moved in transactions of a hundred; a transaction that cannot commit whole falls back to one by one.
describe('moving heads (DynamoDB Local)', () => {
  const db = dynamoDbForFile();
  const keys = Array.from({ length: 250 }, (_, i) => `p${String(i).padStart(3, '0')}`);

  it("moves each head once per upload, also when a retry finds some of a transaction's heads moved already", async () => {
    const register = await freshRegister(db.client);
    const { store } = register.ports;
    // An attempt that died after its first transaction: keys 0..99 moved by u1.
    await store.bumpHeads(keys.slice(0, 100), 'u1');
    // Another upload reached key 150 meanwhile.
    await store.bumpHeads(['p150'], 'u2');
    // The retry moves them all: the first transaction cancels (its heads were moved by u1), then goes one by one.
    await store.bumpHeads(keys, 'u1');
    const heads = await store.heads(keys);
    expect(heads.size).toBe(keys.length);
    for (const key of keys)
      expect(heads.get(key), key).toEqual({ version: key === 'p150' ? 2 : 1, first: key === 'p150' ? 'u2' : 'u1' });
    // A third upload moves every one again.
    await store.bumpHeads(keys, 'u3');
    expect((await store.heads(['p000', 'p150'])).get('p150')).toEqual({ version: 3, first: 'u2' });
    register.dispose();
  }, 60_000);

  it('two uploads moving the same heads at once both count on every head', async () => {
    const register = await freshRegister(db.client);
    const { store } = register.ports;
    await Promise.all([store.bumpHeads(keys, 'a'), store.bumpHeads([...keys].reverse(), 'b')]);
    const heads = await store.heads(keys);
    for (const key of keys) expect(heads.get(key)!.version, key).toBe(2);
    register.dispose();
  }, 60_000);
});
