import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);

/** `cdk synth` as a person runs it, into a throwaway output folder. */
async function synth(...context: string[]): Promise<{ code: number; stderr: string }> {
  const args = ['synth', '--quiet', '--no-notices', '-o', join(tmpdir(), `cdk-out-${process.pid}`)];
  try {
    await exec('node_modules/.bin/cdk', [...args, ...context.flatMap((c) => ['-c', c])], { timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('the CDK app, called wrongly', () => {
  it('an unknown stage names the stages there are', async () => {
    const result = await synth('stage=staging');

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cdk app: no stage "staging" in cdk.json "stages"; use -c stage=<one of: dev, prod>');
  });

  it('a createSenderIdentity other than true or false is refused before anything is built', async () => {
    const result = await synth('createSenderIdentity=no');

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cdk app: -c createSenderIdentity=no: expected true or false');
  });

  it('a config that is not valid stops synthesis with the file and each problem', async () => {
    const path = join(tmpdir(), `bad-cdk-config-${process.pid}.yaml`);
    writeFileSync(path, 'organisation: Example\ntimeZone: Mars/Olympus\n');

    const result = await synth(`config=${path}`);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`cdk app: ${path} is not a valid organisation config:`);
    expect(result.stderr).toContain('timeZone: expected an IANA time zone such as Europe/London or America/New_York');
  });
});
