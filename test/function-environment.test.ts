import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENV, LOCAL_ENV, optionalEnv, requiredEnv } from '../functions/commons/environment.js';
import { coldStart } from './support/cloud.js';

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("the functions' environment (functions/commons/environment.ts)", () => {
  it('a function deployed without a variable it needs fails at cold start, naming the variable', async () => {
    delete process.env[ENV.bucket];
    const env = {
      [ENV.importStateMachineArn]: 'arn:aws:states:eu-north-1:111111111111:stateMachine:import',
      AWS_REGION: 'eu-north-1',
      POWERTOOLS_TRACE_ENABLED: 'false',
    };
    await expect(coldStart(env, { start: 'start-upload' })).rejects.toThrow(
      `environment variable ${ENV.bucket} is not set`,
    );
  });

  it('an empty variable counts as unset; an optional one reads as undefined', () => {
    process.env[ENV.registerTable] = '';
    expect(() => requiredEnv(ENV.registerTable)).toThrow(`environment variable ${ENV.registerTable} is not set`);
    process.env[LOCAL_ENV.sfnEndpoint] = '';
    expect(optionalEnv(LOCAL_ENV.sfnEndpoint)).toBeUndefined();
    process.env[ENV.registerTable] = 'register';
    expect(requiredEnv(ENV.registerTable)).toBe('register');
  });
});

describe("the functions' SDK clients (functions/commons/clients.ts)", () => {
  it('are built once per cold start, at first use, pointed at the endpoint the environment names', async () => {
    process.env[LOCAL_ENV.sfnEndpoint] = 'http://127.0.0.1:8083';
    process.env.AWS_REGION = 'eu-north-1';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    vi.resetModules();
    const clients = await import('../functions/commons/clients.js');
    const sfn = clients.sfn();
    expect(clients.sfn()).toBe(sfn);
    expect(await sfn.config.endpoint!()).toMatchObject({ hostname: '127.0.0.1', port: 8083 });
    // Another cold start (modules loaded afresh) builds its own.
    vi.resetModules();
    expect((await import('../functions/commons/clients.js')).sfn()).not.toBe(sfn);
  });
});
