import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import { ROOT } from '../../infra/local/sandbox';
import { act, declare, UPDATE } from '../support/incidents';
import { haveChromium, launchChromium } from '../support/browser';
import { fastConfigWith, useSandbox, whenOnCall } from '../support/sandbox';

// Nothing moves on its own: pages wait ten minutes, updates are due in an hour. Bob is the on-call MIM.
const config = fastConfigWith('console-browser', { rota: { ackWindow: '10m' }, cadence: { P1: '1h', P2: '1h' } });
const { driver, sandbox } = useSandbox(config, { at: whenOnCall('bob', config) });
const browserTests = haveChromium() ? describe : describe.skip;
const artifacts = join(ROOT, 'test-artifacts');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let browser: Browser;
beforeAll(async () => {
  if (!haveChromium()) return;
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

/** A person at their own browser, signed in through the console's form by keyboard alone. */
async function signIn(person: string, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto(sandbox().urls.console);
  await page.focus('#username');
  await page.keyboard.type(person);
  await page.keyboard.press('Tab');
  await page.keyboard.type(SANDBOX_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${sandbox().urls.console}`);
  return { context, page };
}

/** An incident Bob accepted and gave a first update, by the API. */
async function updatedIncident(title: string): Promise<string> {
  const id = await declare(driver(), { service: 'checkout', title });
  await driver().waitForTimeline(id, 'paged');
  await act(driver(), id, 'accept', 'bob');
  await driver().waitForTimeline(id, 'notice-sent');
  await act(driver(), id, 'update', 'bob', UPDATE);
  await driver().waitForTimeline(id, 'update-sent');
  return id;
}

/** What the page shows, as a person reads it. */
const shown = (page: Page) => page.innerText('body');

/** The page, kept for a person to read, and never wider than the screen. */
async function keep(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `console-${name}.png`), fullPage: true });
  // Evaluated in the page, as text: this file is compiled without the DOM's types.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow, `${name} is wider than its screen`).toBeLessThanOrEqual(0);
}

browserTests('console in a browser', () => {
  it('the service desk declares, the on-call MIM accepts and updates from the console, leadership reads it with no button and a forged action is refused', async () => {
    // The service desk checks the classification, then declares.
    const desk = await signIn('desk');
    await desk.page.click('text=Declare');
    await desk.page.selectOption('#service', 'payments');
    await desk.page.fill('#title', 'Card payments failing for some customers');
    await desk.page.fill('#description', 'Callers report declined cards since 10:05.');
    await desk.page.click('button[value=check]');
    const dryRun = await shown(desk.page);
    await desk.page.click('button[value=declare]');
    await desk.page.waitForURL(/\/console\/incidents\/INC-/);
    const id = /INC-\d{8}-[0-9A-F]{6}/.exec(desk.page.url())![0];
    await driver().waitForTimeline(id, 'paged');
    await desk.page.goto(sandbox().urls.console);
    const deskBoard = await shown(desk.page);

    // Bob, paged, accepts and posts the first update.
    const bob = await signIn('bob');
    await bob.page.click(`text=${id}`);
    await bob.page.click('text=Accept this incident as its Major Incident Manager');
    await bob.page.click('button:has-text("Accept as MIM")');
    await bob.page.waitForSelector('text=Accept as MIM: recorded as Bob Brown');
    await driver().waitForTimeline(id, 'notice-sent');
    await bob.page.reload();
    await bob.page.click('text=Post a status update');
    await bob.page.fill('#update-impact', UPDATE.impact);
    await bob.page.fill('#update-status', UPDATE.status);
    await bob.page.fill('#update-actions', UPDATE.actions);
    await bob.page.click('button:has-text("Send update")');
    await bob.page.waitForSelector('text=Send update: recorded as Bob Brown');
    const told = await driver().waitForEmail('irene@example.com', new RegExp(`Update 1: ${id}`));

    // Irene (leadership) reads it: the update, the next one due, and no button to act.
    const irene = await signIn('irene');
    await driver().waitForTimeline(id, 'update-sent');
    await irene.page.goto(`${sandbox().urls.console}/incidents/${id}`);
    const ireneSees = await shown(irene.page);
    const buttons = await irene.page.locator('main form').count();
    const forged = await irene.context.request.post(`${sandbox().urls.console}/incidents/${id}/actions`, {
      form: { action: 'resolve', resolution: 'Not mine to say', key: 'forged' },
      headers: { origin: sandbox().urls.api },
      maxRedirects: 0,
    });

    expect(dryRun).toContain('P2 candidate: nothing is declared yet.');
    expect(deskBoard).toContain('Card payments failing for some customers');
    expect(told.text).toContain(UPDATE.impact);
    expect(ireneSees).toContain(UPDATE.impact);
    expect(ireneSees).toMatch(/Next update\s+\d{2}:\d{2}/);
    expect(buttons).toBe(0);
    expect(forged.status()).toBe(403);
    expect((await driver().incident(id)).incident.status).toBe('active');
    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.channel === 'console').map((e) => [e.kind, e.actor])).toEqual(
      expect.arrayContaining([
        ['declared', 'desk'],
        ['accepted', 'bob'],
      ]),
    );
    for (const person of [desk, bob, irene]) await person.context.close();
  });

  it("operations sign in and see stopped workflows, quarantined input and where the system's own alarms are", async () => {
    const frank = await signIn('frank');
    await frank.page.click('text=Operations');
    const page = await shown(frank.page);

    expect(page).toContain('Stopped workflows');
    expect(page).toContain('Quarantined input');
    expect(page).toContain("The system's own alarms");
    await keep(frank.page, 'operations-desktop');
    await frank.context.close();
  });

  it('the board and an incident page read well on a desktop and on a phone (screenshots kept in test-artifacts)', async () => {
    const id = await updatedIncident('Checkout errors for card payments');
    for (const [name, width] of [
      ['desktop', 1280],
      ['phone', 390],
    ] as const) {
      const { context, page } = await signIn('bob', width);
      await keep(page, `board-${name}`);
      await page.goto(`${sandbox().urls.console}/incidents/${id}`);
      await keep(page, `incident-${name}`);
      await context.close();
    }
  });

  it("an incident's timeline refreshes in place while its page is open", async () => {
    const id = await updatedIncident('Refunds delayed');
    const { context, page } = await signIn('irene');
    await page.goto(`${sandbox().urls.console}/incidents/${id}`);
    const before = await page.locator('#timeline tr').count();

    await driver().api('POST', `/incidents/${id}/actions`, {
      action: 'update',
      by: 'bob',
      ...UPDATE,
      status: 'Rolled back; watching.',
    });
    // Polled from here: the page's CSP allows no script but its own, so no evaluated one either.
    const deadline = Date.now() + 25_000;
    while ((await page.locator('#timeline tr').count()) <= before && Date.now() < deadline) await page.waitForTimeout(500);

    expect(await page.innerText('#timeline')).toContain('Update');
    await context.close();
  }, 40_000);

  it("once the sign-in has ended, an open page's timeline stops refreshing and says so, rather than show the sign-in form", async () => {
    const id = await updatedIncident('Signed out while watching');
    const { context, page } = await signIn('irene');
    await page.goto(`${sandbox().urls.console}/incidents/${id}`);

    await context.clearCookies();
    await page.waitForSelector('text=Your sign-in has ended, so this page no longer refreshes', { timeout: 25_000 });

    expect(await page.innerText('#timeline')).not.toContain('Sign in');
    await context.close();
  }, 40_000);

  it('the sign-in, board, declare and incident pages pass axe: no serious or critical accessibility failure (contrast, labels, names)', async () => {
    const id = await updatedIncident('Checked for accessibility');
    const { context } = await signIn('bob');
    // axe is put in the page for the check alone: the console's CSP rightly lets no such script in.
    const checking = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    await checking.addCookies(await context.cookies());
    const tab = await checking.newPage();
    const failures: string[] = [];
    for (const path of ['/sign-in', '', '/declare', `/incidents/${id}`]) {
      await tab.goto(`${sandbox().urls.console}${path}`);
      await tab.addScriptTag({ path: AXE });
      const found = await tab.evaluate<Array<{ id: string; impact: string; nodes: unknown[] }>>(
        'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes })))',
      );
      for (const v of found)
        if (v.impact === 'serious' || v.impact === 'critical') failures.push(`${path || '/'}: ${v.id} (${v.nodes.length})`);
    }

    expect(failures).toEqual([]);
    await checking.close();
    await context.close();
  });
});
