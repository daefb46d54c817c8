import { SendBulkEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ses } from '../../functions/adapters/clients';
import { act, declare } from '../support/incidents';
import { FAST_CONFIG, useSandbox, whenOnCall } from '../support/sandbox';

// Bob's page is the one that fails: the sandbox runs in a week when he is the on-call MIM.
const { driver, sandbox } = useSandbox(FAST_CONFIG, { at: whenOnCall('bob') });

// The local SES cannot be made to throttle, so this fault is injected on the client itself.
const throttled = Object.assign(new Error('Maximum sending rate exceeded.'), {
  name: 'Throttling',
  $metadata: { httpStatusCode: 400 },
});

describe('workflow: a failing notification channel', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it('an email that cannot be sent is recorded on the timeline; the SMS still goes and the incident carries on', async () => {
    const mock = mockClient(ses);
    mock.on(SendBulkEmailCommand).rejects(throttled);
    restore = () => mock.restore();
    const smsBefore = sandbox().sns.outbox.length;

    const id = await declare(driver());
    await driver().waitForTimeline(id, 'paged');
    await act(driver(), id, 'accept', 'bob');
    await driver().waitForTimeline(id, 'notice-sent');

    const { incident, timeline } = await driver().incident(id);
    expect(incident.status).toBe('active');
    expect(timeline.filter((e) => e.kind === 'notification-failed').map((e) => e.summary)).toContain(
      'email to Bob Brown failed: Throttling: Maximum sending rate exceeded.',
    );
    expect(timeline.find((e) => e.kind === 'paged')?.summary).toMatch(/; reached 1 recipient\(s\) by sms, 1 failed$/);
    expect(
      sandbox()
        .sns.outbox.slice(smsBefore)
        .some((m) => m.message.startsWith(`MIM page P1 ${id}`)),
    ).toBe(true);
  });

  it('someone whom none of their channels reached gets the other one they have: an email-only notice goes by SMS', async () => {
    const id = await declare(driver(), { impact: 'high', urgency: 'medium', by: 'irene', title: 'Refunds slow' });
    await driver().waitForTimeline(id, 'paged');
    const mock = mockClient(ses);
    mock.on(SendBulkEmailCommand).rejects(throttled);
    restore = () => mock.restore();
    const smsBefore = sandbox().sns.outbox.length;

    await act(driver(), id, 'reject', 'bob', { reason: 'Slow but working' });
    await driver().waitForTimeline(id, 'downgraded');

    const sent = sandbox()
      .sns.outbox.slice(smsBefore)
      .filter((m) => m.message.includes(id));
    // Frank owns payments and Irene declared it: both have phones; the service desk has none.
    expect(sent.map((m) => m.phoneNumber).sort()).toEqual(expect.arrayContaining(['+447700900106', '+447700900108']));
    const { timeline } = await driver().incident(id);
    // One line for everyone the same failure missed.
    expect(timeline.filter((e) => e.kind === 'notification-failed').map((e) => e.summary)).toContainEqual(
      expect.stringMatching(/^email to (.+, )?Frank Fisher(, .+)? failed: Throttling: Maximum sending rate exceeded\.$/),
    );
    expect(timeline.find((e) => e.kind === 'downgraded')?.summary).toMatch(/by sms/);
  });
});
