import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../functions/core/config';
import { MajorIncidentStack } from './stack';

/*
 * The CDK app (cdk.json runs it). The stage comes from context (`-c stage=prod`, default "dev");
 * each stage names its organisation config in cdk.json's "stages", so one YAML file drives both the
 * stack and the functions. cdk-nag's AwsSolutions pack checks every synthesis.
 */
const stageSettings = z.strictObject({
  config: z.string().min(1, 'config: the path of the organisation YAML for this stage'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'account: a 12-digit AWS account id')
    .optional(),
  region: z.string().min(1).optional(),
  deletionProtection: z.boolean().optional(),
});

/** A mistake in how the app was called: said plainly, without a stack trace. */
function fail(message: string): never {
  console.error(`cdk app: ${message}`);
  process.exit(1);
}

const app = new App();
const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
const stage = context('stage') ?? 'dev';
const stages = z.record(z.string(), stageSettings).safeParse(app.node.tryGetContext('stages') ?? {});
if (!stages.success) {
  fail(`cdk.json "stages" is not valid: ${stages.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}
const settings =
  stages.data[stage] ??
  fail(`no stage "${stage}" in cdk.json "stages"; use -c stage=<one of: ${Object.keys(stages.data).join(', ')}>`);

try {
  const stack = new MajorIncidentStack(app, `MajorIncident-${stage}`, {
    description: `Major incident management (${stage})`,
    configPath: resolve(context('config') ?? settings.config),
    ...(settings.deletionProtection === undefined ? {} : { deletionProtection: settings.deletionProtection }),
    // -c account=/region= (npm run synth passes placeholders), else the stage's, else the CLI's from
    // your credentials. The stack makes no lookups, so it synthesizes offline.
    env: {
      account: context('account') ?? settings.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: context('region') ?? settings.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });
  Tags.of(stack).add('application', 'major-incident-management');
  Tags.of(stack).add('stage', stage);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
