import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll } from 'vitest';
import { readOrganisation } from '../../functions/adapters/config-file';
import { whoIsOnCall } from '../../functions/core/roster';
import { SandboxDriver } from '../../infra/local/driver';
import { ROOT, type Sandbox, type SandboxOptions, startSandbox } from '../../infra/local/sandbox';
import { readDefinition } from '../../workflows/definition';

export const FAST_CONFIG = join(ROOT, 'test/fixtures/fast.yaml');

type Settings = { [key: string]: string | number | boolean | string[] | Settings | Settings[] };

function merge(into: Record<string, unknown>, changes: Settings): Record<string, unknown> {
  for (const [key, value] of Object.entries(changes)) {
    const current = into[key];
    // A list stays a list: its items are changed by index ({ levels: { 1: { ackWindow: '1s' } } }).
    const copy = Array.isArray(current) ? [...(current as unknown[])] : { ...(current as Record<string, unknown>) };
    // A list given whole replaces the one there.
    into[key] = typeof value === 'object' && !Array.isArray(value) ? merge(copy as Record<string, unknown>, value) : value;
  }
  return into;
}

/**
 * The fast test config with some settings changed, written to a file of its own: a test that needs
 * nothing to move on its own gives pages or updates long windows, for example. An item of a list is
 * changed by its index.
 */
export function fastConfigWith(name: string, changes: Settings): string {
  const path = join(tmpdir(), `${name}-${process.pid}.yaml`);
  writeFileSync(path, stringify(merge(parse(readFileSync(FAST_CONFIG, 'utf8')) as Record<string, unknown>, changes)));
  return path;
}

/**
 * The first instant, from the rota's start, at which `person` holds the first escalation level of a
 * config's rota: for a test that needs to know who is paged, rather than whoever is on call today.
 */
export function whenOnCall(person: string, configPath = FAST_CONFIG): Date {
  const config = readOrganisation(configPath);
  const start = Date.parse('2026-01-05T12:00:00Z');
  for (let day = 0; day < 366; day += 1) {
    const at = new Date(start + day * 86_400_000);
    if (whoIsOnCall(config, at)[0]!.people.some((p) => p.id === person)) return at;
  }
  throw new Error(`${person} is never on call at the first level of ${configPath}`);
}

/**
 * Starts one sandbox for the test file (in memory, free ports) and stops it afterwards. Its clock is
 * the process's (any day the suite runs on), unless the test says `at`: then it runs from that instant.
 */
export function useSandbox(
  configPath = FAST_CONFIG,
  options: Pick<SandboxOptions, 'at' | 'region' | 'virtualTime' | 'mfaRoles'> = {},
): { sandbox: () => Sandbox; driver: () => SandboxDriver } {
  let sandbox: Sandbox | undefined;
  let driver: SandboxDriver | undefined;
  beforeAll(async () => {
    // Retries of failed steps pause 50 ms instead of seconds.
    sandbox = await startSandbox({ configPath, retryIntervalOverrides: retryOverrides(), ...options });
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
