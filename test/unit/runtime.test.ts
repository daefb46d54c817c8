import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// runtime() caches per process, as a Lambda cold start does; each test loads a fresh module.
async function freshRuntime() {
  vi.resetModules();
  return (await import('../../functions/adapters/runtime')).runtime;
}

describe('runtime settings, read once at cold start', () => {
  beforeEach(() => {
    process.env.TABLE_NAME = 'major-incidents';
    process.env.PUBLIC_URL = 'https://api.example.com/';
    delete process.env.MIM_CONFIG_PATH;
  });

  it('reads the environment and the organisation config', async () => {
    const runtime = await freshRuntime();

    expect(runtime()).toMatchObject({
      tableName: 'major-incidents',
      publicUrl: 'https://api.example.com',
      linkTtlSeconds: 86400,
    });
    expect(runtime().config.organisation).toBe('Example Corp');
  });

  it('a missing setting is named, with what it should be', async () => {
    delete process.env.TABLE_NAME;
    const runtime = await freshRuntime();

    expect(() => runtime()).toThrow(/^invalid environment: TABLE_NAME: /);
  });

  it('a malformed setting is named, with what it should be', async () => {
    process.env.PUBLIC_URL = 'api.example.com';
    const runtime = await freshRuntime();

    expect(() => runtime()).toThrow(/^invalid environment: PUBLIC_URL: PUBLIC_URL must be the HTTP API base URL/);
  });

  it('a bad config file fails the cold start with the file and the problem', async () => {
    const path = join(tmpdir(), `bad-${process.pid}.yaml`);
    writeFileSync(path, 'organisation: x\n');
    process.env.MIM_CONFIG_PATH = path;
    const runtime = await freshRuntime();

    expect(() => runtime()).toThrow(`${path} is not a valid organisation config:`);
  });
});
