import { describe, expect, it } from 'vitest';
import { formatTime } from '../../functions/core/messages';
import { act, declare } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// P2 updates every hour and P1 every ten minutes: a change shows at once in the next update's time.
const config = fastConfigWith('priority', { cadence: { P1: '10m', P2: '1h' }, rota: { ackWindow: '10m' } });
const { driver, sandbox } = useSandbox(config);

describe('workflow: a priority change mid-incident', () => {
  it('raising P2 to P1 brings the next update forward at once, and everyone at either priority is told why', async () => {
    const id = await declare(driver(), { impact: 'high', urgency: 'medium', title: 'Refunds failing' });
    await driver().waitForTimeline(id, 'paged');
    await act(driver(), id, 'accept', 'dave');
    await driver().waitForTimeline(id, 'notice-sent');
    const before = (await driver().incident(id)).incident;

    const answer = await act(driver(), id, 'change-priority', 'dave', { priority: 'P1', reason: 'Now failing in every region.' });
    await driver().waitForTimeline(id, 'priority-changed');

    expect(answer.status).toBe(202);
    const { incident, timeline } = await driver().incident(id);
    expect(incident.priority).toBe('P1');
    const now = sandbox().clock.now().getTime();
    expect(Date.parse(incident.nextUpdateAt!) - now).toBeLessThanOrEqual(10 * 60_000);
    expect(Date.parse(before.nextUpdateAt!) - now).toBeGreaterThan(50 * 60_000);
    expect(timeline.find((e) => e.kind === 'priority-changed')?.summary).toMatch(
      /^Dave Dixon changed the priority from P2 to P1: Now failing in every region\.; updates every 10m, the next at [^;]+; told \d+ recipient/,
    );
    // The time it names is the new due time, as the organisation's zone shows it that day.
    expect(timeline.find((e) => e.kind === 'priority-changed')?.summary).toContain(
      `the next at ${formatTime(incident.nextUpdateAt!, 'Europe/London')};`,
    );
    const told = await driver().waitForEmail('henry@example.com', new RegExp(`Priority P2 to P1: ${id}`));
    expect(told.text).toContain('Updates now come every 10m; the next at');
    // The wait for the MIM restarted with the new due time: no step failed, and the incident goes on.
    const path = await driver().statePath(id);
    expect(path.slice(-3)).toEqual(['TakeEvent', 'RouteEvent', 'AwaitEvent']);
  });

  it('only the MIM can change it, and not to the priority it has', async () => {
    const id = await declare(driver(), { title: 'Checkout down' });
    await driver().waitForTimeline(id, 'paged');
    await act(driver(), id, 'accept', 'dave');
    await driver().waitForTimeline(id, 'notice-sent');

    const other = await act(driver(), id, 'change-priority', 'erin', { priority: 'P2', reason: 'x' });
    const bad = await act(driver(), id, 'change-priority', 'dave', { priority: 'P9', reason: 'x' });
    const same = await act(driver(), id, 'change-priority', 'dave', { priority: 'P1', reason: 'Still P1.' });

    expect(other.body.message).toBe(`only the MIM of ${id} (Dave Dixon) can change its priority`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('change-priority needs: priority: expected one of P1, P2, P3, P4');
    // Refused when asked, not accepted and then refused on the timeline.
    expect(same).toMatchObject({ status: 409, body: { message: `${id} is P1 already` } });
    expect((await driver().incident(id)).timeline.map((e) => e.kind)).not.toContain('action-refused');
  });
});
