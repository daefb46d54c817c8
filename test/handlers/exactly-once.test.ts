import { SendBulkEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ses } from '../../functions/adapters/clients';
import { withInvocation } from '../../functions/adapters/invocation';
import type { Channel, Person } from '../../functions/core/config';
import type { Notice } from '../../functions/core/messages';
import { appContext } from '../../functions/services/app';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

/** A notice whose subject and SMS carry a mark of their own, so a test counts only its own messages. */
function notice(): { mark: string; notice: Notice } {
  const mark = `X-${randomBytes(4).toString('hex')}`;
  return {
    mark,
    notice: {
      template: 'update',
      subject: `Update ${mark}`,
      heading: 'Update',
      intro: 'Work continues.',
      fields: [],
      actions: [],
      sms: `Update ${mark}`,
    },
  };
}

function everyone(n: number, message: Notice, channels: Channel[] = ['email', 'sms']) {
  return Array.from({ length: n }, (_, i): { person: Person; channels: Channel[]; notice: Notice } => {
    // Distinct people, as a large audience would be.
    const person = {
      id: `p${i}`,
      name: `Person ${i}`,
      email: `person${i}@example.com`,
      phone: `+4477009${String(i).padStart(5, '0')}`,
    };
    return { person, channels, notice: message };
  });
}

async function sent(mark: string) {
  const emails = (await driver().emails()).filter((e) => e.subject.includes(mark)).flatMap((e) => e.to);
  const sms = sandbox()
    .sns.outbox.filter((m) => m.message.includes(mark))
    .map((m) => m.phoneNumber);
  return { emails, sms };
}

const counts = (list: string[]) => [...new Set(list.map((x) => list.filter((y) => y === x).length))];

