import { describe, expect, it } from 'vitest';
import { act } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver } = useSandbox();

/** An incident opened by two alarms of one service, led by Dave. */
async function ledIncident(service: 'payments' | 'checkout'): Promise<string> {
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
});
