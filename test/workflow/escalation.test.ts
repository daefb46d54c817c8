import { describe, expect, it } from 'vitest';
import { act, declare } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Two rounds of the three levels, a one-second window each, then every level every two seconds.
const config = fastConfigWith('escalation', { rota: { ackWindow: '1s', repeat: 2, repageEvery: '2s' } });
const { driver } = useSandbox(config);

describe('workflow: the escalation policy', () => {
  it('the levels are paged in turn, twice over; then every level at once, leadership is told once, and paging goes on', async () => {
    const id = await declare(driver(), { title: 'Nobody answers' });

    await driver().waitForTimeline(id, 'paged', 8, 30_000);
    const { timeline } = await driver().incident(id);
    // "Paged Deputy MIM (round 1 of 2) (Dave Dixon) to answer within 1s; ...", without who and how.
    const pages = timeline.filter((e) => e.kind === 'paged').map((e) => e.summary.replace(/ \([^()]*\) to answer.*$/, ''));

    expect(pages).toEqual([
      'Paged On-call MIM (round 1 of 2)',
      'Paged Deputy MIM (round 1 of 2)',
      'Paged Head of Operations (round 1 of 2)',
      'Paged On-call MIM (round 2 of 2)',
      'Paged Deputy MIM (round 2 of 2)',
      'Paged Head of Operations (round 2 of 2)',
      'Paged every level',
      'Paged every level',
    ]);
    expect(timeline.filter((e) => e.kind === 'escalated').map((e) => e.summary)).toContain(
      'No MIM has acknowledged after 2 rounds of every level; paging every level at once and telling leadership',
    );
    const told = await driver().waitForEmail('henry@example.com', new RegExp(`No MIM has acknowledged ${id}`));
    expect(told.text).toContain('every level is paged again every 2s until someone accepts');
    expect(
      (await driver().emails()).filter(
        (e) => e.subject.includes(`No MIM has acknowledged ${id}`) && e.to.some((t) => t.includes('henry')),
      ),
    ).toHaveLength(1);
  });

  it('anyone paged may still accept once the policy is exhausted, and paging stops', async () => {
    const id = await declare(driver(), { title: 'Answered late' });
    await driver().waitForTimeline(id, 'escalated', 6, 30_000);

    await act(driver(), id, 'accept', 'erin');
    await driver().waitForTimeline(id, 'notice-sent');

    expect((await driver().incident(id)).incident.mim?.name).toBe('Erin Evans');
    // The workflow left the paging loop for the active one, from which no state that pages is reachable.
    const path = await driver().waitFor('the workflow to wait on its MIM', async () => {
      const states = await driver().statePath(id);
      return states.includes('AwaitEvent') ? states : undefined;
    });
    const afterAccepting = path.slice(path.lastIndexOf('TakeAnswer'));
    expect(afterAccepting.slice(0, 4)).toEqual(['TakeAnswer', 'RouteAnswer', 'Mobilise', 'AwaitEvent']);
    expect(afterAccepting.filter((s) => ['PageMim', 'Escalate', 'AwaitAcknowledgement'].includes(s))).toEqual([]);
  });
});
