import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../support/synth';

interface Acknowledgment {
  path: string;
  id: string;
  reason: string;
}

function acknowledgments(root: IConstruct): Acknowledgment[] {
  return root.node.findAll().flatMap((node) =>
    node.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: node.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

let synth: ReturnType<typeof synthesize>;

beforeAll(() => {
  synth = synthesize({ bundle: false });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no finding that is not acknowledged', () => {
    const report = new AwsSolutionsChecks(synth.app).validateScope(synth.app);

    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  });

  it('every acknowledgment names one exact finding that occurs, with a reason a reviewer can weigh', () => {
    const acks = acknowledgments(synth.app);
    const used = new Set<string>();
    const pack = new AwsSolutionsChecks(synth.app);
    // Which acknowledgment silenced each finding: the nearest one up the tree, as cdk-nag looks.
    Object.defineProperty(pack, 'isAcknowledged', {
      value: (resource: IConstruct, ruleId: string) => {
        for (let node: IConstruct | undefined = resource; node; node = node.node.scope) {
          const hit = acks.find((a) => a.path === node!.node.path && a.id === ruleId);
          if (hit) {
            used.add(`${hit.path} ${hit.id}`);
            return true;
          }
        }
        return false;
      },
    });

    pack.validateScope(synth.app);

    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(40);
      expect(used.has(`${ack.path} ${ack.id}`), `${ack.id} at ${ack.path} silences nothing`).toBe(true);
    }
  });
});
