import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../functions/core/config';
import { NotReady } from '../../functions/core/readiness';
import { flag, StageError, stageStack } from './stages';

/*
 * The CDK app (cdk.json runs it): the stack of one stage (infra/aws/stages.ts says how a stage is
 * chosen and configured). cdk-nag's AwsSolutions pack checks every synthesis.
 */

/** A mistake in how the app was called: said plainly, without a stack trace. */
function fail(message: string): never {
  console.error(`cdk app: ${message}`);
  process.exit(1);
}

const app = new App();
try {
  // -c bundle=false: the template without bundling the functions, for checks that read the template
  // only (the test suite's synthesis; its bundle test bundles them itself). Deploys always bundle.
  if (flag(app, 'bundle') === false) app.node.setContext('aws:cdk:bundling-stacks', []);
  stageStack(app);
} catch (error) {
  if (error instanceof StageError || error instanceof ConfigError || error instanceof NotReady) fail(error.message);
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
