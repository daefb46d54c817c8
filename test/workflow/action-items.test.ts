import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { appContext } from '../../functions/services/app';
import { act, activeIncident, closedWithActionItems, finished } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// On virtual time: nothing moves until the test moves it, so a day of reminders passes at once.
const config = fastConfigWith('action-items', {
  cadence: { P1: '1h', P2: '1h' },
  review: { remindEvery: '12h', actionReminders: '1d' },
});
const { driver, sandbox } = useSandbox(config, { virtualTime: true });

const day = (plusDays: number) =>
  DateTime.fromJSDate(sandbox().clock.now(), { zone: 'Europe/London' }).plus({ days: plusDays }).toISODate()!;

/** An incident through its review to the close, with these action items. */
async function closedWith(actionItems: string): Promise<string> {
  const id = await activeIncident(driver());
  await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
  await driver().waitForTimeline(id, 'review-opened');
  const submitted = await act(driver(), id, 'submit-review', 'dave', {
    summary: 'A bad deploy.',
    lessons: 'Canary.',
    actionItems,
  });
  if (submitted.status !== 202) throw new Error(`submit-review answered ${submitted.status}: ${submitted.body.message}`);
  await closedWithActionItems(driver(), id);
  return id;
}

describe("workflow: a review's action items are followed up", () => {
  it('each goes to its owner with a link to mark it done; when the last is done the workflow ends', async () => {
    const id = await closedWith(`erin, ${day(7)}, Add a canary stage\ndave, ${day(7)}, Write the rollback runbook`);
    const given = await driver().waitForEmail('erin@example.com', new RegExp(`Action item from the review of ${id}`));
    const link = driver().linkIn(given, 'Mark it done');

    const shown = await fetch(link);
    const pressed = await driver().pressButton(link, {});
    await driver().nextWait(id, 'follow-up');
    const byApi = await act(driver(), id, 'complete-action', 'dave', { item: '2' });
    const execution = await finished(driver(), id);

    expect(pageText(await shown.text())).toContain(`Action item 1: Add a canary stage (Erin Evans, by ${day(7)})`);
    expect(pageText(pressed.text)).toContain(`Action item 1 of ${id} is marked done, as Erin Evans.`);
    expect(byApi.status).toBe(202);
    expect(execution.status).toBe('SUCCEEDED');
    expect((await driver().statePath(id)).slice(-4)).toEqual(['AwaitFollowUp', 'FollowUpActions', 'RouteClosed', 'Closed']);
    const { timeline } = await driver().incident(id);
    // Both at the same virtual instant: in either order.
    expect(
      timeline
        .filter((e) => e.kind === 'action-item-done')
        .map((e) => e.summary)
        .sort(),
    ).toEqual([
      `Dave Dixon marked action item 2 done: Write the rollback runbook (Dave Dixon, by ${day(7)})`,
      `Erin Evans marked action item 1 done: Add a canary stage (Erin Evans, by ${day(7)})`,
    ]);
  });

  it('an open item is reminded daily until its day has passed; then the review owner is told once, and the workflow ends', async () => {
    const due = day(1);
    const id = await closedWith(`erin, ${due}, Add a canary stage`);
    let token = await driver().nextWait(id, 'follow-up');

    sandbox().time!.advance(86_400_000);
    token = await driver().nextWait(id, 'follow-up', token);
    const reminder = await driver().waitForEmail(
      'erin@example.com',
      new RegExp(`Reminder: Action item from the review of ${id}`),
    );
    sandbox().time!.advance(2 * 86_400_000);
    await finished(driver(), id);

    expect(driver().linkIn(reminder, 'Mark it done')).toMatch(/\/a\//);
    const overdue = await driver().waitForEmail('dave@example.com', new RegExp(`Overdue: an action item of ${id}`));
    expect(overdue.text).toContain(`"Add a canary stage", Erin Evans's to do by the end of ${due}, is not marked done.`);
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'action-item-overdue')).toHaveLength(1);
    const { body } = await driver().api<{ items: Array<{ incidentId: string; overdue: boolean }> }>('GET', '/actions');
    expect(body.items.filter((i) => i.incidentId === id)).toEqual([expect.objectContaining({ overdue: true })]);
  });

  it('a review submitted twice before the first is taken leaves the follow-up waiting, the second refused on the timeline', async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    const review = { summary: 'A bad deploy.', lessons: 'Canary.', actionItems: `erin, ${day(7)}, Add a canary stage` };
    // The form and the CLI at once: both accepted, as the incident is still in review when each arrives.
    await Promise.all([
      act(driver(), id, 'submit-review', 'dave', review),
      act(driver(), id, 'submit-review', 'dave', { ...review, summary: 'Again.' }),
    ]);
    await driver().waitForTimeline(id, 'closed');
    await driver().nextWait(id, 'follow-up');

    const before = (await driver().statePath(id)).length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = (await driver().statePath(id)).length;

    // The clock stands still: nothing falls due, so nothing moves.
    expect(after - before).toBeLessThan(3);
    const refused = (await driver().incident(id)).timeline.filter((e) => e.kind === 'action-refused');
    expect(refused.map((e) => e.summary)).toEqual([
      `submit-review by dave refused: the review of ${id} was already submitted, and the incident is closed`,
    ]);
  });

  it('an item marked done before the follow-up has begun to wait still ends the workflow at once, not at the next reminder', async () => {
    // The follow-up's wait is slow to register: the item is marked done before it is there to be woken.
    let slowed = false;
    sandbox().wrapFunction('await-event', (handler) => async (event, context) => {
      if ((event as { phase?: string }).phase === 'follow-up' && !slowed) {
        slowed = true;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      return handler(event, context);
    });
    const id = await closedWith(`erin, ${day(7)}, Add a canary stage`);
    // The close keeps the items after its "closed" line: marked done once they are kept (their owner told).
    await driver().waitForEmail('erin@example.com', new RegExp(`Action item from the review of ${id}`));

    const done = await act(driver(), id, 'complete-action', 'erin', { item: '1' });
    const execution = await finished(driver(), id);

    expect(done.status).toBe(202);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it("an item's link, once the item is marked done another way, says by whom and when and offers no button", async () => {
    const id = await closedWith(`erin, ${day(7)}, Add a canary stage`);
    const given = await driver().waitForEmail('erin@example.com', new RegExp(`Action item from the review of ${id}`));
    const link = driver().linkIn(given, 'Mark it done');
    await act(driver(), id, 'complete-action', 'dave', { item: '1' });

    const shown = await fetch(link);
    const page = await shown.text();

    expect(shown.status).toBe(410);
    expect(pageText(page)).toMatch(new RegExp(`Action item 1 of ${id} was marked done by Dave Dixon at `));
    expect(page).not.toContain('<button');
    await finished(driver(), id);
  });

  it('a link marks done the item it was issued for, whatever item the form posted with it names', async () => {
    const id = await closedWith(`erin, ${day(7)}, Add a canary stage\nerin, ${day(7)}, Write the runbook`);
    const given = await driver().waitFor('the email of item 1', async () =>
      (await driver().emails()).find(
        (e) => e.subject.includes(`Action item from the review of ${id}`) && e.text.includes('Add a canary stage'),
      ),
    );
    const link = driver().linkIn(given, 'Mark it done');

    const pressed = await driver().pressButton(link, { item: '2' });

    expect(pageText(pressed.text)).toContain(`Action item 1 of ${id} is marked done, as Erin Evans.`);
    const items = await appContext().store.actionItems(id);
    expect(items.map((i) => [i.n, Boolean(i.doneAt)])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('a reminder is not claimed for an item already marked done, so a pass that read it open sends nothing', async () => {
    const id = await closedWith(`erin, ${day(7)}, Add a canary stage`);
    await driver().nextWait(id, 'follow-up');
    const [readOpen] = await appContext().store.actionItems(id);
    await act(driver(), id, 'complete-action', 'erin', { item: '1' });

    const claimed = await appContext().store.claimFollowUp(readOpen!, { reminding: 1 });

    expect(readOpen!.doneAt).toBeUndefined();
    expect(claimed).toBe(false);
    await finished(driver(), id);
  });

  it('only its owner or the review owner marks an item done, and an item that is not there is named as such', async () => {
    const id = await closedWith(`erin, ${day(7)}, Add a canary stage`);
    await driver().nextWait(id, 'follow-up');

    const stranger = await act(driver(), id, 'complete-action', 'henry', { item: '1' });
    const missing = await act(driver(), id, 'complete-action', 'dave', { item: '2' });
    const done = await act(driver(), id, 'complete-action', 'dave', { item: '1' });
    const again = await act(driver(), id, 'complete-action', 'erin', { item: '1' });

    expect(stranger.status).toBe(409);
    expect(stranger.body.message).toBe(`action item 1 of ${id} is Erin Evans's; only they or the review's owner mark it done`);
    expect(missing.body.message).toBe(`${id} has no action item 2; its items are 1 to 1`);
    expect(done.status).toBe(202);
    expect(again.body.message).toMatch(new RegExp(`^action item 1 of ${id} was marked done by Dave Dixon at `));
    await finished(driver(), id);
  });
});
