import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { dynamo } from '../../functions/adapters/clients';
import { appContext } from '../../functions/services/app';
import type { SandboxDriver } from '../../infra/local/driver';
import { Browser, giveTemporaryPassword } from '../support/console';
import { act, declare, finished, raced, UPDATE } from '../support/incidents';
import { fastConfigWith } from '../support/sandbox';

/** The sandbox the exercise runs in, and the one door it has no API for: a restart. */
export interface Lab {
  /** Drives the sandbox as first started. */
  driver: SandboxDriver;
  /** Stops the sandbox and starts it again on the data it kept, on the same ports; drives the new one. */
  restart(): Promise<SandboxDriver>;
}

/**
 * The config the exercise runs on: the fast test config, changed so that each path is reached on
 * purpose rather than by racing a timer.
 * - Pages wait ten minutes, so that a pass or an answer always lands on the page it was meant for;
 *   only the deputy's page waits one second, and nobody answers it: the escalation on a timeout.
 * - The MIM may write the first notice for a second (`firstNotice`): without it, the notice goes at
 *   acceptance and the path that schedules it is never walked.
 * - Updates fall due every two seconds and review reminders every second: the exercise waits for both.
 * - Frank, who owns checkout, has an address at SES's mailbox simulator that bounces: the bounce comes
 *   back as a mail event (record-mail-event), which texts him instead.
 * - The organisation's Slack war room has had its webhook removed, and Slack answers 404 `no_service`
 *   at once: every stakeholder round has a send that fails and is recorded (`notification-failed`),
 *   the one failing send that a loopback endpoint can produce without mocking a client.
 */
export async function exerciseSettings(): Promise<{ configPath: string; close(): Promise<void> }> {
  const removedWebhook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service'));
  });
  await new Promise<void>((ok) => removedWebhook.listen(0, '127.0.0.1', ok));
  const webhook = `http://127.0.0.1:${(removedWebhook.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  return {
    configPath: fastConfigWith('least-privilege', {
      rota: { ackWindow: '10m', levels: { 1: { ackWindow: '1s' } } },
      // Alarm incidents are held two seconds before paging: long enough for a flapping alarm to recover.
      intake: { holdFor: '2s' },
      cadence: { P1: '2s', P2: '2s', firstNotice: '1s' },
      review: { remindEvery: '1s' },
      chat: { slack: { webhook } },
      // Mail to SES's mailbox simulator bounces: the owner of checkout never gets their email.
      // Grace, who owns reporting, has a phone here: a hand-off refused by email can be texted to her.
      people: { frank: { email: 'bounce@simulator.amazonses.com' }, grace: { phone: '+447700900107' } },
      // A scheduled drill, whose turn the exercise delivers as EventBridge Scheduler would.
      drills: [{ name: 'exercise', service: 'reporting', on: 'first monday', at: '12:00', by: 'irene', atNight: true }],
    }),
    close: () => new Promise((ok) => removedWebhook.close(() => ok())),
  };
}

/** A person's action through the API, as the CLI sends it; refused or invalid, the exercise stops there. */
async function does(driver: SandboxDriver, id: string, action: string, by: string, fields: Record<string, string> = {}) {
  const { status, body } = await act(driver, id, action, by, fields);
  if (status !== 202) throw new Error(`${action} by ${by} on ${id} answered ${status}: ${body.message ?? ''}`);
}

/** Who the `count`th page of an incident went to first. */
async function pagedBy(driver: SandboxDriver, id: string, count: number): Promise<string> {
  return ((await driver.waitForTimeline(id, 'paged', count)).detail as { targets: string[] }).targets[0]!;
}

/**
 * Drives every function of the system through each of its paths that reaches AWS, through the doors
 * people and AWS use (the intake topic, the API, action links, the Step Functions API, a restart):
 * every state of the workflow and every kind of timeline entry. The least-privilege test records the
 * AWS calls made along the way, and fails if any state, kind or function was not reached: a path
 * left out here is a call nobody proved is granted.
 */
export async function exerciseEverything(lab: Lab): Promise<void> {
  // Incidents of their own, side by side: the main line spends most of its time waiting for timers.
  const [major, , minor] = await Promise.all([
    majorIncidentFromAlarms(lab.driver),
    candidateNobodyTakes(lab.driver),
    minorIncident(lab.driver),
    failingExecution(lab.driver),
    flappingAlarm(lab.driver),
    consoleSignInWithAStep(lab.driver),
    lab.driver.sandbox.scheduler.turn({ drill: 'exercise', scheduledTime: lab.driver.sandbox.clock.now().toISOString() }),
  ]);
  // The remaining management routes.
  await lab.driver.api('GET', '/incidents?status=all');
  await lab.driver.api('GET', '/quarantine');
  await lab.driver.api('GET', '/alarms');

  // Classify's resume routes are taken only by a workflow started for an incident that has already
  // progressed. The sandbox restarts on its kept data, as `npm start` does after a reboot: the open
  // incident resumes from its stored status (in review), and its review is submitted; a workflow
  // started again for an incident whose lifecycle has ended (AlreadyFinished) changes nothing.
  const after = await lab.restart();
  await after.sandbox.resume();

  // Email refused at the moment of sending: the account's sending is paused (SES v2's
  // PutAccountSendingAttributes). Whoever a message then reached on none of its channels is texted
  // by the function that sent it, so the functions that only email (the hand-off, the downgrade,
  // the review and its reminders) must be allowed SMS too.
  await after.emailSending(false);
  await Promise.all([
    reviewReminderTexted(after, major),
    minorHandedOffByText(after),
    candidateDowngradedByText(after),
    reviewOpenedByText(after),
  ]);
  await after.emailSending(true);

  await actionItemsFollowedUp(after, major);
  // A judgement of the call after the incident ended: recorded by the API, and the report kept again.
  await does(after, major, 'feedback', 'irene', { rightCall: 'no', comment: 'One region only.' });
  await after.api('GET', '/reports?since=1d');
  await after.startExecution(minor);
  await finished(after, minor);
}

/**
 * A console sign-in that the pool answers with a step (a first password to choose): the step is kept
 * in the table and taken once when answered.
 */
async function consoleSignInWithAStep(driver: SandboxDriver): Promise<void> {
  await giveTemporaryPassword(driver.sandbox.urls.cognito, 'grace', 'Temporary-pass-1');
  const grace = new Browser(driver.sandbox.urls.console);
  await grace.post('/sign-in', { username: 'grace', password: 'Temporary-pass-1' });
  const chosen = await grace.post('/sign-in', { step: 'new-password', newPassword: 'Graces-own-pass-2026' });
  if (chosen.status !== 303) throw new Error(`grace's new password answered ${chosen.status}`);
}

