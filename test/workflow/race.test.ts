import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { appContext } from '../../functions/services/app';
import { act, activeIncident, UPDATE } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// A 10 s cadence leaves ample time to post the update before it falls due, even on a busy machine.
const config = fastConfigWith('race', { cadence: { P1: '10s' } });
const { driver } = useSandbox(config);

describe('workflow: an MIM event racing the end of a wait', () => {
  it('an update whose wait has just ended is not lost: the next wait takes it and it goes out', async () => {
    const id = await activeIncident(driver());
    const store = appContext().store;
    const wait = (await store.getWait(id))!;
    // The wait the event would be delivered to has already ended (its token is no longer live).
    await store.setWait(id, { ...wait, token: randomBytes(48).toString('base64url') });

    const answer = await act(driver(), id, 'update', 'dave', UPDATE);
    await driver().waitForTimeline(id, 'update-sent');

    expect(answer.body.delivered).toBe(false);
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'update-posted').map((e) => e.summary)).toEqual([
      'Dave Dixon posted an update: Cause found: a bad gateway deploy.',
    ]);
    // The update took the due slot: no "no change" went out in its place.
    expect(timeline.some((e) => e.kind === 'no-change-sent')).toBe(false);
    expect(await store.pendingEvents(id)).toEqual([]);
  });
});
