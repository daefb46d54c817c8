import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coldStart, functionBundles } from '../../infra/aws/bundles';
import type { FunctionFolder } from '../../infra/aws/needs';
import { synthesize } from '../support/synth';

let bundles: Record<FunctionFolder, string>;

beforeAll(() => {
  // The example config in a folder whose templates/ overrides a message, as an organisation's would.
  const folder = mkdtempSync(join(tmpdir(), 'bundle-config-'));
  copyFileSync('config/organisation.yaml', join(folder, 'organisation.yaml'));
  mkdirSync(join(folder, 'templates'));
  writeFileSync(join(folder, 'templates', 'update.subject.txt'), 'Update on {{field.incident}}');
  const { app, stack } = synthesize({ bundle: true, configPath: join(folder, 'organisation.yaml') });
  bundles = functionBundles(app, stack);
}, 120_000);

describe('bundles', () => {
  it('each function bundle carries the organisation config and its template overrides beside its code', () => {
    for (const [folder, dir] of Object.entries(bundles)) {
      expect(existsSync(join(dir, 'index.mjs')), folder).toBe(true);
      expect(readFileSync(join(dir, 'organisation.yaml'), 'utf8'), folder).toContain('organisation: Example Corp');
      expect(readFileSync(join(dir, 'templates', 'update.subject.txt'), 'utf8'), folder).toBe('Update on {{field.incident}}');
    }
  });

  it('a bundle loads in a fresh Node process with nothing but its folder, and validates its config at cold start', () => {
    // On Lambda the config is /var/task/organisation.yaml; here, the same file in the bundle folder.
    for (const folder of ['http-api', 'send-update'] as const) {
      const dir = bundles[folder];

      expect(coldStart(join(dir, 'index.mjs'), join(dir, 'organisation.yaml')).hasHandler, folder).toBe(true);
    }
  });

  it('a bundle given a broken config fails its cold start, naming the file and the problem', () => {
    const path = join(tmpdir(), `bundle-bad-config-${process.pid}.yaml`);
    writeFileSync(path, 'organisation: Example\n');

    expect(() => coldStart(join(bundles['page-mim'], 'index.mjs'), path)).toThrow(`${path} is not a valid organisation config`);
  });

  it('minified bundles keep the error names that the workflow Retry/Catch match', () => {
    const code = readFileSync(join(bundles['page-mim'], 'index.mjs'), 'utf8');

    expect(code).toContain('"TransientError"');
  });
});
