import { describe, expect, it } from 'vitest';
import { activeIncident, UPDATE } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Nothing moves on its own while these tests look: updates are due in an hour.
const config = fastConfigWith('repeats', { cadence: { P1: '1h', P2: '1h' } });
const { driver } = useSandbox(config);

type Answer = { eventId?: string; delivered?: boolean; repeated?: boolean; error?: string; message?: string };
const post = (id: string, body: Record<string, unknown>, key?: string) =>
  fetch(`${driver().sandbox.urls.api}/incidents/${id}/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Answer }));

describe('workflow: an action sent again', () => {
  it('with its key, as after an answer lost to a crash, is done once, and the repeat is given the first result', async () => {
    const id = await activeIncident(driver());
    const update = { action: 'update', by: 'dave', ...UPDATE };

    const first = await post(id, update, 'update-key-0001');
    await driver().waitForTimeline(id, 'update-sent');
    const again = await post(id, update, 'update-key-0001');

    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body).toMatchObject({ eventId: first.body.eventId, repeated: true, delivered: true });
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'update-sent')).toHaveLength(1);
  });

  it('without a key, the same action with the same fields within the minute is one action', async () => {
    const id = await activeIncident(driver());
    const update = { action: 'update', by: 'dave', ...UPDATE, status: 'Rolled back; watching.' };

    const [one, two] = await Promise.all([post(id, update), post(id, update)]);
    await driver().waitForTimeline(id, 'update-sent');

    expect(one.body.eventId).toBe(two.body.eventId);
    expect([one.body.repeated, two.body.repeated].filter(Boolean)).toHaveLength(1);
    expect((await driver().incident(id)).timeline.filter((e) => e.kind === 'update-posted')).toHaveLength(1);
  });

  it('a keyed action that was refused is refused alike when sent again', async () => {
    const id = await activeIncident(driver());
    const byErin = { action: 'resolve', by: 'erin', resolution: 'Fixed.' };

    const first = await post(id, byErin, 'resolve-key-0001');
    const again = await post(id, byErin, 'resolve-key-0001');

    expect([first.status, again.status]).toEqual([409, 409]);
    expect(again.body.message).toBe(first.body.message);
  });
});
