import { describe, expect, it } from 'vitest';
import { appContext } from '../../functions/services/app';
import { act, declare } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Two rounds of the three levels, five minutes each, then every level every fifteen minutes; on
// virtual time, which the tests move past each window once its wait has begun.
const config = fastConfigWith('escalation', { rota: { ackWindow: '5m', repeat: 2, repageEvery: '15m' } });
const { driver, sandbox } = useSandbox(config, { virtualTime: true });

/** Leaves the incident's pages unanswered until `count` went out: each window passes once its wait has begun. */
async function unanswered(id: string, count: number): Promise<void> {
  let previous: string | undefined;
  for (let page = 1; ; page += 1) {
    await driver().waitForTimeline(id, 'paged', page);
    if (page === count) return;
    const wait = await driver().waitFor(`the wait for an answer to page ${page}`, async () => {
      const current = await appContext().store.getWait(id);
      return current && current.token !== previous ? current : undefined;
    });
    previous = wait.token;
    const { incident } = await driver().incident(id);
    sandbox().time!.advance(Date.parse(incident.deadline!) - sandbox().clock.now().getTime());
  }
}

describe('workflow: the escalation policy', () => {
  it('the levels are paged in turn, twice over; then every level at once, leadership is told once, and paging goes on', async () => {
    const id = await declare(driver(), { title: 'Nobody answers' });

    await unanswered(id, 8);

    const { timeline } = await driver().incident(id);
    // "Paged Deputy MIM (round 1 of 2) (Dave Dixon) to answer within 5m; ...", without who and how.
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
    expect(told.text).toContain('every level is paged again every 15m until someone accepts');
    expect(
      (await driver().emails()).filter(
        (e) => e.subject.includes(`No MIM has acknowledged ${id}`) && e.to.some((t) => t.includes('henry')),
      ),
    ).toHaveLength(1);
  });

  it('anyone paged may still accept once the policy is exhausted, and paging stops', async () => {
    const id = await declare(driver(), { title: 'Answered late' });
    await unanswered(id, 7);
    await driver().waitForTimeline(id, 'escalated', 6);

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
