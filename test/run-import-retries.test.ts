import { describe, expect, it } from 'vitest';
import { TransientError } from '../shared/core/errors/step-failures.js';
import type { Doc } from '../shared/core/pipeline/ports.js';
import { runImport, type RunResult } from '../shared/core/pipeline/run-import.js';
import { dynamoDbForFile } from './support/dynamodb.js';
import { interceptPorts } from './support/intercept.js';
import { clockAt, noWait, registerFor, uploadOf } from './support/pipeline.js';
import { stringSource } from './support/string-source.js';
import { activitySpec, clubFile, TODAY, xmlOf } from './support/world.js';

const VENDOR = 'v1';
const CLUB = '100001';
const FILE = clubFile(VENDOR, CLUB, [0, 2, 3], [activitySpec({ leaders: [0], participants: [2, 3] })]);

// Issue 17: the local runner retried every error while the state machine retries only transient ones. Both now
// classify a step's failure alike (`isTransient`, step-failures.ts): a permanent one fails the upload at once.
describe('runImport retries a step for a transient failure only, as the state machine does (DynamoDB Local)', () => {
  const db = dynamoDbForFile();

  /** Runs an upload whose judge step fails once, with `fault`, at its first write of verdicts. */
  async function judgeFailingOnce(fault: Error): Promise<{ result: RunResult; judgeAttempts: number; faults: number }> {
    const register = await registerFor(db.client, [VENDOR], [CLUB]);
    let faults = 0;
    let judgeAttempts = 0;
    const failing = interceptPorts(register.ports, async (call, proceed) => {
      if (
        faults === 0 &&
        call.port === 'store' &&
        call.method === 'write' &&
        (call.args[0] as Doc[]).some((d) => d.kind === 'verdict')
      ) {
        faults++;
        throw fault;
      }
      return proceed();
    });
    const upload = uploadOf(VENDOR, 'retries.xml');
    const result = await runImport(failing, upload, () => stringSource(upload.file, xmlOf(FILE)), clockAt(TODAY), {
      ...noWait,
      onStep: (e) => {
        if (e.step === 'judge' && e.outcome === 'start') judgeAttempts++;
      },
    });
    register.dispose();
    return { result, judgeAttempts, faults };
  }

  it('a permanent failure (a plain Error) is not tried again: the upload fails with IMPORT_FAILED', async () => {
    const { result, judgeAttempts, faults } = await judgeFailingOnce(new Error('a bug, not an outage'));
    expect(faults).toBe(1);
    expect(judgeAttempts).toBe(1);
    expect(result).toMatchObject({ kind: 'failed', error: 'Error' });
    expect(result.kind === 'failed' && result.receipt.errors.map((e) => e.code)).toEqual(['IMPORT_FAILED']);
  }, 60_000);

  it('a transient failure (TransientError, or an SDK error it names) is tried again: the upload is done', async () => {
    for (const fault of [
      new TransientError('an outage'),
      Object.assign(new Error('throttled'), { name: 'ThrottlingException' }),
    ]) {
      const { result, judgeAttempts, faults } = await judgeFailingOnce(fault);
      expect(faults).toBe(1);
      expect(judgeAttempts).toBe(2);
      expect(result.kind).toBe('done');
    }
  }, 60_000);
});
