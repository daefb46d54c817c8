import { beforeAll, describe, expect, it } from 'vitest';
import { reviewNag, type NagReview } from '../../infra/aws/nag';
import { synthesize } from '../support/synth';

let review: NagReview;

beforeAll(() => {
  review = reviewNag(synthesize().app);
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