/**
 * The review with two action items due today: after the close, the second's due day is moved to
 * yesterday (as if a day had passed), and marking the first done wakes the follow-up, which tells
 * the review's owner the second is overdue (by text, while email sending is paused), and ends.
 */
async function actionItemsFollowedUp(driver: SandboxDriver, id: string): Promise<void> {
  const today = DateTime.now().setZone('Europe/London').toISODate()!;
  await does(driver, id, 'submit-review', 'dave', {
    summary: 'Bad deploy.',
    lessons: 'Canary deploys.',
    actionItems: `dave, ${today}, Add a canary stage\nerin, ${today}, Write the runbook`,
  });
  await driver.waitForTimeline(id, 'closed');
  await driver.nextWait(id, 'follow-up');
  const yesterday = DateTime.now().setZone('Europe/London').minus({ days: 1 }).toISODate()!;
  await dynamo.send(
    new UpdateCommand({
      TableName: driver.sandbox.tableName,
      Key: { pk: `INC#${id}`, sk: 'ACTION#02' },
      UpdateExpression: 'SET due = :due',
      ExpressionAttributeValues: { ':due': yesterday },
    }),
  );
  // Email refused at sending: the review's owner is texted that the item is overdue instead.
  await driver.emailSending(false);
  await does(driver, id, 'complete-action', 'dave', { item: '1' });
  await driver.waitForTimeline(id, 'action-item-overdue');
  await finished(driver, id);
  await driver.emailSending(true);
  await driver.api('GET', '/actions');
}

/** Refused by email while sending is paused, with the owner texted instead: waits for that timeline line. */
async function refusedEmail(
  driver: SandboxDriver,
  id: string,
  kind: 'review-reminder' | 'handed-off' | 'downgraded' | 'review-opened',
) {
  await driver.waitForTimeline(id, kind);
  // A minute: on a loaded machine (the suite's other files beside it) the next round can be slow to come.
  await driver.waitFor(
    `${id}: an email refused while sending is paused`,
    async () =>
      (await driver.incident(id)).timeline.find(
        (e) => e.kind === 'notification-failed' && e.summary.includes('ACCOUNT_SENDING_PAUSED'),
      ),
    60_000,
  );
}

/** The review left open before the restart is chased: the reminder to its owner is texted. */
async function reviewReminderTexted(driver: SandboxDriver, id: string): Promise<void> {
  await refusedEmail(driver, id, 'review-reminder');
}

