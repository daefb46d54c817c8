import type { Context, SNSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { lambdaContext } from '../../infra/local/lambda-context';
import { snsEvent } from '../../infra/local/sns-server';
import { act } from '../support/incidents';
import { FAST_CONFIG, useSandbox } from '../support/sandbox';

// A tier-1 service for each case, so that no case finds another's incident.
const SERVICES = ['payments', 'checkout', 'billing', 'search'] as const;
type Service = (typeof SERVICES)[number];
const config = join(tmpdir(), `intake-recovery-${process.pid}.yaml`);
const fast = parse(readFileSync(FAST_CONFIG, 'utf8')) as { services: unknown[] };
fast.services.push(...['billing', 'search'].map((name) => ({ name, tier: 1, owner: 'frank', alarms: [`${name}-*`] })));
writeFileSync(config, stringify(fast));
const { driver, sandbox } = useSandbox(config);

type Intake = (event: SNSEvent, context: Context) => Promise<Array<{ incidentId?: string; outcome: string }>>;
const intake = async () => (await import('../../functions/intake-alarm/handler')).handler as unknown as Intake;

const ok = (name: string) =>
  snsEvent(
    sandbox().intakeTopicArn,
    randomUUID(),
    JSON.stringify({
      AlarmName: name,
      NewStateValue: 'OK',
      NewStateReason: 'Threshold no longer crossed',
      StateChangeTime: sandbox().clock.now().toISOString(),
      // The account and region the driver's alarms fire in: with the name, they say which alarm this is.
      Region: 'EU (Ireland)',
      AWSAccountId: '123456789012',
    }),
  );

/** An incident opened by two alarms of one service, led by Dave. */
async function ledIncident(service: Service): Promise<string> {
  await driver().raiseAlarm(`${service}-5xx`, `${service} 5xx above 5%`);
  await driver().raiseAlarm(`${service}-latency`, `${service} p99 above 2 s`);
  const { id } = await driver().waitFor(`the ${service} incident`, async () =>
    (await driver().openIncidents()).find((i) => i.service === service),
  );
  await driver().waitForTimeline(id, 'alarm-grouped');
  await driver().waitForTimeline(id, 'paged');
  await act(driver(), id, 'accept', 'dave');
  await driver().waitForTimeline(id, 'accepted');
  return id;
}

describe('alarm intake: what the alarms of an open incident say after it opened', () => {
  it('an alarm with insufficient data is a monitoring gap on the timeline, and the MIM is told', async () => {
    const id = await ledIncident('payments');

    await driver().clearAlarm('payments-5xx', 'Insufficient Data: 3 datapoints were unknown.', 'INSUFFICIENT_DATA');

    const gap = await driver().waitForTimeline(id, 'monitoring-gap');
    expect(gap.summary).toBe(
      'payments-5xx has insufficient data: the monitoring may be blind (Insufficient Data: 3 datapoints were unknown.)',
    );
    await driver().waitForEmail('dave@example.com', new RegExp(`^Monitoring gap: .*${id}`));
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'alarm-cleared' || e.kind === 'alarms-recovered')).toEqual([]);
  });

  it('when the last alarm still in ALARM recovers, the timeline and the MIM are told once; the incident stays open', async () => {
    const id = await ledIncident('checkout');

    await driver().clearAlarm('checkout-5xx');
    await driver().waitForTimeline(id, 'alarm-cleared');
    const early = (await driver().incident(id)).timeline.filter((e) => e.kind === 'alarms-recovered');
    await driver().clearAlarm('checkout-latency');
    const recovered = await driver().waitForTimeline(id, 'alarms-recovered');

    expect(early).toEqual([]);
    expect(recovered.summary).toBe(
      'Every alarm of this incident has recovered (the last: checkout-latency); it stays open until the MIM resolves it',
    );
    await driver().waitForEmail('dave@example.com', new RegExp(`^Alarms recovered: .*${id}`));
    const { incident, timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'alarms-recovered')).toHaveLength(1);
    expect(incident.status).toBe('active');
  });

  it('two alarms recovering at the same moment: every alarm recovered is told once', async () => {
    const id = await ledIncident('billing');
    const handler = await intake();

    await Promise.all([
      handler(ok('billing-5xx'), lambdaContext('intake')),
      handler(ok('billing-latency'), lambdaContext('intake')),
    ]);

    await driver().waitForTimeline(id, 'alarms-recovered');
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'alarm-cleared')).toHaveLength(2);
    expect(timeline.filter((e) => e.kind === 'alarms-recovered')).toHaveLength(1);
  });

  it('an alarm after its incident was resolved opens an incident of its own, though it comes within the grouping window', async () => {
    const id = await ledIncident('search');
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back the release' });
    await driver().waitForTimeline(id, 'resolved');

    await driver().raiseAlarm('search-5xx', 'search 5xx above 5% again');

    const next = await driver().waitFor('a new search incident', async () =>
      (await driver().openIncidents()).find((i) => i.service === 'search' && i.id !== id),
    );
    await driver().waitForTimeline(next.id, 'paged');
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'alarm-received' || e.kind === 'alarm-grouped')).toHaveLength(2);
  });
});
