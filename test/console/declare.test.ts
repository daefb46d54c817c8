import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { signedIn } from '../support/console';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

const openIds = async () =>
  (await driver().api<{ incidents: Array<{ id: string }> }>('GET', '/incidents')).body.incidents.map((i) => i.id);

describe('console: the service desk declares', () => {
  it('checks how a declaration would be classified, with every reason, and nothing is declared', async () => {
    const desk = await signedIn(sandbox(), 'desk');
    const before = await openIds();

    const answer = await desk.post('/declare', {
      service: 'payments',
      impact: 'high',
      urgency: 'medium',
      title: 'Slow refunds',
      intent: 'check',
    });
    const page = await answer.text();
    const text = pageText(page);

    expect(answer.status).toBe(200);
    expect(text).toContain('P2 candidate: nothing is declared yet.');
    expect(text).toContain('candidate: P2 may be major; the MIM decides');
    expect(page).toContain('value="Slow refunds"');
    expect(await openIds()).toEqual(before);
  });

  it('declares an incident as the signed-in person, recorded as from the console, and it is on the board', async () => {
    const desk = await signedIn(sandbox(), 'desk');
    const title = `Checkout failing ${Math.random()}`;

    const answer = await desk.post('/declare', {
      service: 'checkout',
      title,
      description: 'Customers see error 502 at payment.',
      intent: 'declare',
      key: 'form-1',
    });
    const id = /\/console\/incidents\/(INC-[\w-]+)$/.exec(answer.headers.get('location') ?? '')?.[1];
    await driver().waitForTimeline(id!, 'classified');
    const page = pageText(await (await desk.get(`/incidents/${id}`)).text());
    const board = pageText(await (await desk.get('')).text());

    expect(answer.status).toBe(303);
    expect(page).toContain('Customers see error 502 at payment.');
    expect(page).toMatch(/Priority\s*P2 \(candidate\) Why impact high: checkout is a tier 1 service/);
    expect(board).toContain(title);
    const { timeline } = await driver().incident(id!);
    expect(timeline.find((e) => e.kind === 'declared')).toMatchObject({ actor: 'desk', channel: 'console' });
  });

  it('leadership may not declare: the form and its post are refused', async () => {
    const irene = await signedIn(sandbox(), 'irene');

    const form = await irene.get('/declare');
    const posted = await irene.post('/declare', { service: 'checkout', title: 'Not mine to declare', intent: 'declare' });

    expect(form.status).toBe(403);
    expect(posted.status).toBe(403);
  });

  it('a drill declared from the console is marked as one, told to the ticked audience only, and high in impact and urgency', async () => {
    const desk = await signedIn(sandbox(), 'desk');

    const answer = await desk.post('/declare', [
      ['service', 'payments'],
      ['title', 'Quarterly practice'],
      ['drill', 'yes'],
      ['audience', 'leadership'],
      ['intent', 'declare'],
      ['key', 'drill-form-1'],
    ]);
    const id = /\/console\/incidents\/(INC-[\w-]+)$/.exec(answer.headers.get('location') ?? '')?.[1];
    const { incident, timeline } = await driver().incident(id!);
    const page = pageText(await (await desk.get(`/incidents/${id}`)).text());

    expect(answer.status).toBe(303);
    expect(incident.drill).toEqual({ audiences: ['leadership'] });
    expect(incident).toMatchObject({ impact: 'high', urgency: 'high' });
    expect(timeline.find((e) => e.kind === 'declared')?.summary).toMatch(/^Drill declared by desk/);
    expect(page).toContain('Drill declared as Service Desk.');
    expect(page).toContain('DRILL, a practice: Quarterly practice');
  });

  it('the dry run of a drill classifies it as the drill will be: high in impact and urgency unless chosen', async () => {
    const desk = await signedIn(sandbox(), 'desk');

    const answer = await desk.post('/declare', [
      ['service', 'reporting'],
      ['title', 'Practice'],
      ['drill', 'yes'],
      ['intent', 'check'],
    ]);

    expect(pageText(await answer.text())).toContain('P1 major: nothing is declared yet.');
  });

  it('audiences ticked without "A drill" are refused with what to do, and nothing is declared', async () => {
    const desk = await signedIn(sandbox(), 'desk');
    const before = await openIds();

    const answer = await desk.post('/declare', [
      ['service', 'payments'],
      ['title', 'Meant as a drill'],
      ['audience', 'leadership'],
      ['intent', 'declare'],
    ]);
    const page = await answer.text();

    expect(answer.status).toBe(400);
    expect(pageText(page)).toContain('Audiences are chosen for a drill only: tick &quot;A drill&quot;');
    expect(page).toContain('name="audience" value="leadership" checked');
    expect(await openIds()).toEqual(before);
  });

  it('an audience the config does not have is refused, naming the ones it has', async () => {
    const desk = await signedIn(sandbox(), 'desk');

    const answer = await desk.post('/declare', [
      ['service', 'payments'],
      ['title', 'Drill for nobody'],
      ['drill', 'yes'],
      ['audience', 'board'],
      ['intent', 'declare'],
    ]);

    expect(answer.status).toBe(400);
    expect(pageText(await answer.text())).toContain(
      '&quot;board&quot; is not an audience of the config; its audiences are leadership, service-desk',
    );
  });

  it('a declaration without a title says what to give, and keeps what was typed', async () => {
    const desk = await signedIn(sandbox(), 'desk');

    const answer = await desk.post('/declare', {
      service: 'checkout',
      title: '  ',
      description: 'Kept as typed',
      intent: 'declare',
    });
    const page = await answer.text();

    expect(answer.status).toBe(400);
    expect(pageText(page)).toContain('Give a title: what is happening, in a line');
    expect(page).toContain('Kept as typed');
  });
});