/** An alarm for a tier-3 service again: its owner is told of the hand-off by text. */
async function minorHandedOffByText(driver: SandboxDriver): Promise<void> {
  await driver.raiseAlarm('reporting-backlog', 'Reporting backlog above 10,000 jobs');
  const { id } = await driver.waitFor('the second minor incident', async () =>
    (await driver.openIncidents()).find((i) => i.alarm?.alarmName === 'reporting-backlog'),
  );
  await refusedEmail(driver, id, 'handed-off');
  await finished(driver, id);
}

/** A candidate rejected: its owner and reporter are told of the downgrade by text. */
async function candidateDowngradedByText(driver: SandboxDriver): Promise<void> {
  const id = await declare(driver, { service: 'checkout', impact: 'medium', urgency: 'high', title: 'Basket slow' });
  await pagedBy(driver, id, 1);
  await does(driver, id, 'reject', 'dave', { reason: 'Not major: a workaround is in place.' });
  await refusedEmail(driver, id, 'downgraded');
  await finished(driver, id);
}

/** A major incident accepted and resolved at once: its review is opened for the MIM by text. */
async function reviewOpenedByText(driver: SandboxDriver): Promise<void> {
  const id = await declare(driver, { service: 'payments', impact: 'high', urgency: 'high', title: 'Card authorisations down' });
  await pagedBy(driver, id, 1);
  await does(driver, id, 'accept', 'dave');
  await driver.waitForTimeline(id, 'accepted');
  await does(driver, id, 'resolve', 'dave', { resolution: 'Failed over to the second acquirer.' });
  await refusedEmail(driver, id, 'review-opened');
}

/**
 * The main line: alarms open a major incident, which runs until its review is open (the restart
 * finishes it). Every step is one a person or AWS takes: paging passed on and escalated, acceptance
 * by link, the first notice left to the MIM, updates posted and due, the alarm clearing, a priority
 * change and one refused, a handover, the workflow stopped and redriven, resolution and a review reminder.
 */
async function majorIncidentFromAlarms(driver: SandboxDriver): Promise<string> {
  // Intake: a storm of two alarms for one service (grouped into one incident), and input that is
  // not an alarm (kept for inspection).
  await driver.raiseAlarm('payments-5xx', 'Payments API 5xx rate above 5%');
  await driver.raiseAlarm('payments-latency-p99', 'Payments p99 latency above 2 s');
  await driver.publishRaw('this is not an alarm');
  const id = await driver.waitFor(
    'the alarm incident',
    async () => (await driver.openIncidents()).find((i) => i.service === 'payments')?.id,
  );
  await driver.waitForTimeline(id, 'alarm-grouped');
  // Held before paging; the alarms still fire when the hold ends, so the page goes out.
  await driver.waitForTimeline(id, 'hold-ended');

  // Paging: the on-call MIM passes the page from its link; the deputy does not answer in their
  // window, so the page escalates on its timeout; the head of operations accepts from their page.
  const onCall = await pagedBy(driver, id, 1);
  const page = await driver.waitForEmail(`${onCall}@example.com`, new RegExp(`${id}.*please accept$`));
  await driver.pressButton(driver.linkIn(page, 'Pass to the next level'), { reason: 'On a flight in ten minutes.' });
  const last = await driver.waitForEmail('erin@example.com', new RegExp(`${id}.*please accept$`));
  await driver.pressButton(driver.linkIn(last, 'Accept as MIM'), {});

  // The first notice is the MIM's to write for a second; nothing comes, so the standard one goes.
  await driver.waitForTimeline(id, 'notice-scheduled');
  await driver.waitForTimeline(id, 'notice-sent');

  // An update posted just as its wait ended (the next wait takes it from the inbox and signals
  // itself: no door makes that race happen on demand, so the store is set as it would stand), then
  // an update falling due with nothing new: "no change", and the MIM is reminded.
  const store = appContext().store;
  const wait = (await store.getWait(id))!;
  await store.setWait(id, { ...wait, token: randomBytes(48).toString('base64url') });
  await does(driver, id, 'update', 'erin', UPDATE);
  await driver.waitForTimeline(id, 'update-sent');
  await driver.waitForTimeline(id, 'reminder-sent');

  // The alarm clears: CloudWatch notifies OK, noted on the incident it fired on, still open.
  await driver.clearAlarm('payments-5xx');
  await driver.waitForTimeline(id, 'alarm-cleared');
  // The other alarm goes blind (INSUFFICIENT_DATA: a monitoring gap, told to the MIM), then recovers:
  // the last one in ALARM, so every alarm has recovered, and the MIM is told.
  await driver.clearAlarm('payments-latency-p99', 'Insufficient Data: 3 datapoints were unknown.', 'INSUFFICIENT_DATA');
  await driver.waitForTimeline(id, 'monitoring-gap');
  await driver.clearAlarm('payments-latency-p99');
  await driver.waitForTimeline(id, 'alarms-recovered');

  // The MIM lowers the priority; a second change to the same, asked just before the first took
  // effect, reaches the workflow after it: refused on the timeline (asked now, it is refused at once).
  await does(driver, id, 'change-priority', 'erin', { priority: 'P2', reason: 'Only refunds still fail.' });
  await driver.waitForTimeline(id, 'priority-changed');
  await raced(id, { action: 'change-priority', by: 'erin', via: 'api', priority: 'P2', reason: 'Still only refunds.' });
  await driver.waitForTimeline(id, 'action-refused');

  // A handover: offered by the MIM, taken by the person offered it.
  await does(driver, id, 'hand-over', 'erin', { to: 'dave', reason: 'End of shift.' });
  await driver.waitForTimeline(id, 'handover-offered');
  await does(driver, id, 'take-over', 'dave');
  await driver.waitForTimeline(id, 'handed-over');

  // An operator stops the workflow (StopExecution): the stop is recorded, operations and the MIM are
  // told; then it is redriven from the API (mim redrive) and the incident goes on.
  await driver.stopExecution(id);
  await driver.waitForTimeline(id, 'workflow-stopped');
  const redrive = await driver.api<{ message?: string }>('POST', `/incidents/${id}/redrive`, { by: 'dave' });
  if (redrive.status !== 202) throw new Error(`redrive of ${id} answered ${redrive.status}: ${redrive.body.message ?? ''}`);
  await driver.waitForTimeline(id, 'workflow-redriven');

  // Resolved: the resolution notice, the review opened, and a reminder while nobody submits it.
  await does(driver, id, 'resolve', 'dave', { resolution: 'Rolled back.' });
  await driver.waitForTimeline(id, 'review-reminder');
  return id;
}

