import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { appContext } from '../../functions/services/app';
import { act, activeIncident, UPDATE } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// On virtual time: the update is posted while its wait stands still, and the test ends that wait.
const config = fastConfigWith('race', { cadence: { P1: '30m' } });
const { driver, sandbox } = useSandbox(config, { virtualTime: true });

describe('workflow: an MIM event racing the end of a wait', () => {
  it('an update whose wait has just ended is not lost: the next wait takes it and it goes out', async () => {
    const id = await activeIncident(driver());
    const store = appContext().store;
    const wait = await driver().waitFor('the wait for the MIM', async () => {
      const current = await store.getWait(id);
      return current?.phase === 'active' ? current : undefined;
    });
    // The wait the event would be delivered to has already ended (its token is no longer live).
    await store.setWait(id, { ...wait, token: randomBytes(48).toString('base64url') });

    const answer = await act(driver(), id, 'update', 'dave', UPDATE);
    // The wait really ends when the update falls due, with the update still in the inbox.
    sandbox().time!.advance(30 * 60_000);
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
