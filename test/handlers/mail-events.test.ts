import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it, vi } from 'vitest';
import { smsSegments } from '../../functions/core/sms';
import { appContext } from '../../functions/services/app';
import { activeIncident } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Grace (a stakeholder of payments, told by email) and Henry (leadership, told by email and SMS) read
// their mail at SES's mailbox simulator.
const config = fastConfigWith('mail-events', {
  people: {
    grace: { email: 'bounce@simulator.amazonses.com', phone: '+447700900107' },
    henry: { email: 'complaint@simulator.amazonses.com' },
  },
  cadence: { P1: '1h', P2: '1h' },
});
const { driver, sandbox } = useSandbox(config);

const mailEventsFor = (address: string) =>
  sandbox().sns.published.filter(
    (p) => p.topicArn === sandbox().mailEventsTopicArn && p.event.Records[0]!.Sns.Message.includes(address),
  );

describe('bounces and complaints reach the incident', () => {
  it('an email that bounces is on the timeline once, and the person is texted instead, once, however often SNS delivers the event', async () => {
    const id = await activeIncident(driver());
    const line = await driver().waitFor('the bounce on the timeline', async () =>
      (await driver().incident(id)).timeline.find((e) => e.kind === 'notification-failed' && e.summary.includes('Grace Green')),
    );
    const texted = await driver().waitFor('the SMS in place of the email', async () =>
      sandbox().sns.outbox.find((m) => m.phoneNumber === '+447700900107' && m.message.includes('could not be delivered')),
    );

    const [bounce] = mailEventsFor('bounce@simulator.amazonses.com');
    await sandbox().sns.redeliver(bounce!.event.Records[0]!.Sns.MessageId);
    await sandbox().sns.redeliver(bounce!.event.Records[0]!.Sns.MessageId);

    const timeline = (await driver().incident(id)).timeline.filter(
      (e) => e.kind === 'notification-failed' && e.summary.includes('Grace Green'),
    );
    expect(timeline).toEqual([line]);
    expect(line).toMatchObject({
      channel: 'email',
      summary: 'email to Grace Green bounced (Permanent: General; smtp; 550 5.1.1 user unknown)',
      detail: { key: 'initial', recipients: ['grace'], sesEvent: 'Bounce' },
    });
    const sms = sandbox().sns.outbox.filter((m) => m.phoneNumber === '+447700900107');
    expect(sms).toEqual([texted]);
    expect(texted.message).toMatch(new RegExp(`^${id}: an email to you could not be delivered: "\\[P1 MAJOR\\] ${id}`));
    expect(smsSegments(texted.message).count).toBeLessThanOrEqual(2);
    // The email itself went, and the mail viewer shows it through the simulator in front of it.
    expect((await driver().emails()).some((e) => e.to.includes('bounce@simulator.amazonses.com'))).toBe(true);
    expect((await fetch(sandbox().urls.mailViewer)).status).toBe(200);
  });

  it('an attempt that crashed after writing the timeline is finished by the redelivery: the SMS goes once, the entry stays one', async () => {
    const { notifier } = appContext();
    const textInstead = notifier.textInstead.bind(notifier);
    // Earlier incidents' events may still arrive: the crash is the first attempt for a new incident's bounce.
    const earlier = new Set((await driver().openIncidents()).map((i) => i.id));
    let crashed: string | undefined;
    const crash = vi.spyOn(notifier, 'textInstead').mockImplementation(async (incident, key, person, notice) => {
      if (crashed === undefined && person.id === 'grace' && !earlier.has(incident.id)) {
        crashed = incident.id;
        throw new Error('the function crashed');
      }
      return textInstead(incident, key, person, notice);
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const id = await activeIncident(driver());
      await driver().waitFor('the crashed attempt', async () => crashed === id || undefined);
      const texts = () => sandbox().sns.outbox.filter((m) => m.phoneNumber === '+447700900107' && m.message.startsWith(`${id}:`));
      expect(texts()).toEqual([]);

      const [bounce] = mailEventsFor('bounce@simulator.amazonses.com').filter((p) =>
        p.event.Records[0]!.Sns.Message.includes(id),
      );
      await sandbox().sns.redeliver(bounce!.event.Records[0]!.Sns.MessageId);

      expect(texts()).toHaveLength(1);
      const lines = (await driver().incident(id)).timeline.filter(
        (e) => e.kind === 'notification-failed' && e.summary.includes('Grace Green'),
      );
      expect(lines).toHaveLength(1);
    } finally {
      crash.mockRestore();
      errors.mockRestore();
    }
  });

  it('a complaint about a message that already reached the person by SMS is recorded, and no SMS goes in its place', async () => {
    const id = await activeIncident(driver());
    const complaint = await driver().waitFor('the complaint on the timeline', async () =>
      (await driver().incident(id)).timeline.find((e) => e.kind === 'notification-failed' && e.summary.includes('Henry Hill')),
    );
    const [event] = mailEventsFor('complaint@simulator.amazonses.com').filter((p) =>
      p.event.Records[0]!.Sns.Message.includes(id),
    );
    await sandbox().sns.redeliver(event!.event.Records[0]!.Sns.MessageId);

    expect(complaint.summary).toBe("email to Henry Hill was reported as spam by the recipient's mail provider (abuse)");
    const henry = sandbox().sns.outbox.filter((m) => m.phoneNumber === '+12025550107' && m.message.includes(id));
    expect(henry.map((m) => m.message.includes('could not be delivered'))).toEqual([false]);
  });

  it('a mail event that is not one of ours is kept for inspection and not retried', async () => {
    const sns = new SNSClient({});
    const untagged = JSON.stringify({
      eventType: 'Bounce',
      mail: { messageId: 'not-ours-1', destination: ['someone@example.com'], tags: { 'ses:configuration-set': ['mim-mail'] } },
      bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'someone@example.com' }] },
    });

    for (const message of ['not an SES event', untagged]) {
      await sns.send(new PublishCommand({ TopicArn: sandbox().mailEventsTopicArn, Message: message }));
    }

    const day = sandbox().clock.now().toISOString().slice(0, 10);
    const kept = await driver().waitFor('both in quarantine', async () => {
      const all = (await appContext().store.quarantined(day)).filter((q) => /not an SES event|not-ours-1/.test(q.raw));
      return all.length === 2 ? all : undefined;
    });
    expect(kept.map((q) => q.error).sort()).toEqual([
      'email not-ours-1 carries no incident and message tags of this system',
      'not JSON',
    ]);
  });
});
