import { App } from 'aws-cdk-lib';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionFolder } from './needs';
import { MajorIncidentStack, type MajorIncidentStackProps } from './stack';
import { stageStack } from './stages';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The account and region `npm run synth`, the tests and the bench synthesize for: no AWS is reached. */
export const PLACEHOLDER_ENV = { account: '123456789012', region: 'eu-west-1' };

/**
 * Builds the deployable stack in-process, as `cdk synth` would. Bundling the sixteen functions with
 * esbuild takes seconds, so readers of the template alone skip it (`bundle: false`).
 */
export function buildStack({ bundle = false, ...props }: Partial<MajorIncidentStackProps> & { bundle?: boolean } = {}) {
  const app = appWithContext(bundle);
  const stack = new MajorIncidentStack(app, 'MajorIncident-dev', {
    configPath: join(ROOT, 'config/organisation.yaml'),
    env: PLACEHOLDER_ENV,
    ...props,
  });
  return { app, stack };
}

/**
 * The CDK app as `npm run synth -- -c key=value ...` runs it (infra/aws/app.ts), in-process: `context`
 * holds what the -c options would (strings, as the CLI passes them) or what overrides cdk.json.
 */
export function buildStageStack(context: Record<string, unknown> = {}) {
  const app = appWithContext(false, { account: PLACEHOLDER_ENV.account, region: PLACEHOLDER_ENV.region, ...context });
  return { app, stack: stageStack(app) };
}

/** cdk.json's context (its feature flags above all), as the CLI gives it to the app. */
function appWithContext(bundle: boolean, extra: Record<string, unknown> = {}): App {
  const { context } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return new App({
    context: {
      ...context,
      ...extra,
      ...(bundle ? { 'aws:cdk:enable-asset-metadata': true } : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
}

/** Each function's bundled asset folder in the synthesized cloud assembly (what `cdk deploy` uploads). */
export function functionBundles(app: App, stack: MajorIncidentStack): Record<FunctionFolder, string> {
  const assembly = app.synth();
  const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<
    string,
    { Metadata?: Record<string, string> }
  >;
  return Object.fromEntries(
    Object.entries(stack.system.functions).map(([folder, fn]) => {
      const id = stack.getLogicalId(fn.node.defaultChild as never);
      const path = resources[id]?.Metadata?.['aws:asset:path'];
      if (!path) throw new Error(`no bundled asset recorded for ${folder}; build the stack with bundling on`);
      return [folder, join(assembly.directory, path)];
    }),
  ) as Record<FunctionFolder, string>;
}

/**
 * Imports a handler module in a fresh Node process with the environment a Lambda cold start has
 * (placeholder values; no AWS is called at import), and says how long the import took (Node's own
 * start-up excluded) and whether it exports a handler function.
 */
export function coldStart(file: string, configPath: string): { ms: number; hasHandler: boolean } {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(file)}); console.log(JSON.stringify({ ms: performance.now() - t, hasHandler: typeof m.handler === 'function' }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: PLACEHOLDER_ENV.region,
      TABLE_NAME: 'major-incidents',
      PUBLIC_URL: 'https://api.example.com',
      COGNITO_USER_POOL_ID: `${PLACEHOLDER_ENV.region}_example`,
      COGNITO_CLIENT_ID: 'example',
      COGNITO_ISSUER: `https://cognito-idp.${PLACEHOLDER_ENV.region}.amazonaws.com/${PLACEHOLDER_ENV.region}_example`,
      STATE_MACHINE_ARN: `arn:aws:states:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.account}:stateMachine:workflow`,
      MIM_CONFIG_PATH: configPath,
    },
    encoding: 'utf8',
    // Kept, not printed: a failed cold start's error carries its stderr.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim()) as { ms: number; hasHandler: boolean };
}
