import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface Acknowledgment {
  /** The construct the acknowledgment sits on. */
  path: string;
  /** The finding it silences, as cdk-nag names it: AwsSolutions-IAM5[Resource::*]. */
  id: string;
  reason: string;
  /** The resources whose findings it silenced in this run. */
  silenced: string[];
}

export interface NagReview {
  /** Findings nobody acknowledged: each fails synthesis. */
  open: Array<{ id: string; path: string; description: string }>;
  acknowledged: Acknowledgment[];
}

/**
 * Runs cdk-nag's AwsSolutions pack over a construct tree and says, for every acknowledgment, which
 * findings it silenced, so that one silencing nothing (stale, or naming its finding wrongly) shows.
 */
export function reviewNag(root: IConstruct): NagReview {
  const acknowledged: Acknowledgment[] = root.node.findAll().flatMap((node) =>
    node.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: node.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
          silenced: [],
        })),
      ),
  );
  const pack = new AwsSolutionsChecks(root);
  // The nearest acknowledgment up the tree silences a finding, as cdk-nag itself looks.
  Object.defineProperty(pack, 'isAcknowledged', {
    value: (resource: IConstruct, ruleId: string) => {
      for (let node: IConstruct | undefined = resource; node; node = node.node.scope) {
        const hit = acknowledged.find((a) => a.path === node!.node.path && a.id === ruleId);
        if (hit) {
          hit.silenced.push(resource.node.path);
          return true;
        }
      }
      return false;
    },
  });
  const report = pack.validateScope(root);
  return {
    open: report.violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '(stack)', description: v.description })),
    ),
    acknowledged,
  };
}
