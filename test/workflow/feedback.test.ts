import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import type { IncidentKpis } from '../../functions/core/kpis';
import { submitAction } from '../../functions/services/actions';
import { appContext } from '../../functions/services/app';
import { act, declare, finished } from '../support/incidents';
import { fastConfigWith, useSandbox, whenOnCall } from '../support/sandbox';

// Nothing moves on its own: pages wait ten minutes, updates are due in an hour. Bob is the on-call MIM.
const config = fastConfigWith('feedback', { rota: { ackWindow: '10m' }, cadence: { P1: '1h', P2: '1h' } });
const { driver } = useSandbox(config, { at: whenOnCall('bob', config) });

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** A P1 that Bob was paged for and accepted, once its first notice has gone. */
async function accepted(title: string) {
  const id = await declare(driver(), { title });
  await driver().waitForTimeline(id, 'paged');
  await act(driver(), id, 'accept', 'bob');
  await driver().waitForTimeline(id, 'notice-sent');
  return id;
}

describe('workflow: was it the right call?', () => {
  it('the page asks the person paged, by a link whose GET only shows the question and whose POST records the answer', async () => {
    const id = await accepted(`Judged by link ${Math.random()}`);
    const page = await driver().waitForEmail('bob@example.com', new RegExp(`${id}.*please accept`));
    const link = driver().linkIn(page, 'Was this the right call?');

    const shown = await fetch(link);
    const before = (await driver().incident(id)).timeline.length;
    const posted = await fetch(link, form({ confirm: 'feedback', rightCall: 'no', comment: 'One merchant only.' }));

    expect(pageText(await shown.text())).toContain(`Was it right to run ${id} as a major incident?`);
    expect(posted.status).toBe(200);
    expect(pageText(await posted.text())).toContain(`Recorded for ${id} as Bob Brown: it should not have been a major incident.`);
    const { timeline } = await driver().incident(id);
    expect(timeline.length).toBe(before + 1);
    expect(timeline.find((e) => e.kind === 'feedback-given')).toMatchObject({
      actor: 'bob',
      channel: 'link',
      summary: 'Bob Brown judged it should not have been a major incident: One merchant only.',
    });
  });

  it('the first notice asks leadership, and only leadership, by a link of their own', async () => {
    const id = await accepted(`First notice ${Math.random()}`);

    const irene = await driver().waitForEmail('irene@example.com', new RegExp(`${id}`));
    const desk = await driver().waitForEmail('servicedesk@example.com', new RegExp(`${id}`));

    expect(irene.html).toContain('Was this the right call?');
    expect(desk.html).not.toContain('Was this the right call?');
  });

  it('one judgement per person counts: a second is refused with the first, and a form without an answer is asked again', async () => {
    const id = await accepted(`Judged twice ${Math.random()}`);
    const first = await act(driver(), id, 'feedback', 'irene', { rightCall: 'yes' });

    const second = await act(driver(), id, 'feedback', 'irene', { rightCall: 'no' });
    const unanswered = await act(driver(), id, 'feedback', 'henry', {});

    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.body.message).toMatch(
      new RegExp(`^Irene Ito already judged ${id} at .*\\(the right call\\); one judgement per person counts$`),
    );
    expect(unanswered.status).toBe(400);
    expect(unanswered.body.message).toBe(
      'feedback needs: rightCall: answer yes (the right call) or no (it should not have been major)',
    );
  });

  it('the call is judged by those asked: someone neither paged nor in the feedback audiences is refused, told who is asked', async () => {
    const id = await accepted(`Judged by the desk ${Math.random()}`);

    const desk = await act(driver(), id, 'feedback', 'desk', { rightCall: 'no' });

    expect(desk.status).toBe(409);
    expect(desk.body.message).toBe(
      `Service Desk was not asked to judge ${id}: the call is judged by those paged and the feedback audiences' members (Bob Brown, Henry Hill, Irene Ito)`,
    );
  });

  it('a judgement taken by a request that read the incident before it closed still counts in the report', async () => {
    const id = await accepted(`Judged at the close ${Math.random()}`);
    await act(driver(), id, 'resolve', 'bob', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    const app = appContext();
    const readBeforeTheClose = (await app.store.getIncident(id))!;
    await act(driver(), id, 'submit-review', 'bob', { summary: 'A bad deploy.', lessons: 'Canary.' });
    await finished(driver(), id);

    await submitAction(
      app,
      { incidentId: id, action: 'feedback', by: 'henry', via: 'link', feedback: { rightCall: false } },
      { incident: readBeforeTheClose },
    );
    const { body } = await driver().api<{ incidents: IncidentKpis[] }>('GET', '/reports?since=1d');

    expect(body.incidents.find((i) => i.id === id)?.feedback).toEqual({ rightCall: 0, notMajor: 1 });
  });
});
