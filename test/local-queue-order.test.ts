import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../shared/core/pipeline/ports.js';
import { inboxKey } from '../shared/core/storage/bucket-layout.js';
import { UploadQueue } from '../shared/local/upload-queue.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { gate, interceptPorts } from './support/intercept.js';
import { clockAt, registerFor } from './support/pipeline.js';
import { activitySpec, clubFile, CLUBS, VENDORS, xmlOf, type FileSpec } from './support/world.js';

const [V1] = VENDORS;
const [CLUB1, CLUB2] = CLUBS;

function fileOf(club: string, place: number): FileSpec {
  return clubFile(V1, club, [0, 2, 3], [activitySpec({ place, leaders: [0], participants: [2, 3] })]);
}

// Issue 13, part 2, locally: a vendor's files of different clubs go side by side, those of one club in order.
describe("local mode's queue: order per club of a vendor (DynamoDB Local)", () => {
  const db = dynamoDbForFile();

  it('a later file of another club is imported while an earlier one is held; a later file of the held club waits for it', async () => {
    const register = await registerFor(db.client, [V1], CLUBS);
    const files = [
      { file: 'a1.xml', spec: fileOf(CLUB1, 0) },
      { file: 'a2.xml', spec: fileOf(CLUB1, 1) },
      { file: 'b1.xml', spec: fileOf(CLUB2, 0) },
    ];
    // The first write of club 1's records waits until the file of club 2 is done.
    const held = gate();
    let holding = true;
    const ports = interceptPorts(register.ports, async (call, proceed) => {
      if (
        holding &&
        call.port === 'store' &&
        call.method === 'write' &&
        (call.args[0] as Doc[]).some((d) => (d.value as { club?: string }).club === CLUB1)
      ) {
        holding = false;
        await held.wait();
      }
      return proceed();
    });
    const done: string[] = [];
    const queue = new UploadQueue({
      ports,
      root: register.folder,
      clock: () => clockAt('2026-11-25'),
      log: () => undefined,
      onDone: (upload, result) => {
        done.push(`${upload.file}:${result.kind}`);
        if (upload.file === 'b1.xml') held.open();
      },
    });
    for (const [i, { file, spec }] of files.entries()) {
      const path = join(register.folder, inboxKey({ vendor: V1, file }));
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, xmlOf(spec));
      queue.enqueue({ vendor: V1, file, path, completedAt: `2026-11-25T10:00:0${i}.000Z` });
    }
    await queue.idle();
    // b1 completed last but went first: a1 was held until b1 was done, and a2 waited for a1.
    expect(done).toEqual(['b1.xml:done', 'a1.xml:done', 'a2.xml:done']);
    // a2 (place 1) was applied after a1 (place 0): its place is the one stored.
    const stored = (await register.ports.store.linksOf(V1, CLUB1)).activities.find((a) => a.id === 'A0')!;
    expect(stored.content?.place).toBe(xmlOf(fileOf(CLUB1, 1)).match(/<Place>([^<]*)<\/Place>/)![1]);
    register.dispose();
  }, 60_000);
});
