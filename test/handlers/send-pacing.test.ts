import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { withInvocation } from '../../functions/adapters/invocation';
import { Notifier } from '../../functions/adapters/notifier';
import type { Channel, OrganisationConfig, Person } from '../../functions/core/config';
import type { Notice } from '../../functions/core/messages';
import { appContext } from '../../functions/services/app';
import { loopbackSes } from '../support/loopback-ses';
import { useSandbox } from '../support/sandbox';

useSandbox();

const notice: Notice = {
  template: 'update',
  subject: 'Update',
  heading: 'Update',
  intro: 'Work continues.',
  fields: [],
  actions: [],
  sms: 'Update',
};

function readers(n: number, tag: string) {
  return Array.from({ length: n }, (_, i): { person: Person; channels: Channel[]; notice: Notice } => ({
    person: { id: `${tag}${i}`, name: `Reader ${i}`, email: `${tag}${i}@example.com` },
    channels: ['email'],
    notice,
  }));
}

/** The app's wiring with another account send rate, and SES at the test's own endpoint. */
function notifierAt(ses: Awaited<ReturnType<typeof loopbackSes>>, sesMaxSendRate: number) {
  const { store, config } = appContext();
  const paced: OrganisationConfig = { ...config, aws: { ...config.aws, sesMaxSendRate } };
  return new Notifier(ses.client(), new SNSClient({}), store, paced);
}

const counts = (list: string[]) => [...new Set(list.map((x) => list.filter((y) => y === x).length))];

describe("email within the account's SES send rate", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('a round larger than a second of the rate goes out paced: each recipient once, none failed, never above the rate', async () => {
    const ses = await loopbackSes({ rate: 10 });
    close = ses.close;
    const recipients = readers(35, 'paced');

    const deliveries = await notifierAt(ses, 10).send({ id: 'INC-20261127-PACE01' }, 'update#1', recipients);

    const addresses = ses.accepted.map((a) => a.address);
    expect(addresses.sort()).toEqual(recipients.map((r) => r.person.email).sort());
    expect(counts(addresses)).toEqual([1]);
    expect(deliveries.filter((d) => !d.ok)).toEqual([]);
    expect(ses.peakPerSecond()).toBeLessThanOrEqual(10);
    // No call asks for more than a second of the rate.
    expect(Math.max(...ses.requests.map((r) => r.BulkEmailEntries.length))).toBeLessThanOrEqual(10);
    const timeline = await appContext().store.timeline('INC-20261127-PACE01');
    expect(timeline.filter((e) => e.kind === 'notification-failed')).toEqual([]);
  }, 30_000);

  it('destinations throttled because another sender shares the rate wait and go again, and none is failed', async () => {
    // The account allows 10 a second, but this process believes 40: SES throttles most of each call.
    const ses = await loopbackSes({ rate: 10 });
    close = ses.close;
    const recipients = readers(40, 'shared');

    const deliveries = await notifierAt(ses, 40).send({ id: 'INC-20261127-PACE02' }, 'update#1', recipients);

    expect(ses.throttled()).toBeGreaterThan(0);
    expect(ses.accepted.map((a) => a.address).sort()).toEqual(recipients.map((r) => r.person.email).sort());
    expect(deliveries.every((d) => d.ok)).toBe(true);
    expect(ses.peakPerSecond()).toBeLessThanOrEqual(10);
  }, 30_000);

  it('an invocation that nears its timeout while SES throttles stops with DeliveryIncomplete, leaving the rest unsent and claimable', async () => {
    const ses = await loopbackSes({ rate: 0 });
    close = ses.close;
    const { store } = appContext();
    const recipients = readers(3, 'late');
    // Time for the first call; then less than the margin before the timeout.
    let asked = 0;
    const closing = { getRemainingTimeInMillis: () => (++asked <= 2 ? 60_000 : 5_000) };

    const stopped = await withInvocation(closing, () =>
      notifierAt(ses, 10).send({ id: 'INC-20261127-PACE03' }, 'update#1', recipients),
    ).catch((e: Error) => e);

    expect((stopped as Error).name).toBe('DeliveryIncomplete');
    expect((stopped as Error).message).toMatch(/SES throttled 3 email destinations until time ran short/);
    expect(ses.accepted).toEqual([]);
    expect(ses.requests.length).toBeGreaterThan(0);
    expect(await store.deliveryLedger('INC-20261127-PACE03', 'update#1')).toEqual(new Map());
    expect((await store.timeline('INC-20261127-PACE03')).filter((e) => e.kind === 'notification-failed')).toEqual([]);

    // The workflow's retry, once SES accepts again, sends each of them once.
    const open = await loopbackSes();
    const retry = await notifierAt(open, 10).send({ id: 'INC-20261127-PACE03' }, 'update#1', recipients);
    await open.close();
    expect(retry.map((d) => d.ok)).toEqual([true, true, true]);
    expect(open.accepted.map((a) => a.address).sort()).toEqual(recipients.map((r) => r.person.email).sort());
  });
});