/**
 * A candidate nobody takes: the on-call MIM passes it from the CLI (the API), the deputy's window
 * runs out, and the head of operations passes too. The escalation policy is exhausted: every level is
 * paged at once and leadership is told that no MIM has acknowledged, the only message the escalation
 * step sends. Then it is rejected and downgraded, and the owner's bounced email comes back as a mail event.
 */
async function candidateNobodyTakes(driver: SandboxDriver): Promise<void> {
  const id = await declare(driver, { service: 'checkout', impact: 'medium', urgency: 'high', title: 'Slow checkout' });
  await does(driver, id, 'pass', await pagedBy(driver, id, 1));
  await does(driver, id, 'pass', await pagedBy(driver, id, 3), { reason: 'In the air.' });
  await pagedBy(driver, id, 4);
  await driver.waitForEmail('henry@example.com', new RegExp(`No MIM has acknowledged ${id}`));
  await does(driver, id, 'reject', 'dave', { reason: 'Not major: one region, workaround in place.' });
  await finished(driver, id);
  // The downgrade notice goes to checkout's owner by email only; it bounces, and he is texted instead.
  await driver.waitFor('the SMS to Frank in place of his bounced email', async () =>
    driver.sandbox.sns.outbox.find(
      (m) => m.phoneNumber === '+447700900106' && m.message.includes(id) && /could not be delivered/.test(m.message),
    ),
  );
}

/** An alarm that recovers within the hold before paging: nobody is paged, and the incident ends. */
async function flappingAlarm(driver: SandboxDriver): Promise<void> {
  await driver.raiseAlarm('checkout-5xx', 'Checkout 5xx above 5%');
  const { id } = await driver.waitFor('the flapping incident', async () =>
    (await driver.openIncidents()).find((i) => i.alarm?.alarmName === 'checkout-5xx'),
  );
  await driver.waitForTimeline(id, 'held');
  await driver.clearAlarm('checkout-5xx');
  await driver.waitForTimeline(id, 'recovered-before-paging');
  await finished(driver, id);
}

/** An alarm for a tier-3 service is minor: handed to the service desk's queue, and the owner told. */
async function minorIncident(driver: SandboxDriver): Promise<string> {
  await driver.raiseAlarm('reporting-lag', 'Reporting pipeline lag above 1 h');
  const minor = await driver.waitFor('the minor incident', async () =>
    (await driver.openIncidents()).find((i) => i.service === 'reporting'),
  );
  await finished(driver, minor.id);
  return minor.id;
}

/** An execution whose incident is not stored fails at its first step: record-failure alerts operations. */
async function failingExecution(driver: SandboxDriver): Promise<void> {
  await driver.startExecution('INC-20261127-000000');
  await finished(driver, 'INC-20261127-000000');
}
