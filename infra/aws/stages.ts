import { type App, Tags } from 'aws-cdk-lib';
import { resolve } from 'node:path';
import { z } from 'zod';
import { MajorIncidentStack } from './stack';

/*
 * What the CDK app deploys for a stage: the stage comes from context (`-c stage=prod`, default "dev");
 * each stage names its organisation config in cdk.json's "stages", so one YAML file drives both the
 * stack and the functions.
 */
const stageSettings = z.strictObject({
  config: z.string().min(1, 'config: the path of the organisation YAML for this stage'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'account: a 12-digit AWS account id')
    .optional(),
  region: z.string().min(1).optional(),
  deletionProtection: z.boolean().optional(),
  createSenderIdentity: z.boolean().optional(),
});

/** A mistake in how the app was called or in cdk.json's "stages": the message says what to change. */
export class StageError extends Error {
  override name = 'StageError';
}

/** A true/false context value: a boolean from cdk.json or an in-process App, the string "true"/"false" from `-c`. */
export function flag(app: App, key: string): boolean | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new StageError(`-c ${key}=${String(value)}: expected true or false`);
}

/** Adds the stack of the stage that the app's context names, with that stage's settings. */
export function stageStack(app: App): MajorIncidentStack {
  const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const stage = context('stage') ?? 'dev';
  const stages = z.record(z.string(), stageSettings).safeParse(app.node.tryGetContext('stages') ?? {});
  if (!stages.success) {
    throw new StageError(
      `cdk.json "stages" is not valid: ${stages.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const settings = stages.data[stage];
  if (!settings) {
    throw new StageError(
      `no stage "${stage}" in cdk.json "stages"; use -c stage=<one of: ${Object.keys(stages.data).join(', ')}>`,
    );
  }
  // -c wins over the stage's setting, as -c config= does over its config.
  const createSenderIdentity = flag(app, 'createSenderIdentity') ?? settings.createSenderIdentity;
  const stack = new MajorIncidentStack(app, `MajorIncident-${stage}`, {
    description: `Major incident management (${stage})`,
    configPath: resolve(context('config') ?? settings.config),
    ...(settings.deletionProtection === undefined ? {} : { deletionProtection: settings.deletionProtection }),
    ...(createSenderIdentity === undefined ? {} : { createSenderIdentity }),
    // -c account=/region= (npm run synth passes placeholders), else the stage's, else the CLI's from
    // your credentials. The stack makes no lookups, so it synthesizes offline.
    env: {
      account: context('account') ?? settings.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: context('region') ?? settings.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });
  Tags.of(stack).add('application', 'major-incident-management');
  Tags.of(stack).add('stage', stage);
  return stack;
}
