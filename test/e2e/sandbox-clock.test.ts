import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const stateFile = join(tmpdir(), `sandbox-clock-${process.pid}.json`);
// The CLI finds this sandbox, not one a developer may be running, through its own state file.
const env = { ...process.env, MIM_SANDBOX_FILE: stateFile, MIM_API_URL: '' };

let sandbox: ChildProcess;
let banner = '';

async function mim(...args: string[]): Promise<string> {
  const { stdout } = await exec('node_modules/.bin/tsx', ['cli/mim.ts', ...args], { timeout: 30_000, env });
  return stdout;
}

beforeAll(async () => {
  const port = randomInt(20_000, 40_000);
  sandbox = spawn(
    'node_modules/.bin/tsx',
    ['infra/local/main.ts', '--memory', '--port', String(port), '--at', '2027-03-28 00:55'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`the sandbox did not start: ${banner}`)), 45_000);
    sandbox.stdout!.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('Ctrl-C stops the sandbox')) {
        clearTimeout(timer);
        ready();
      }
    });
    sandbox.stderr!.on('data', (chunk: Buffer) => (banner += chunk.toString()));
    sandbox.once('exit', (code) => fail(new Error(`the sandbox exited (${code}): ${banner}`)));
  });
}, 60_000);

afterAll(() => {
  sandbox?.kill('SIGTERM');
});

describe('a sandbox started at another instant (npm start -- --at)', () => {
  it('says which instant its clock runs from', () => {
    expect(banner).toMatch(/Clock +Sun 2027-03-28 00:5\d GMT \(started with --at; real time runs on from there\)/);
  });

  it('runs the whole system from that instant, and the CLI agrees with it', async () => {
    const oncall = await mim('oncall');
    const declared = await mim('declare', '--service', 'payments', '--title', 'Clock check', '--by', 'irene');
    const id = /(INC-\d{8}-[0-9A-F]{6}) opened/.exec(declared)?.[1];
    const shown = await mim('--tz', 'UTC', 'show', id!);

    // Alice holds the rotation in the week of 22 March 2027 (alice, bob, carol weekly from 5 January 2026).
    expect(oncall).toMatch(/^On call at 00:5\d GMT, Sun 28 Mar \(Europe\/London\):\n +1\. On-call MIM +Alice Adams/);
    expect(id).toMatch(/^INC-20270328-/);
    expect(shown).toMatch(/\n +00:5\d UTC, Sun 28 Mar +declared +Declared by irene: Clock check/);
    await expect
      .poll(() => mim('--tz', 'UTC', 'show', id!), { timeout: 20_000, interval: 500 })
      .toMatch(/00:5\d UTC, Sun 28 Mar +paged +Paged On-call MIM \(Alice Adams\)/);
  });
});
