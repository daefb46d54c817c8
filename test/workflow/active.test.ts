import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { act, activeIncident, finished, UPDATE } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

describe('workflow: the active incident and its review', () => {
  it('an update with news goes to every audience and restarts the cadence', async () => {
    const id = await activeIncident(driver());

    await act(driver(), id, 'update', 'dave', UPDATE);
    await driver().waitForTimeline(id, 'update-sent');

    expect(await driver().statePath(id)).toContain('BroadcastUpdate');
    const update = await driver().waitForEmail('irene@example.com', new RegExp(`Update 1: ${id}`));
    expect(update.text).toContain('Status: Cause found: a bad gateway deploy.');
    expect(update.text).toContain('Actions: Rolling back the gateway.');
    expect(update.text).toContain('Regions affected: UK (eu-west-2)');
    expect(update.text).toMatch(/Next update: \d\d:\d\d GMT(\+1)?/);
  });

  it('when an update falls due with nothing new, a "no change" update goes out on time and the MIM is reminded', async () => {
    const id = await activeIncident(driver());
    const smsBefore = sandbox().sns.outbox.length;

    await driver().waitForTimeline(id, 'reminder-sent');

    expect(await driver().statePath(id)).toContain('SendScheduledUpdate');
    const noChange = await driver().waitForEmail('henry@example.com', new RegExp(`No change: ${id}`));
    expect(noChange.text).toContain('There is no new information since the last update.');
    const reminder = await driver().waitForEmail('dave@example.com', new RegExp(`Update overdue: ${id}`));
    expect(driver().linkIn(reminder, 'Post an update')).toMatch(/\/a\/[A-Za-z0-9_-]{27}$/);
    expect(
      sandbox()
        .sns.outbox.slice(smsBefore)
        .some((m) => m.message.startsWith(`${id}: no change`)),
    ).toBe(true);
  });

  it('resolving opens the review, which is chased until submitted, and then the incident closes', async () => {
    const id = await activeIncident(driver());

    await act(driver(), id, 'resolve', 'dave', { resolution: 'Gateway rolled back.' });
    await driver().waitForTimeline(id, 'review-reminder');
    const review = await driver().waitForEmail('dave@example.com', new RegExp(`Post-incident review for ${id}`));
    await driver().pressButton(driver().linkIn(review, 'Submit the review'), {
      summary: 'A bad deploy.',
      lessons: 'Canary deploys.',
    });
    const execution = await finished(driver(), id);

    expect(execution.status).toBe('SUCCEEDED');
    expect((await driver().statePath(id)).slice(-10)).toEqual([
      'ResolveIncident',
      'OpenReview',
      'AwaitReview',
      'RemindReview',
      'AwaitReview',
      'TakeReview',
      'RouteReview',
      'CloseIncident',
      'RouteClosed',
      'Closed',
    ]);
    expect(review.text).toContain('Timeline:');
    expect(review.text).toMatch(/Dave Dixon accepted and is the Major Incident Manager/);
    const { incident } = await driver().incident(id);
    expect(incident).toMatchObject({ status: 'closed', review: { summary: 'A bad deploy.', lessons: 'Canary deploys.' } });
  });
});

describe('workflow: the review writes its own first draft', () => {
  it('the draft carries how it went, every update as posted and who was told what; the published review carries the write-up, its action items and the figures', async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'update', 'dave', UPDATE);
    await driver().waitForTimeline(id, 'update-sent');
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Gateway rolled back.' });
    const draft = await driver().waitForEmail('dave@example.com', new RegExp(`Post-incident review for ${id}`));
    const due = DateTime.fromJSDate(sandbox().clock.now(), { zone: 'Europe/London' }).plus({ days: 7 }).toISODate()!;

    const submitted = await act(driver(), id, 'submit-review', 'dave', {
      summary: 'A bad gateway deploy failed card payments.',
      rootCause: 'A config change shipped without a canary.',
      wentWell: 'Paged and acknowledged within a minute.',
      lessons: 'Canary every gateway change.',
      actionItems: `dave, ${due}, Add a canary stage to the gateway pipeline`,
    });
    await driver().waitForTimeline(id, 'closed');

    expect(draft.text).toMatch(/Time to acknowledge: /);
    expect(draft.text).toMatch(/Updates on time: /);
    expect(draft.text).toContain('Updates as posted:');
    expect(draft.text).toContain(`Dave Dixon: impact: ${UPDATE.impact}; status: ${UPDATE.status}; actions: ${UPDATE.actions}`);
    expect(draft.text).toContain('Who was told what, and when:');
    expect(submitted.status).toBe(202);
    const published = await driver().waitForEmail('irene@example.com', new RegExp(`Review published: .*${id}`));
    expect(published.text).toContain('Root cause: A config change shipped without a canary.');
    expect(published.text).toContain('What went well: Paged and acknowledged within a minute.');
    expect(published.text).toContain(`Action items:\n  - Add a canary stage to the gateway pipeline (Dave Dixon, by ${due})`);
    expect(published.text).toMatch(/Time to resolve: /);
  });

  it('an action item that names nobody, or no real day, is refused with how to write one, and the review stays open', async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');

    const nobody = await act(driver(), id, 'submit-review', 'dave', {
      summary: 's',
      lessons: 'l',
      actionItems: 'zed, 2099-01-01, x',
    });
    const noDay = await act(driver(), id, 'submit-review', 'dave', { summary: 's', lessons: 'l', actionItems: 'dave, soon, x' });

    expect(nobody.status).toBe(400);
    expect(nobody.body.message).toMatch(/^submit-review needs: action item 1: "zed" is not a person in the config/);
    expect(noDay.body.message).toBe(
      'submit-review needs: action item 1: write it as "owner, due day, what is to be done", such as "dave, 2026-12-15, add a canary stage"',
    );
    expect((await driver().incident(id)).incident.status).toBe('review');
  });
});

describe('workflow: the MIM always has a fresh link', () => {
  it('after an update goes out, the MIM gets a confirmation with new links to post the next one or resolve', async () => {
    const id = await activeIncident(driver());
    const brief = await driver().waitForEmail('dave@example.com', new RegExp(`You are the MIM for ${id}`));
    await driver().pressButton(driver().linkIn(brief, 'Post an update'), UPDATE);

    const confirmation = await driver().waitForEmail('dave@example.com', new RegExp(`Update 1 sent: ${id}`));
    const next = driver().linkIn(confirmation, 'Post an update');
    const page = await fetch(next);

    expect(next).not.toBe(driver().linkIn(brief, 'Post an update'));
    expect(confirmation.text).toMatch(/Your update on INC-\d{8}-[0-9A-F]{6} went to 5 recipient\(s\)/);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Cause found: a bad gateway deploy.');
  });
});
