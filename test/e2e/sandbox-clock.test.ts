import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const exec = promisify(execFile);
const stateFile = join(tmpdir(), `sandbox-clock-${process.pid}.json`);
// The CLI finds this sandbox, not one a developer may be running, through its own state file. The
// instant is years from any date the suite runs on (CI runs it under faketime too), so that a part
// that read the process's clock instead of the sandbox's would show.
const env = { ...process.env, MIM_SANDBOX_FILE: stateFile, MIM_API_URL: '' };
// The example with Carol covering that day: the CLI, given no --config, reads the sandbox's.
const configFile = join(tmpdir(), `sandbox-clock-${process.pid}.yaml`);
writeFileSync(
  configFile,
  readFileSync('config/organisation.yaml', 'utf8').replace(
    /^  overrides:\n/m,
    '  overrides:\n    - { level: On-call MIM, person: carol, from: "2031-07-15 09:00", until: "2031-07-16 09:00", note: "sandbox config" }\n',
  ),
);

let sandbox: ChildProcess;
let banner = '';

async function mim(...args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, ['bin/mim.mjs', ...args], { timeout: 30_000, env });
  return stdout;
}

beforeAll(async () => {
  // Six ports (API to Cognito) below Linux's ephemeral range (32768 and up), where every port-0
  // listener of the other test files lands.
  const port = randomInt(20_000, 32_000 - 6);
  sandbox = spawn(
    'node_modules/.bin/tsx',
    ['infra/local/main.ts', '--memory', '--port', String(port), '--at', '2031-07-15 12:34', '--config', configFile],
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
    expect(banner).toMatch(/Clock +Tue 2031-07-15 12:3\d GMT\+1 \(started with --at; real time runs on from there\)/);
  });

  it('runs the whole system from that instant and its config, and the CLI agrees with it', async () => {
    const oncall = await mim('oncall');
    const declared = await mim('declare', '--service', 'payments', '--title', 'Clock check', '--by', 'irene');
    const id = /(INC-\d{8}-[0-9A-F]{6}) opened/.exec(declared)?.[1];
    const shown = await mim('--tz', 'UTC', 'show', id!);

    // Alice holds the rotation in the week of 14 July 2031 (alice, bob, carol weekly from 5 January
    // 2026); the sandbox's config has Carol cover for her that day.
    expect(oncall).toMatch(
      /^On call at 12:3\d GMT\+1, Tue 15 Jul \(Europe\/London\):\n +1\. On-call MIM +Carol Chen .*covering for Alice Adams/,
    );
    expect(id).toMatch(/^INC-20310715-/);
    expect(shown).toMatch(/\n +11:3\d UTC, Tue 15 Jul +declared +Declared by irene: Clock check/);
    await expect
      .poll(() => mim('--tz', 'UTC', 'show', id!), { timeout: 20_000, interval: 500 })
      .toMatch(/11:3\d UTC, Tue 15 Jul +paged +Paged On-call MIM \(Carol Chen\)/);
  });

  it("stamps an alarm the CLI raises, and the mail it sends, with the sandbox's time", async () => {
    const { urls } = JSON.parse(readFileSync(stateFile, 'utf8')) as { urls: { api: string; ses: string } };

    await mim('alarm', 'checkout-5xx', 'Checkout 5xx above 5%');
    const alarmed = await vi.waitFor(
      async () => {
        const { incidents } = (await (await fetch(`${urls.api}/incidents?status=all`)).json()) as {
          incidents: Array<{ alarm?: { alarmName: string; at: string } }>;
        };
        const found = incidents.find((i) => i.alarm?.alarmName === 'checkout-5xx');
        if (!found) throw new Error('no incident for the alarm yet');
        return found;
      },
      { timeout: 20_000, interval: 200 },
    );
    const { emails } = (await (await fetch(`${urls.ses}/store`)).json()) as { emails: Array<{ at: number }> };

    expect(alarmed.alarm!.at).toMatch(/^2031-07-15T11:3\d/);
    expect(emails.length).toBeGreaterThan(0);
    for (const email of emails) expect(new Date(email.at * 1000).toISOString()).toMatch(/^2031-07-15T11:3\d/);
  });
});
