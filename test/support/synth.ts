import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MajorIncidentStack, type MajorIncidentStackProps } from '../../infra/aws/stack';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const PLACEHOLDER_ENV = { account: '123456789012', region: 'eu-west-1' };

/**
 * Builds the deployable stack in-process. Bundling the sixteen functions with esbuild takes seconds,
 * so tests that only read the template skip it (`bundle: false`); the bundle test keeps it.
 */
export function synthesize({ bundle = false, ...props }: Partial<MajorIncidentStackProps> & { bundle?: boolean } = {}) {
  const app = new App({
    context: bundle ? { 'aws:cdk:enable-asset-metadata': true } : { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new MajorIncidentStack(app, 'MajorIncident-test', {
    configPath: join(ROOT, 'config/organisation.yaml'),
    env: PLACEHOLDER_ENV,
    ...props,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

type Json = unknown;

/** The logical id of the resource at `path` below the construct (for Ref / Fn::GetAtt comparisons). */
export function logicalId(stack: MajorIncidentStack, child: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(child.node.defaultChild as never);
}

export function ref(id: string): Json {
  return { Ref: id };
}

export function arnOf(id: string): Json {
  return { 'Fn::GetAtt': [id, 'Arn'] };
}