describe('every (incident, message, recipient, channel) goes out exactly once', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it('a step that runs again sends nothing twice', async () => {
    const { notifier } = appContext();
    const { mark, notice: message } = notice();
    const recipients = everyone(60, message);

    const first = await notifier.send({ id: 'INC-20261127-AAAAAA' }, 'update#1', recipients);
    const again = await notifier.send({ id: 'INC-20261127-AAAAAA' }, 'update#1', recipients);

    const { emails, sms } = await sent(mark);
    expect(first.filter((d) => d.ok)).toHaveLength(120);
    // The second run sends nothing; it reports what the first sent, as the ledger shows it.
    expect(again.filter((d) => !d.earlier)).toEqual([]);
    expect(again.filter((d) => d.earlier && d.ok)).toHaveLength(120);
    expect(emails).toHaveLength(60);
    expect(sms).toHaveLength(60);
    expect(counts([...emails, ...sms])).toEqual([1]);
  });

  it('what an attempt claimed but never sent (it crashed in between) is sent by the retry, once', async () => {
    const { notifier, store } = appContext();
    const { mark, notice: message } = notice();
    const recipients = everyone(3, message, ['email']);
    // The crashed attempt's claims, exactly as it wrote them before it died; its invocation's time is up.
    await store.claimDeliveries(
      'INC-20261127-BBBBBB',
      'update#1',
      { owner: 'crashed-attempt', until: new Date(Date.now() - 1_000) },
      recipients.map((r) => ({ slot: `${r.person.id}:email` })),
    );

    const retry = await notifier.send({ id: 'INC-20261127-BBBBBB' }, 'update#1', recipients);
    const later = await notifier.send({ id: 'INC-20261127-BBBBBB' }, 'update#1', recipients);

    expect(retry.map((d) => d.ok)).toEqual([true, true, true]);
    expect(later.filter((d) => !d.earlier)).toEqual([]);
    expect((await sent(mark)).emails.sort()).toEqual(['person0@example.com', 'person1@example.com', 'person2@example.com']);
  });

  it('an attempt near its timeout stops between batches, and the retry sends only the rest', async () => {
    const { notifier } = appContext();
    const { mark, notice: message } = notice();
    const recipients = everyone(120, message, ['email']);
    // Plenty of time for the round's deadline and the first two batches, then less than the margin.
    let asked = 0;
    const closing = { getRemainingTimeInMillis: () => (++asked <= 3 ? 60_000 : 5_000) };

    const stopped = await withInvocation(closing, () =>
      notifier.send({ id: 'INC-20261127-CCCCCC' }, 'update#1', recipients),
    ).catch((e: Error) => e);
    const before = (await sent(mark)).emails.length;
    const retry = await notifier.send({ id: 'INC-20261127-CCCCCC' }, 'update#1', recipients);

    const { emails } = await sent(mark);
    expect((stopped as Error).name).toBe('DeliveryIncomplete');
    expect((stopped as Error).message).toMatch(/1 of 3 email batches left; the retry sends them/);
    expect(before).toBe(100);
    expect(retry.filter((d) => !d.earlier)).toHaveLength(20);
    expect(emails).toHaveLength(120);
    expect(counts(emails)).toEqual([1]);
  });

  it('destinations SES throttled inside a bulk call are tried again, and only they', async () => {
    const { notifier } = appContext();
    const { notice: message } = notice();
    const recipients = everyone(4, message, ['email']);
    // The local SES never throttles single destinations, so that answer is injected on the client.
    const mock = mockClient(ses);
    restore = () => mock.restore();
    mock
      .on(SendBulkEmailCommand)
      .resolvesOnce({
        BulkEmailEntryResults: [
          { Status: 'SUCCESS', MessageId: 'm0' },
          { Status: 'ACCOUNT_THROTTLED', Error: 'Maximum sending rate exceeded.' },
          { Status: 'SUCCESS', MessageId: 'm2' },
          { Status: 'TRANSIENT_FAILURE', Error: 'Try again.' },
        ],
      })
      .resolves({
        BulkEmailEntryResults: [
          { Status: 'SUCCESS', MessageId: 'm1' },
          { Status: 'SUCCESS', MessageId: 'm3' },
        ],
      });

    const deliveries = await notifier.send({ id: 'INC-20261127-DDDDDD' }, 'update#1', recipients);

    const calls = mock
      .commandCalls(SendBulkEmailCommand)
      .map((c) => c.args[0].input.BulkEmailEntries!.map((e) => e.Destination!.ToAddresses![0]));
    expect(calls).toEqual([
      ['person0@example.com', 'person1@example.com', 'person2@example.com', 'person3@example.com'],
      ['person1@example.com', 'person3@example.com'],
    ]);
    expect(deliveries.every((d) => d.ok)).toBe(true);
  });

  it('a destination SES rejects for good is released, recorded, and tried by SMS; the rest of the batch counts as sent', async () => {
    const { notifier, store } = appContext();
    const { mark, notice: message } = notice();
    const recipients = everyone(3, message, ['email']);
    const mock = mockClient(ses);
    restore = () => mock.restore();
    mock.on(SendBulkEmailCommand).resolves({
      BulkEmailEntryResults: [
        { Status: 'SUCCESS', MessageId: 'm0' },
        { Status: 'MESSAGE_REJECTED', Error: 'Email address is on the suppression list.' },
        { Status: 'SUCCESS', MessageId: 'm2' },
      ],
    });

    const deliveries = await notifier.send({ id: 'INC-20261127-EEEEEE' }, 'update#1', recipients);

    expect(
      deliveries.map((d) => `${d.recipient} ${d.channel} ${d.ok ? 'ok' : 'failed'}${d.fallback ? ' (fallback)' : ''}`),
    ).toEqual([
      `${recipients[0]!.person.id} email ok`,
      `${recipients[1]!.person.id} email failed`,
      `${recipients[2]!.person.id} email ok`,
      `${recipients[1]!.person.id} sms ok (fallback)`,
    ]);
    expect((await sent(mark)).sms).toEqual([recipients[1]!.person.phone]);
    const ledger = await store.deliveryLedger('INC-20261127-EEEEEE', 'update#1');
    expect(ledger.has(`${recipients[1]!.person.id}:email`)).toBe(false);
    const timeline = await store.timeline('INC-20261127-EEEEEE');
    expect(timeline.map((e) => e.summary)).toEqual([
      `email to ${recipients[1]!.person.name} failed: MESSAGE_REJECTED: Email address is on the suppression list.`,
    ]);
  });

  describe('a slot claimed by an earlier attempt that may still be running', () => {
    const claimedBy = async (
      id: string,
      holder: { owner: string; until: Date; process?: string },
      people: Array<{ person: Person }>,
    ) =>
      appContext().store.claimDeliveries(
        id,
        'update#1',
        holder,
        people.map((r) => ({ slot: `${r.person.id}:email` })),
      );

    it('is not sent by the retry, which reports it once the running attempt settles it', async () => {
      const { notifier, store } = appContext();
      const { mark, notice: message } = notice();
      const recipients = everyone(4, message, ['email']);
      const held = recipients.slice(0, 2);
      await claimedBy('INC-20261127-HELD01', { owner: 'running', until: new Date(Date.now() + 20_000) }, held);

      const retry = notifier.send({ id: 'INC-20261127-HELD01' }, 'update#1', recipients);
      // The running attempt finishes its send while the retry watches.
      await new Promise((done) => setTimeout(done, 300));
      await store.settleDeliveries(
        'INC-20261127-HELD01',
        'update#1',
        held.map((r) => ({ slot: `${r.person.id}:email`, messageId: 'sent-by-the-running-attempt' })),
        [],
      );
      const deliveries = await retry;

      expect((await sent(mark)).emails.sort()).toEqual(['person2@example.com', 'person3@example.com']);
      expect(deliveries.filter((d) => d.earlier).map((d) => d.recipient)).toEqual(['p0', 'p1']);
      expect(deliveries.filter((d) => !d.earlier).map((d) => d.recipient)).toEqual(['p2', 'p3']);
    });

    it('is sent by the retry, once, when the deadline of the attempt that claimed it passes unsettled', async () => {
      const { notifier } = appContext();
      const { mark, notice: message } = notice();
      const recipients = everyone(2, message, ['email']);
      const started = Date.now();
      await claimedBy('INC-20261127-HELD02', { owner: 'died-quietly', until: new Date(started + 1_500) }, recipients);

      const deliveries = await notifier.send({ id: 'INC-20261127-HELD02' }, 'update#1', recipients);

      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(deliveries.map((d) => `${d.recipient} ${d.ok}`)).toEqual(['p0 true', 'p1 true']);
      expect((await sent(mark)).emails.sort()).toEqual(['person0@example.com', 'person1@example.com']);
    });

    it('makes a retry short of time send everything else and stop with DeliveryIncomplete, naming the deadline', async () => {
      const { notifier } = appContext();
      const { mark, notice: message } = notice();
      const recipients = everyone(3, message, ['email']);
      const until = new Date(Date.now() + 60_000);
      await claimedBy('INC-20261127-HELD03', { owner: 'running', until }, recipients.slice(0, 1));
      const shortOfTime = { getRemainingTimeInMillis: () => 10_500 };

      const stopped = await withInvocation(shortOfTime, () =>
        notifier.send({ id: 'INC-20261127-HELD03' }, 'update#1', recipients),
      ).catch((e: Error) => e);

      expect((stopped as Error).name).toBe('DeliveryIncomplete');
      expect((stopped as Error).message).toBe(
        `1 deliveries of update#1 for INC-20261127-HELD03 are claimed by an earlier attempt that may still be sending them until ${until.toISOString()}; the retry sends those it did not`,
      );
      expect((await sent(mark)).emails.sort()).toEqual(['person1@example.com', 'person2@example.com']);
    });

    it('is taken over at once when the sandbox has started again since, as its process is gone', async () => {
      const { notifier } = appContext();
      const { mark, notice: message } = notice();
      const recipients = everyone(2, message, ['email']);
      // Claimed by the sandbox's process before this one (a crash), its deadline a minute ahead.
      await claimedBy(
        'INC-20261127-HELD04',
        { owner: 'crashed', until: new Date(Date.now() + 60_000), process: 'before-the-crash' },
        recipients,
      );

      const started = Date.now();
      const deliveries = await notifier.send({ id: 'INC-20261127-HELD04' }, 'update#1', recipients);

      expect(Date.now() - started).toBeLessThan(1_000);
      expect(deliveries.map((d) => `${d.recipient} ${d.ok}`)).toEqual(['p0 true', 'p1 true']);
      expect((await sent(mark)).emails).toHaveLength(2);
    });
  });
});
