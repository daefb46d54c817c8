import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);

async function mim(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return mimWith({}, ...args);
}

async function mimWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/mim.mjs', ...args], {
      timeout: 30_000,
      // No sandbox is found (its file does not exist): the deployed-stage part is only described.
      env: { ...process.env, MIM_SANDBOX_FILE: join(tmpdir(), 'no-sandbox.json'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('mim check: are we ready?', () => {
  it('the example config passes, and the command exits 0', async () => {
    const result = await mim('check', '--at', '2026-11-30 12:00');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Config: .*config\/organisation\.yaml\n/);
    expect(result.stdout).toContain('PASS  every rota slot covered');
    expect(result.stdout).toMatch(/^\d+ passed, 0 warning\(s\), 0 failure\(s\): ready$/m);
  });

  it('a failure exits 1, with the fix printed under it', async () => {
    // The example's Christmas cover given to the deputy, who then holds both levels.
    const config = join(tmpdir(), `check-double-${process.pid}.yaml`);
    writeFileSync(
      config,
      readFileSync('config/organisation.yaml', 'utf8').replace(
        '{ level: On-call MIM, person: bob,',
        '{ level: On-call MIM, person: dave,',
      ),
    );

    const result = await mim('check', '--config', config, '--at', '2026-11-30 12:00');

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL {2}nobody on call twice at once: .*dave holds On-call MIM and Deputy MIM\n {8}fix: /);
    expect(result.stdout).toMatch(/NOT ready$/m);
  });

  // Each failure the config alone can show, made by one change to the example: its message, and exit 1.
  const example = () => readFileSync('config/organisation.yaml', 'utf8');
  it.each([
    [
      'nobody on call twice at once',
      (c: string) => c.replace('{ level: On-call MIM, person: bob,', '{ level: On-call MIM, person: dave,'),
    ],
    [
      'escalation reaches someone else',
      (c: string) =>
        c.replace(/\n {4}- name: Deputy MIM\n {6}people: \[dave\]\n {4}- name: Head of Operations\n {6}people: \[erin\]/, ''),
    ],
    [
      'every major priority has an audience',
      (c: string) =>
        c.replaceAll('priorities: [P1, P2]', 'priorities: [P2]').replace('priorities: [P1, P2, P3, P4]', 'priorities: [P3]'),
    ],
  ])('%s: a config that fails it exits 1 with its message', async (check, change) => {
    const path = join(tmpdir(), `check-${check.replaceAll(' ', '-')}-${process.pid}.yaml`);
    writeFileSync(path, change(example()));

    const result = await mim('check', '--config', path, '--at', '2026-11-30 12:00');

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  ${check}: `);
  });

  it('a config that does not load is a failure of its own, each problem with where it is', async () => {
    const path = join(tmpdir(), `check-broken-${process.pid}.yaml`);
    writeFileSync(path, 'organisation: Broken\n');

    const result = await mim('check', '--config', path);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  ${path} loads: people: `);
    expect(result.stdout).toContain('0 passed, 0 warning(s)');
  });

  it('--json gives the verdict and every finding, for a pipeline', async () => {
    const result = await mim('check', '--json', '--at', '2026-11-30 12:00');
    const answer = JSON.parse(result.stdout) as { ready: boolean; findings: Array<{ verdict: string; area: string }> };

    expect(answer.ready).toBe(true);
    expect(new Set(answer.findings.map((f) => f.area))).toEqual(new Set(['people and rota', 'policy']));
  });

  it('without --stack, the deployed stage is described, with the permissions its check needs', async () => {
    const result = await mim('check', '--at', '2026-11-30 12:00');

    expect(result.stdout).toMatch(
      /A deployed stage was not checked: with --stack <name> \(AWS credentials allowing ses:GetAccount, .*sns:GetSMSAttributes/,
    );
  });

  it('a stack that cannot be read is a failure saying how to name it, and exits 1', async () => {
    // An endpoint nothing listens on: the call fails at once, and nothing reaches AWS.
    const result = await mimWith(
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1' },
      'check',
      '--at',
      '2026-11-30 12:00',
      '--stack',
      'MajorIncident-prod',
      '--region',
      'eu-west-1',
    );

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Deployed stage\n {2}FAIL {2}stack MajorIncident-prod readable: /);
    expect(result.stdout).toContain('fix: name the stack as `cdk deploy` printed it');
  });

  it('a number of weeks that is not one is refused with what is expected', async () => {
    const result = await mim('check', '--weeks', '0');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('expected whole weeks from 1 to 52, such as 8');
  });
});
