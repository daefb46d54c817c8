import { randomBytes } from 'node:crypto';
import { personById } from '../../functions/core/config';
import type { Notice } from '../../functions/core/messages';
import { appContext } from '../../functions/services/app';
import type { SandboxDriver } from '../../infra/local/driver';
import { act, declare, finished, UPDATE } from '../support/incidents';

/**
 * Drives every function of the system through each of its paths that reaches AWS: alarm intake
 * (grouped, malformed), classification to major, candidate and minor, paging without an answer and
 * escalation, accept, reject, updates posted and due, resolve, review reminders and submission, a
 * failing execution, an email that bounces (SES's mailbox simulator), and the management routes.
 * The least-privilege test records the AWS calls made along the way.
 */
export async function exerciseEverything(driver: SandboxDriver): Promise<void> {
  // Intake: a storm of two alarms for one service, a redelivery, and input that is not an alarm.
  await driver.raiseAlarm('payments-5xx', 'Payments API 5xx rate above 5%');
  await driver.raiseAlarm('payments-latency-p99', 'Payments p99 latency above 2 s');
  await driver.publishRaw('this is not an alarm');
  const alarmed = await driver.waitFor('the alarm incident', async () => (await driver.openIncidents())[0]?.id);

  // Paging: nobody answers the first page, the escalation is accepted by link.
  await driver.waitForTimeline(alarmed, 'escalated');
  const page = await driver.waitForEmail('dave@example.com', /please accept/);
  await driver.pressButton(driver.linkIn(page, 'Accept as MIM'), {});
  await driver.waitForTimeline(alarmed, 'notice-sent');

  // Active: an update posted just as its wait ended (the next wait takes it from the inbox and
  // signals itself), one falling due with nothing new, then resolution and review.
  const store = appContext().store;
  const wait = (await store.getWait(alarmed))!;
  await store.setWait(alarmed, { ...wait, token: randomBytes(48).toString('base64url') });
  await act(driver, alarmed, 'update', 'dave', UPDATE);
  await driver.waitForTimeline(alarmed, 'update-sent');
  await driver.waitForTimeline(alarmed, 'reminder-sent');
  // A handover: offered by the MIM, taken by the person offered it.
  await act(driver, alarmed, 'hand-over', 'dave', { to: 'erin', reason: 'End of shift.' });
  await driver.waitForTimeline(alarmed, 'handover-offered');
  await act(driver, alarmed, 'take-over', 'erin');
  await driver.waitForTimeline(alarmed, 'handed-over');
  await act(driver, alarmed, 'resolve', 'erin', { resolution: 'Rolled back.' });
  await driver.waitForTimeline(alarmed, 'review-reminder');
  await act(driver, alarmed, 'submit-review', 'erin', { summary: 'Bad deploy.', lessons: 'Canary deploys.' });
  await finished(driver, alarmed);

  // Mail events: an email SES bounces (its mailbox simulator) is recorded by record-mail-event, which
  // texts the person instead.
  const henry = { ...personById(appContext().config, 'henry'), email: 'bounce@simulator.amazonses.com' };
  const bounced: Notice = {
    template: 'update',
    subject: 'Bounce check',
    heading: '',
    intro: '',
    fields: [],
    actions: [],
    sms: '',
  };
  await appContext().notifier.send(alarmed, 'bounce-check', [{ person: henry, channels: ['email'], notice: bounced }]);
  await driver.waitFor('the SMS in place of the bounced email', async () =>
    driver.sandbox.sns.outbox.find((m) => m.phoneNumber === henry.phone && m.message.includes('could not be delivered')),
  );

  // A candidate the MIM rejects, and a minor incident handed to the service desk.
  const candidate = await declare(driver, { impact: 'medium', urgency: 'high', title: 'Slow checkout' });
  await driver.waitForTimeline(candidate, 'paged');
  await act(driver, candidate, 'reject', 'alice', { reason: 'Not major: one region, workaround in place.' });
  await finished(driver, candidate);
  await driver.raiseAlarm('reporting-lag', 'Reporting pipeline lag above 1 h');
  const minor = await driver.waitFor('the minor incident', async () =>
    (await driver.openIncidents()).find((i) => i.service === 'reporting' && i.status !== 'closed'),
  );
  await finished(driver, minor.id);

  // An execution whose incident is not stored fails and is recorded.
  await driver.startExecution('INC-20261127-000000');
  await finished(driver, 'INC-20261127-000000');

  // The remaining management routes.
  await driver.api('GET', '/incidents?status=all');
  await driver.api('GET', '/quarantine');
}
