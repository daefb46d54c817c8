import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appContext } from '../../functions/services/app';
import { act, declare, pagedIncident, UPDATE } from '../support/incidents';
import { haveChromium, launchChromium } from '../support/browser';
import { fastConfigWith, useSandbox, whenOnCall } from '../support/sandbox';
import { close, listen } from '../../infra/local/http-util';

// Nothing moves on its own during these tests: pages wait ten minutes, updates are due in an hour.
const config = fastConfigWith('browser', { rota: { ackWindow: '10m' }, cadence: { P1: '1h', P2: '1h' } });
// Bob's pages are the ones read: the sandbox runs in a week when he is the on-call MIM.
const { driver } = useSandbox(config, { at: whenOnCall('bob', config) });
const browserTests = haveChromium() ? describe : describe.skip;

let browser: Browser;
beforeAll(async () => {
  if (haveChromium()) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Every link in every message sent so far: the HTML's hrefs and the plain-text part's URLs. */
async function everyLink(): Promise<string[]> {
  const links = (await driver().emails()).flatMap((e) => [
    ...[...e.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&')),
    ...[...e.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]),
  ]);
  return [...new Set(links.filter((l) => l.startsWith(driver().sandbox.urls.api)))];
}

/** What a scanner must not change: each incident's state, timeline and inbox. */
async function snapshot(ids: string[]) {
  return Promise.all(
    ids.map(async (id) => {
      const { incident, timeline } = await driver().incident(id);
      return { incident, timeline, inbox: await appContext().store.pendingEvents(id) };
    }),
  );
}

browserTests('action links in a browser', () => {
  it('a mail scanner that fetches (GET, HEAD) and renders with JavaScript every link of every message changes nothing', async () => {
    const major = await declare(driver(), { title: 'Card payments failing' });
    const candidate = await declare(driver(), { impact: 'high', urgency: 'medium', title: 'Slow refunds' });
    const active = await declare(driver(), { service: 'checkout', title: 'Checkout errors' });
    await driver().waitForTimeline(active, 'paged');
    await act(driver(), active, 'accept', 'dave');
    await driver().waitForTimeline(active, 'notice-sent');
    await act(driver(), active, 'update', 'dave', UPDATE);
    await driver().waitForTimeline(active, 'update-sent');
    await driver().waitForTimeline(candidate, 'paged');
    await driver().waitForTimeline(major, 'paged');
    const ids = [major, candidate, active];
    const before = await snapshot(ids);
    const links = await everyLink();

    const statuses: number[] = [];
    for (const link of links) {
      statuses.push((await fetch(link, { redirect: 'follow' })).status);
      statuses.push((await fetch(link, { method: 'HEAD', redirect: 'follow' })).status);
    }
    const scanner = await browser.newPage({ javaScriptEnabled: true });
    for (const link of links) {
      await scanner.goto(link, { waitUntil: 'load' });
    }
    await scanner.close();

    expect(links.length).toBeGreaterThanOrEqual(8);
    // Live links show their confirmation page; those for a step already past say so (410).
    expect(new Set(statuses)).toEqual(new Set([200, 410]));
    expect(await snapshot(ids)).toEqual(before);
    const page = await driver().waitForEmail('bob@example.com', new RegExp(`${major}.*please accept`));
    expect((await driver().pressButton(driver().linkIn(page, 'Accept as MIM'), {})).status).toBe(200);
  });

  it('without JavaScript, a candidate is rejected through its labelled form, by role and label alone', async () => {
    const { id, page: email } = await pagedIncident(driver(), {
      impact: 'high',
      urgency: 'medium',
      title: 'One customer cannot log in',
    });
    const page = await browser.newPage({ javaScriptEnabled: false });

    await page.goto(driver().linkIn(email, 'Reject candidate'));
    const lang = await page.getAttribute('html', 'lang');
    await page.getByLabel(/Why is it not a major incident\?/).fill('One customer; the service desk has it.');
    await page.getByRole('button', { name: 'Reject candidate' }).click();
    await page.waitForLoadState('load');
    const done = await page.textContent('main');
    await page.close();

    expect(lang).toBe('en');
    expect(done).toContain('Reject candidate: recorded for');
    await driver().waitForTimeline(id, 'downgraded');
    expect((await driver().incident(id)).incident.rejection?.reason).toBe('One customer; the service desk has it.');
  });

  it('the MIM opens the link from the page email, presses Accept, and the workflow moves on', async () => {
    const { id, paged: mim, page: email } = await pagedIncident(driver(), { title: 'Orders not shipping' });
    const link = /href="([^"]+)"[^>]*>Accept as MIM</.exec(email.html)![1]!.replaceAll('&amp;', '&');
    const page = await browser.newPage();

    await page.goto(link);
    const confirm = await page.textContent('main');
    await page.getByRole('button', { name: 'Accept as MIM' }).click();
    await page.waitForLoadState('load');
    const done = await page.textContent('main');
    await driver().waitForTimeline(id, 'notice-sent');
    await page.close();

    expect(confirm).toContain('Nothing has happened yet: press the button to act.');
    expect(done).toMatch(new RegExp(`Accept as MIM: recorded for ${id} as \\w+ \\w+ at`));
    const { incident, timeline } = await driver().incident(id);
    expect(incident.status).toBe('active');
    expect(timeline.find((e) => e.kind === 'accepted')).toMatchObject({ actor: mim, channel: 'link' });
    expect((await driver().statePath(id)).slice(0, 7)).toEqual([
      'Classify',
      'RouteByVerdict',
      'PageMim',
      'AwaitAcknowledgement',
      'TakeAnswer',
      'RouteAnswer',
      'Mobilise',
    ]);
  });

  it("a web page of another site cannot declare an incident through the sandbox's management API, by script or by form", async () => {
    const api = driver().sandbox.urls.api;
    const body = JSON.stringify({ service: 'payments', title: 'Declared by a web page', by: 'irene' });
    // The attacker's page, on another site of this machine (localhost is not 127.0.0.1 to a browser).
    const attacker = await listen(
      async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><form id="f" method="POST" action="${api}/incidents" enctype="text/plain">
        <input name='${body.slice(0, -1)},"x":"' value='"}'></form>
        <script>fetch(${JSON.stringify(`${api}/incidents`)}, { method: 'POST', mode: 'no-cors',
          headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} })
          .finally(() => document.getElementById('f').submit());</script>`);
      },
      0,
      'localhost',
    );
    const all = async () => (await driver().api<{ incidents: unknown[] }>('GET', '/incidents?status=all')).body.incidents.length;
    const before = await all();
    const page = await browser.newPage();

    await page.goto(attacker.url.replace('127.0.0.1', 'localhost'));
    await page.waitForURL(`${api}/incidents`);
    const answer = await page.textContent('body');
    await page.close();
    await close(attacker.server);

    expect(answer).toMatch(/CrossSiteRequest|UnsupportedMediaType/);
    expect(await all()).toBe(before);
  });
});
