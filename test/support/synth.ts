import { Template } from 'aws-cdk-lib/assertions';
import { buildStack } from '../../infra/aws/bundles';
import type { MajorIncidentStack } from '../../infra/aws/stack';

/** The stack as `cdk synth` builds it, and its template for assertions. */
export function synthesize(options: Parameters<typeof buildStack>[0] = {}) {
  const { app, stack } = buildStack(options);
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
