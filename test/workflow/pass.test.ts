import { describe, expect, it } from 'vitest';
import { act, pagedIncident, raced } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Windows long enough that only a pass moves the page on.
const config = fastConfigWith('pass', { rota: { ackWindow: '10m' } });
const { driver } = useSandbox(config);

describe('workflow: passing a page', () => {
  it('the paged MIM passes through the link in the page: the next level is paged at once, with the reason', async () => {
    const { id, page } = await pagedIncident(driver(), { title: 'Card payments failing' });

    const passed = await driver().pressButton(driver().linkIn(page, 'Pass to the next level'), {
      reason: 'On a flight in ten minutes',
    });
    await driver().waitForTimeline(id, 'paged', 2);

    expect(passed.status).toBe(200);
    const { timeline } = await driver().incident(id);
    expect(timeline.find((e) => e.kind === 'passed')?.summary).toMatch(
      / passed the page: On a flight in ten minutes; the next level is paged now$/,
    );
    expect(timeline.find((e) => e.kind === 'escalated')?.summary).toBe('On-call MIM passed; escalating to Deputy MIM');
    expect((await driver().statePath(id)).slice(4, 9)).toEqual([
      'TakeAnswer',
      'RouteAnswer',
      'PassOn',
      'PageMim',
      'AwaitAcknowledgement',
    ]);
    const deputy = await driver().waitForEmail('dave@example.com', new RegExp(`${id}.*please accept`));
    expect(deputy.text).toMatch(/Escalated to Deputy MIM: \w+ \w+ passed: On a flight in ten minutes\./);
  });

  it('a pass from the CLI or API works the same, only by someone paged now, and not once the incident has its MIM', async () => {
    const { id, paged } = await pagedIncident(driver(), { title: 'Checkout slow' });

    const stranger = await act(driver(), id, 'pass', 'frank');
    const pass = await act(driver(), id, 'pass', paged);
    await driver().waitForTimeline(id, 'paged', 2);
    await act(driver(), id, 'accept', 'dave');
    await driver().waitForTimeline(id, 'accepted');
    const late = await act(driver(), id, 'pass', 'dave');

    expect(stranger.status).toBe(409);
    expect(stranger.body.message).toBe(`only someone paged now (${paged}) can pass the page of ${id}`);
    expect(pass.status).toBe(202);
    expect(late.status).toBe(409);
    expect(late.body.message).toBe(
      `${id} is active, so "pass" does not apply; it accepts: update, change-priority, resolve, hand-over, take-over`,
    );
  });

  it('a pass link from a page that has since moved on no longer applies, so no level is skipped', async () => {
    const { id, paged, page } = await pagedIncident(driver(), { title: 'Search down' });
    await act(driver(), id, 'pass', paged);
    await driver().waitForTimeline(id, 'paged', 2);

    const stale = await driver().pressButton(driver().linkIn(page, 'Pass to the next level'), {});

    expect(stale.status).toBe(410);
    expect(stale.text).toContain(`${id} has moved on since this link was sent, so it no longer applies`);
    const { incident, timeline } = await driver().incident(id);
    expect(incident.pageLevel).toBe(1);
    expect(timeline.filter((e) => e.kind === 'paged')).toHaveLength(2);
  });

  it('a pass from a link that reaches the workflow after the page moved on is refused on the timeline, and skips no level', async () => {
    const { id, paged } = await pagedIncident(driver(), { title: 'Basket empty' });
    await act(driver(), id, 'pass', paged);
    await driver().waitForTimeline(id, 'paged', 2);
    const deputy = (await driver().incident(id)).incident.pagedNow![0]!;

    // Pressed on the first page just before the page moved on: accepted then, its event says step 0.
    await raced(id, { action: 'pass', by: deputy, via: 'link', step: 0 });
    await driver().waitForTimeline(id, 'action-refused');

    const { incident, timeline } = await driver().incident(id);
    expect(timeline.find((e) => e.kind === 'action-refused')?.summary).toBe(
      `pass by ${deputy} refused: the page has moved on since it was sent (passed on or escalated); the latest page has links of its own`,
    );
    expect(incident.pageLevel).toBe(1);
    expect(timeline.filter((e) => e.kind === 'paged')).toHaveLength(2);
  });
});
