import { describe, expect, it } from 'vitest';
import { applyFile } from '../shared/core/pipeline/apply-file.js';
import { periodOfDate } from '../shared/core/pipeline/activity-content.js';
import { finishUpload } from '../shared/core/pipeline/finish-upload.js';
import { judgeUpload } from '../shared/core/pipeline/judge-upload.js';
import type { DocKey, PipelinePorts } from '../shared/core/pipeline/ports.js';
import { correctedVerdicts, reconcileClubs } from '../shared/core/pipeline/reconcile.js';
import { registerUpload } from '../shared/core/pipeline/register-upload.js';
import { rejudge } from '../shared/core/pipeline/rejudge.js';
import { runImport } from '../shared/core/pipeline/run-import.js';
import { totalUpload } from '../shared/core/pipeline/total-upload.js';
import type { Upload } from '../shared/core/pipeline/upload.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { clockAt, freshRegister, noWait, onboard, type TestRegister } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';
import { CLUBS, TODAY, VENDORS, xmlOf, type ActivitySpec, type FileSpec } from './support/world.js';

const [V1, V2] = VENDORS;
const [CLUB1, CLUB2] = CLUBS;
const CHILDREN = [2, 3, 4, 5];
const MONDAY = 0;
const TUESDAY = 1;
const THURSDAY = 2; // world.ts's third date, 2026-11-12

/** One vendor's file of one club: a leader, the four children every club shares, and activity A0 on `day`. */
function fileOf(vendor: string, club: string, leader: number, day: number): FileSpec {
  const activity: ActivitySpec = { a: 0, date: day, start: 0, length: 0, sport: 0, type: 0, group: false, place: 0, leaders: [leader], participants: CHILDREN };
  return {
    vendor, mode: 'delta',
    clubs: [{ club, persons: [leader, ...CHILDREN].map((n) => ({ n, memberships: 0 })), deletePersons: [], activities: [activity], deleteActivities: [] }],
  };
}

let n = 0;
const uploadOf = (vendor: string): Upload => ({ vendor, uploadId: `race-${++n}`, file: `race-${n}.xml`, completedAt: `2026-11-25T10:00:${String(n).padStart(2, '0')}.000Z` });

/** The store of a judge step that stops before it reads the stored verdicts, until `release` is called. */
function pausedBeforeVerdicts(ports: PipelinePorts): { ports: PipelinePorts; paused: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const paused = new Promise<void>((resolve) => { reached = resolve; });
  const store = new Proxy(ports.store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (name !== 'get' || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      return async (keys: readonly DocKey[]) => {
        if (keys.some((k) => k.kind === 'verdict')) {
          reached();
          await gate;
        }
        return (value as (k: readonly DocKey[]) => Promise<unknown>).call(target, keys);
      };
    },
  });
  return { ports: { ...ports, store }, paused, release };
}

/** The verdict stored for a vendor's A0, and the date its activity has now. */
async function a0(register: TestRegister, vendor: string, club: string) {
  const activity = (await register.ports.store.linksOf(vendor, club)).activities.find((a) => a.id === 'A0')!;
  const date = activity.content!.date!;
  const verdicts = await register.ports.store.verdictsOf(club, periodOfDate(date));
  return { date, verdict: verdicts.find((v) => v.vendor === vendor && v.id === 'A0') };
}

// Issue 12, "stale verdicts, silently": a judge step that read before another vendor's whole import and writes
// after it stores verdicts of a week that no longer is. The judge steps do not prevent it yet; the nightly
// recheck of recent uploads is the safety net that finds and corrects it (and raises the alarm).
describe('two vendors judging one week at once (DynamoDB Local)', () => {
  const db = dynamoDbForFile();
  const clock = clockAt(TODAY);

  it('a stale verdict written by a slow judge is found and corrected by the nightly recheck', async () => {
    const register = await freshRegister(db.client);
    await onboard(register, VENDORS, CLUBS);
    const imported = async (file: FileSpec) => {
      const upload = uploadOf(file.vendor);
      const result = await runImport(register.ports, upload, () => stringSource(upload.file, xmlOf(file)), clock, noWait);
      expect(result.kind).toBe('done');
    };
    // Vendor 1's A0 on Monday, vendor 2's A0 (B1) on Tuesday: the same four children, both approved.
    await imported(fileOf(V1, CLUB1, 0, MONDAY));
    await imported(fileOf(V2, CLUB2, 1, TUESDAY));

    // Vendor 1 moves A0 to Tuesday, onto B1; its judge step reads the week, then is slow to write.
    const moved = uploadOf(V1);
    await registerUpload(register.ports, moved, clock);
    await applyFile(register.ports, moved, stringSource(moved.file, xmlOf(fileOf(V1, CLUB1, 0, TUESDAY))), clock);
    const slow = pausedBeforeVerdicts(register.ports);
    const judging = judgeUpload(slow.ports, moved, clock);
    await slow.paused;
    // Meanwhile vendor 2's whole import moves B1 to Thursday (no overlap any more).
    await imported(fileOf(V2, CLUB2, 1, THURSDAY));
    slow.release();
    await judging;
    await totalUpload(register.ports, moved);
    await finishUpload(register.ports, moved, clock);

    // The slow judge wrote B1's verdict of Tuesday, though B1 is on Thursday now.
    const stale = await a0(register, V2, CLUB2);
    expect(stale.date).toBe('2026-11-12');
    expect(stale.verdict?.date).toBe('2026-11-10');

    const report = await reconcileClubs(register.ports, clock, CLUBS);
    expect(correctedVerdicts(report)).toBeGreaterThan(0);
    const fixed = await a0(register, V2, CLUB2);
    expect(fixed.verdict).toMatchObject({ date: '2026-11-12', verdict: { verdict: 'approved' } });
    expect((await a0(register, V1, CLUB1)).verdict).toMatchObject({ date: '2026-11-10', verdict: { verdict: 'approved' } });
    // Judging everything again now changes nothing; a second night corrects nothing more.
    const everything = { activities: [V1, V2].flatMap((vendor, i) => [{ vendor, club: CLUBS[i]!, id: 'A0' }]), persons: [] };
    expect((await rejudge(register.ports, everything, TODAY)).written).toBe(0);
    expect((await reconcileClubs(register.ports, clock, CLUBS)).corrected).toEqual([]);
    register.dispose();
  }, 60_000);
});
