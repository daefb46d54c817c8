import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionBundles } from '../../infra/aws/bundles';
import type { FunctionFolder } from '../../infra/aws/needs';
import { synthesize } from '../support/synth';

let bundles: Record<FunctionFolder, string>;

beforeAll(() => {
  const { app, stack } = synthesize({ bundle: true });
  bundles = functionBundles(app, stack);
}, 120_000);

/** Loads a bundle in a fresh Node process, as a Lambda cold start does, and reports what it exports. */
function coldStart(dir: string): string {
  return execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); console.log(typeof m.handler)`,
    ],
    {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        TABLE_NAME: 'major-incidents',
        PUBLIC_URL: 'https://api.example.com',
        STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:x',
        // On Lambda the config is /var/task/organisation.yaml; here, the same file in the bundle folder.
        MIM_CONFIG_PATH: join(dir, 'organisation.yaml'),
      },
      encoding: 'utf8',
    },
  ).trim();
}

describe('bundles', () => {
  it('each function bundle carries the organisation config beside its code', () => {
    for (const [folder, dir] of Object.entries(bundles)) {
      expect(existsSync(join(dir, 'index.mjs')), folder).toBe(true);
      expect(readFileSync(join(dir, 'organisation.yaml'), 'utf8'), folder).toContain('organisation: Example Corp');
    }
  });

  it('a bundle loads in a fresh Node process with nothing but its folder, and validates its config at cold start', () => {
    expect(coldStart(bundles['http-api'])).toBe('function');
    expect(coldStart(bundles['send-update'])).toBe('function');
  });

  it('minified bundles keep the error names that the workflow Retry/Catch match', () => {
    const code = readFileSync(join(bundles['page-mim'], 'index.mjs'), 'utf8');

    expect(code).toContain('"TransientError"');
  });
});
