import { SendBulkEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterEach, describe, expect, it } from 'vitest';
import { act, declare } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Pages wait ten minutes: nothing moves on its own while a test looks.
const { driver, sandbox } = useSandbox(fastConfigWith('local-ses', { rota: { ackWindow: '10m' } }));

function bulkTo(...addresses: string[]) {
  return new SESv2Client({}).send(
    new SendBulkEmailCommand({
      FromEmailAddress: 'mim@example.com',
      DefaultContent: { Template: { TemplateContent: { Subject: 'Paused?', Text: 'Hello' }, TemplateData: '{}' } },
      BulkEmailEntries: addresses.map((a) => ({ Destination: { ToAddresses: [a] } })),
    }),
  );
}

describe('the local SES, as the account sees it', () => {
  afterEach(() => driver().emailSending(true));

  it("while the account's sending is paused, every destination is refused when sent and nothing goes; resumed, mail goes again", async () => {
    const before = (await driver().emails()).length;

    await driver().emailSending(false);
    const paused = await bulkTo('alice@example.com', 'bob@example.com');
    await driver().emailSending(true);
    const resumed = await bulkTo('alice@example.com');

    expect(paused.BulkEmailEntryResults!.map((r) => r.Status)).toEqual(['ACCOUNT_SENDING_PAUSED', 'ACCOUNT_SENDING_PAUSED']);
    expect(resumed.BulkEmailEntryResults!.map((r) => r.Status)).toEqual(['SUCCESS']);
    expect((await driver().emails()).length).toBe(before + 1);
  });

  it('a notice refused at sending goes by SMS to those who have a phone, and the refusal is on the timeline', async () => {
    const id = await declare(driver(), { impact: 'high', urgency: 'medium', by: 'irene', title: 'Refunds slow' });
    await driver().waitForTimeline(id, 'paged');
    const smsBefore = sandbox().sns.outbox.length;

    await driver().emailSending(false);
    await act(driver(), id, 'reject', 'dave', { reason: 'Slow but working' });
    await driver().waitForTimeline(id, 'downgraded');

    // Frank owns payments and Irene declared it: both have phones; the service desk has none.
    const texted = sandbox()
      .sns.outbox.slice(smsBefore)
      .filter((m) => m.message.includes(id))
      .map((m) => m.phoneNumber);
    expect(texted.sort()).toEqual(expect.arrayContaining(['+447700900106', '+447700900108']));
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'notification-failed').map((e) => e.summary)).toContainEqual(
      expect.stringMatching(
        /^email to .*Frank Fisher.* failed: ACCOUNT_SENDING_PAUSED: Email sending is paused for this account\.$/,
      ),
    );
  });
});
