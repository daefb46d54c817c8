import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewNag, type NagReview } from '../../infra/aws/nag';
import { synthesize } from '../support/synth';

let review: NagReview;

beforeAll(() => {
  // The example config with a scheduled drill, so that every kind of resource the stack can have is reviewed.
  const configPath = join(tmpdir(), `nag-${process.pid}.yaml`);
  writeFileSync(
    configPath,
    `${readFileSync('config/organisation.yaml', 'utf8')}\ndrills:\n  - { name: monthly, service: payments, on: first tuesday, at: "10:00", by: irene }\n`,
  );
  review = reviewNag(synthesize({ configPath }).app);
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no finding that is not acknowledged', () => {
    expect(review.open.map((f) => `${f.id} at ${f.path}`)).toEqual([]);
  });

  it('every acknowledgment names one exact finding that occurs, with a reason a reviewer can weigh', () => {
    expect(review.acknowledged.length).toBeGreaterThan(0);
    for (const ack of review.acknowledged) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(40);
      expect(ack.silenced, `${ack.id} at ${ack.path} silences nothing`).not.toEqual([]);
    }
  });
});
