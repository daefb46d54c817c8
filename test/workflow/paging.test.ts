import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../functions/core/sms';
import { act, declare, finished } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver } = useSandbox();

describe('workflow: classification and paging', () => {
  it('an alarm below the criteria is handed to the normal queue and the owner is told why', async () => {
    await driver().raiseAlarm('reporting-lag', 'Reporting pipeline lag above 1 h');
    const incident = await driver().waitFor('the reporting incident', async () =>
      (await driver().openIncidents()).find((i) => i.service === 'reporting'),
    );

    const execution = await finished(driver(), incident.id);

    expect(execution.status).toBe('SUCCEEDED');
    expect(await driver().statePath(incident.id)).toEqual(['Classify', 'RouteByVerdict', 'HandOffMinor', 'HandedOff']);
    expect((await driver().incident(incident.id)).incident.status).toBe('handed-off');
    const notice = await driver().waitForEmail('grace@example.com', /handled as a normal incident/);
    expect(notice.text).toContain('minor: P3 is below the major-incident criteria');
  });

  it("an SMS page is sent as transactional, with the organisation's sender id", async () => {
    const id = await declare(driver(), { title: 'Checkout down' });
    await driver().waitForTimeline(id, 'paged');

    const sms = await driver().waitFor('the SMS page', async () =>
      driver().sandbox.sns.outbox.find((m) => m.message.includes(id)),
    );

    expect(sms.attributes).toEqual({ 'AWS.SNS.SMS.SMSType': 'Transactional', 'AWS.SNS.SMS.SenderID': 'MIM-DESK' });
  });

  it('an SMS page for a long alarm description with an emoji keeps it (UCS-2), within three segments, and ends with its whole link', async () => {
    const description = `🔥 Checkout “5xx” above 5% — ${'customers cannot pay in any region, retries failing; '.repeat(8)}`;
    await driver().raiseAlarm('checkout-5xx', description);
    const incident = await driver().waitFor('the checkout incident', async () =>
      (await driver().openIncidents()).find((i) => i.service === 'checkout'),
    );

    const sms = await driver().waitFor('its SMS page', async () =>
      driver().sandbox.sns.outbox.find((m) => m.message.includes(incident.id)),
    );

    expect(smsSegments(sms.message)).toMatchObject({ count: 3, encoding: 'UCS-2' });
    expect(sms.message).toContain('🔥 Checkout "5xx" above 5% - customers cannot pay');
    expect(sms.message).toMatch(new RegExp(`\\.\\.\\. accept: ${driver().sandbox.urls.api}/a/[A-Za-z0-9_-]{27}$`));
  });

  it('a rejected candidate is downgraded and the reporter is told why', async () => {
    const id = await declare(driver(), { impact: 'high', urgency: 'medium', by: 'irene', title: 'Slow refunds' });
    await driver().waitForTimeline(id, 'paged');

    const answer = await act(driver(), id, 'reject', 'bob', { reason: 'Refunds are slow but working; the payments team has it' });
    const execution = await finished(driver(), id);

    expect(answer.status).toBe(202);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await driver().statePath(id)).toEqual([
      'Classify',
      'RouteByVerdict',
      'PageMim',
      'AwaitAcknowledgement',
      'TakeAnswer',
      'RouteAnswer',
      'DowngradeCandidate',
      'Downgraded',
    ]);
    const told = await driver().waitForEmail('irene@example.com', /not a major incident/);
    expect(told.text).toContain(
      'Bob Brown decided it is not a major incident: Refunds are slow but working; the payments team has it.',
    );
  });

  it('an accept and a reject at the same moment: one is done, the other is told who answered first and when', async () => {
    const id = await declare(driver(), { impact: 'high', urgency: 'medium', by: 'irene', title: 'Refunds slow, maybe major' });
    await driver().waitForTimeline(id, 'paged');

    const answers = await Promise.all([
      act(driver(), id, 'accept', 'carol'),
      act(driver(), id, 'reject', 'dave', { reason: 'Not major: refunds only' }),
    ]);

    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const lost = answers.find((a) => a.status === 409)!;
    expect(lost.body.message).toMatch(new RegExp(`^(Carol Chen accepted|Dave Dixon rejected) ${id} first, at \\d\\d:\\d\\d`));
  });

  it('six accepts at once: one is done, five are told who accepted first', async () => {
    const id = await declare(driver(), { title: 'Everyone answers' });
    await driver().waitForTimeline(id, 'paged');

    const answers = await Promise.all(
      ['alice', 'bob', 'carol', 'dave', 'erin', 'henry'].map((p) => act(driver(), id, 'accept', p)),
    );

    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(5);
  });

  it('a major incident cannot be rejected, only accepted', async () => {
    const id = await declare(driver());
    await driver().waitForTimeline(id, 'paged');

    const answer = await act(driver(), id, 'reject', 'bob', { reason: 'not me' });

    expect(answer.status).toBe(409);
    expect(answer.body.message).toBe(
      `${id} meets the agreed criteria of a major incident (P1); it can be accepted, not rejected`,
    );
  });

  it('with no answer in the window the next level is paged, and an acceptance names the MIM and tells the audiences', async () => {
    const id = await declare(driver());
    await driver().waitForTimeline(id, 'escalated');
    const page = await driver().waitForEmail('dave@example.com', new RegExp(`${id}.*please accept`));

    await driver().pressButton(driver().linkIn(page, 'Accept as MIM'), {});
    await driver().waitForTimeline(id, 'notice-sent');

    expect((await driver().statePath(id)).slice(0, 10)).toEqual([
      'Classify',
      'RouteByVerdict',
      'PageMim',
      'AwaitAcknowledgement',
      'Escalate',
      'PageMim',
      'AwaitAcknowledgement',
      'TakeAnswer',
      'RouteAnswer',
      'Mobilise',
    ]);
    const { incident } = await driver().incident(id);
    expect(incident.mim?.name).toBe('Dave Dixon');
    const notice = await driver().waitForEmail('henry@example.com', new RegExp(`${id}`));
    expect(notice.text).toContain('Dave Dixon is leading the response. Next update at');
    expect(notice.text).toContain('Bridge: https://meet.example.com/major-incident, dial +44 20 7946 0000, PIN 271828#');
    // Henry reads times in New York's zone, standard or daylight time as the day falls.
    expect(notice.text).toMatch(/Next update: \d\d:\d\d E[SD]T/);
  });
});
