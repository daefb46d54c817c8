import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { SandboxDriver } from '../../infra/local/driver';
import { ROOT, type Sandbox, startSandbox } from '../../infra/local/sandbox';
import { readDefinition } from '../../workflows/definition';

export const FAST_CONFIG = join(ROOT, 'test/fixtures/fast.yaml');

/** Starts one sandbox for the test file (in memory, free ports) and stops it afterwards. */
export function useSandbox(configPath = FAST_CONFIG): { sandbox: () => Sandbox; driver: () => SandboxDriver } {
  let sandbox: Sandbox | undefined;
  let driver: SandboxDriver | undefined;
  beforeAll(async () => {
    // Retries of failed steps pause 50 ms instead of seconds.
    sandbox = await startSandbox({ configPath, retryIntervalOverrides: retryOverrides() });
    driver = new SandboxDriver(sandbox);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });
  return { sandbox: () => sandbox!, driver: () => driver! };
}

function retryOverrides(): Record<string, number> {
  const states = JSON.parse(readDefinition()).States as Record<string, { Retry?: unknown }>;
  return Object.fromEntries(
    Object.keys(states)
      .filter((name) => states[name]!.Retry)
      .map((name) => [name, 50]),
  );
}
