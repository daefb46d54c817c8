import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { UPDATE, declare } from '../support/incidents';
import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import { Browser, signedIn } from '../support/console';
import { fastConfigWith, useSandbox, whenOnCall } from '../support/sandbox';

// Nothing moves on its own: pages wait ten minutes, updates are due in an hour. Bob is the on-call MIM.
const config = fastConfigWith('console-incident', { rota: { ackWindow: '10m' }, cadence: { P1: '1h', P2: '1h' } });
const { driver, sandbox } = useSandbox(config, { at: whenOnCall('bob', config) });

async function paged(title: string): Promise<string> {
  const id = await declare(driver(), { title });
  await driver().waitForTimeline(id, 'paged');
  return id;
}

describe("console: an incident's page", () => {
  it('the paged MIM accepts from the page and posts an update, which reaches the stakeholders, recorded as from the console', async () => {
    const id = await paged(`Accepted in the console ${Math.random()}`);
    const bob = await signedIn(sandbox(), 'bob');

    const page = pageText(await (await bob.get(`/incidents/${id}`)).text());
    const accepted = await bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'k1' });
    const said = pageText(await (await bob.get(`/incidents/${id}`)).text());
    await driver().waitForTimeline(id, 'notice-sent');
    const updated = await bob.post(`/incidents/${id}/actions`, { action: 'update', key: 'k2', ...UPDATE });
    const told = await driver().waitForEmail('irene@example.com', new RegExp(`Update 1: ${id}`));

    expect(page).toContain('Accept this incident as its Major Incident Manager');
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe(`/console/incidents/${id}`);
    expect(said).toContain('Accept as MIM: recorded as Bob Brown');
    expect(updated.status).toBe(303);
    expect(told.text).toContain(UPDATE.impact);
    const { timeline } = await driver().incident(id);
    expect(timeline.find((e) => e.kind === 'accepted')).toMatchObject({ actor: 'bob', channel: 'console' });
  });

  it('leadership sees the last update and when the next is due, and no action; an action forged by leadership is refused and changes nothing', async () => {
    const id = await paged(`Read by leadership ${Math.random()}`);
    const irene = await signedIn(sandbox(), 'irene');

    const page = await (await irene.get(`/incidents/${id}`)).text();
    const forged = await irene.post(`/incidents/${id}/actions`, { action: 'accept', key: 'forged' });
    const incident = (await driver().incident(id)).incident;

    expect(pageText(page)).toContain('Next update');
    expect(page).not.toContain('<form method="post" action="/console/incidents/');
    expect(forged.status).toBe(403);
    expect(pageText(await forged.text())).toContain('only a MIM acts on one');
    expect(incident.status).toBe('paging');
    expect(incident.mim).toBeUndefined();
  });

  it('a form with a mistake is shown again, open, saying what was wrong, and nothing is recorded', async () => {
    const id = await paged(`Mistaken form ${Math.random()}`);
    const bob = await signedIn(sandbox(), 'bob');
    await bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'a' });
    await driver().waitForTimeline(id, 'notice-sent');

    const answer = await bob.post(`/incidents/${id}/actions`, {
      action: 'update',
      key: 'b',
      impact: '',
      status: 'x',
      actions: 'y',
    });
    const page = await answer.text();

    expect(answer.status).toBe(400);
    expect(page).toContain('<details open>');
    expect(page).toMatch(/class="error" role="alert">[^<]*impact/);
    expect((await driver().incident(id)).timeline.filter((e) => e.kind === 'update-posted')).toHaveLength(0);
  });

  it('the same form posted twice (a double click) is one action', async () => {
    const id = await paged(`Double click ${Math.random()}`);
    const bob = await signedIn(sandbox(), 'bob');

    const [first, second] = await Promise.all([
      bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'same' }),
      bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'same' }),
    ]);
    await driver().waitForTimeline(id, 'notice-sent');

    expect([first.status, second.status]).toEqual([303, 303]);
    const inbox = (await driver().incident(id)).timeline.filter((e) => e.kind === 'accepted' || e.kind === 'action-refused');
    expect(inbox.map((e) => e.kind)).toEqual(['accepted']);
  });

  it('an action posted from another site is refused, signed in or not', async () => {
    const id = await paged(`Cross-site ${Math.random()}`);
    const bob = await signedIn(sandbox(), 'bob');

    const answer = await bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'x' }, { 'sec-fetch-site': 'cross-site' });

    expect(answer.status).toBe(403);
    expect((await driver().incident(id)).incident.mim).toBeUndefined();
  });

  it('the timeline alone, for the page to refresh in place, and an unknown incident says so', async () => {
    const id = await paged(`Timeline fragment ${Math.random()}`);
    const desk = await signedIn(sandbox(), 'desk');

    const fragment = await desk.get(`/incidents/${id}/timeline`);
    const unknown = await desk.get('/incidents/INC-20261201-FFFFFF');

    expect(fragment.status).toBe(200);
    expect(await fragment.text()).toMatch(/^<table>.*Declared by/s);
    expect(unknown.status).toBe(404);
  });

  it('a MIM who is not paged is not offered the accept, and is refused it, saying who is paged', async () => {
    const id = await paged(`Paged to Bob only ${Math.random()}`);
    const dave = await signedIn(sandbox(), 'dave');

    const page = await (await dave.get(`/incidents/${id}`)).text();
    const refused = await dave.post(`/incidents/${id}/actions`, { action: 'accept', key: 'd1' });

    expect(page).not.toContain('Accept this incident as its Major Incident Manager');
    expect(refused.status).toBe(409);
    expect(pageText(await refused.text())).toContain(
      `Accept as MIM: ${id} is paging Bob Brown: only someone paged now accepts it here`,
    );
    expect((await driver().incident(id)).incident.mim).toBeUndefined();
  });

  it('an action refused because someone else answered first says why at the top, as its form is gone', async () => {
    const id = await paged(`Answered first ${Math.random()}`);
    const bob = await signedIn(sandbox(), 'bob');
    await bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'first' });
    await driver().waitForTimeline(id, 'notice-sent');

    const again = await bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'second' });

    expect(again.status).toBe(409);
    expect(pageText(await again.text())).toMatch(new RegExp(`Accept as MIM: .*${id}`));
  });

  it('an incident is handed over only to someone with the MIM role', async () => {
    const id = await paged(`Handed over ${Math.random()}`);
    const bob = await signedIn(sandbox(), 'bob');
    await bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'h1' });
    await driver().waitForTimeline(id, 'notice-sent');

    const toGrace = await bob.post(`/incidents/${id}/actions`, { action: 'hand-over', key: 'h2', to: 'grace' });

    expect(toGrace.status).toBe(409);
    expect(pageText(await toGrace.text())).toContain(`Grace Green holds no MIM role, so cannot take ${id} over`);
  });

  it('what a form did is said once, from the form itself: an address cannot claim it', async () => {
    const id = await paged(`No claims by address ${Math.random()}`);
    const irene = await signedIn(sandbox(), 'irene');

    const page = pageText(await (await irene.get(`/incidents/${id}?done=resolve`)).text());

    expect(page).not.toContain('recorded as');
  });

  it('a page asked for while signed out comes back after signing in; a console address that is no page is answered as a page', async () => {
    const id = await paged(`Back after sign-in ${Math.random()}`);
    const browser = new Browser(sandbox().urls.console);

    const sent = await browser.get(`/incidents/${id}`);
    const next = new URL(sent.headers.get('location')!, sandbox().urls.api).searchParams.get('next')!;
    const back = await browser.post('/sign-in', { username: 'irene', password: SANDBOX_PASSWORD, next });
    const nowhere = await browser.get('/nowhere');

    expect(next).toBe(`/console/incidents/${id}`);
    expect(back.headers.get('location')).toBe(`/console/incidents/${id}`);
    expect(nowhere.status).toBe(404);
    expect(nowhere.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await browser.get('%2fnope')).headers.get('content-type')).toMatch(/^text\/html/);
  });

  it("signed out, the timeline fragment's address sends to sign-in with its incident's page to come back to, in an answer with the pages' headers", async () => {
    const id = await paged(`Fragment after sign-in ${Math.random()}`);

    const sent = await new Browser(sandbox().urls.console).get(`/incidents/${id}/timeline`);

    expect(sent.status).toBe(303);
    expect(new URL(sent.headers.get('location')!, sandbox().urls.api).searchParams.get('next')).toBe(`/console/incidents/${id}`);
    expect(sent.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(sent.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it("a MIM who is not paged may not reject another's candidate", async () => {
    const id = await declare(driver(), { title: `Candidate for Bob ${Math.random()}`, impact: 'high', urgency: 'medium' });
    await driver().waitForTimeline(id, 'paged');
    const dave = await signedIn(sandbox(), 'dave');

    const page = await (await dave.get(`/incidents/${id}`)).text();
    const refused = await dave.post(`/incidents/${id}/actions`, { action: 'reject', key: 'r1', reason: 'Not major' });

    expect(page).not.toContain('Reject this major incident candidate');
    expect(refused.status).toBe(409);
    expect((await driver().incident(id)).incident.status).toBe('paging');
  });

  it('the review is written by the MIM who ran the incident, not by any MIM', async () => {
    const id = await paged(`Reviewed by its MIM ${Math.random()}`);
    const bob = await signedIn(sandbox(), 'bob');
    await bob.post(`/incidents/${id}/actions`, { action: 'accept', key: 'a' });
    await driver().waitForTimeline(id, 'notice-sent');
    await bob.post(`/incidents/${id}/actions`, { action: 'resolve', key: 'b', resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    const dave = await signedIn(sandbox(), 'dave');

    const refused = await dave.post(`/incidents/${id}/actions`, {
      action: 'submit-review',
      key: 'c',
      summary: 'Mine',
      lessons: 'None',
    });

    expect(refused.status).toBe(409);
    expect(pageText(await refused.text())).toContain(`the review of ${id} is for Bob Brown, who owns it, to write`);
    expect((await driver().incident(id)).incident.status).toBe('review');
  });
});
