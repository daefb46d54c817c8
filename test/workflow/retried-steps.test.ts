import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxDriver } from '../../infra/local/driver';
import { type Sandbox, startSandbox } from '../../infra/local/sandbox';
import { act, activeIncident, finished, UPDATE } from '../support/incidents';
import { FAST_CONFIG } from '../support/sandbox';

let sandbox: Sandbox;
let driver: SandboxDriver;
beforeAll(async () => {
  // Every step's function runs twice, as when an attempt's answer is lost and Step Functions retries it.
  sandbox = await startSandbox({ configPath: FAST_CONFIG, invokeTwice: true });
  driver = new SandboxDriver(sandbox);
});
afterAll(() => sandbox.stop());

const repeated = (list: string[]) => list.filter((x, i) => list.indexOf(x) !== i);

describe('workflow: every step retried', () => {
  it('sends every message of a whole incident once to each recipient and channel, with update numbers in order', async () => {
    const id = await activeIncident(driver);
    await act(driver, id, 'update', 'dave', UPDATE);
    await driver.waitForTimeline(id, 'update-sent');
    await driver.waitForTimeline(id, 'no-change-sent');
    await act(driver, id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver.waitForTimeline(id, 'review-opened');
    await act(driver, id, 'submit-review', 'dave', { summary: 'Bad deploy.', lessons: 'Canary.' });
    await finished(driver, id);

    const emails = (await driver.emails()).filter((e) => e.subject.includes(id));
    const sms = sandbox.sns.outbox.filter((m) => m.message.includes(id));
    expect(repeated(emails.map((e) => `${e.to.join()} ${e.subject}`))).toEqual([]);
    expect(repeated(sms.map((m) => `${m.phoneNumber} ${m.message}`))).toEqual([]);
    const toIrene = emails.filter((e) => e.to.includes('irene@example.com')).map((e) => e.subject.replace(/:.*/, ''));
    expect(toIrene.filter((s) => /Update \d/.test(s))).toEqual([`[P1 MAJOR] Update 1`]);
    expect(toIrene).toContain('[P1 MAJOR] Resolved');
  });

  it('a review reminder retried is one reminder: its owner is reminded once each time one falls due', async () => {
    const id = await activeIncident(driver);
    await act(driver, id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver.waitForTimeline(id, 'review-reminder', 2);
    await act(driver, id, 'submit-review', 'dave', { summary: 'Bad deploy.', lessons: 'Canary.' });
    await finished(driver, id);

    const { timeline } = await driver.incident(id);
    const reminded = timeline.filter((e) => e.kind === 'review-reminder').map((e) => Date.parse(e.at));
    const gaps = reminded.slice(1).map((at, i) => at - reminded[i]!);
    const reminders = (await driver.emails()).filter((e) => e.subject.startsWith('Reminder: ') && e.subject.includes(id));
    // Reminders every 2 s in the fast config.
    expect(gaps.every((gap) => gap >= 1_500)).toBe(true);
    expect(reminders).toHaveLength(reminded.length);
  });
});
