import type { App } from 'aws-cdk-lib';
import { join } from 'node:path';
import type { FunctionFolder } from './needs';
import type { MajorIncidentStack } from './stack';

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
      if (!path) throw new Error(`no bundled asset recorded for ${folder}; synthesize with bundling on`);
      return [folder, join(assembly.directory, path)];
    }),
  ) as Record<FunctionFolder, string>;
}
