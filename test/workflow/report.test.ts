import { DateTime } from 'luxon';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../infra/local/sandbox';
import { haveChromium, launchChromium } from '../support/browser';
import type { Usage } from '../../functions/core/cost';
import type { Report } from '../../functions/core/report';
import { act, declare, finished, UPDATE } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// On virtual time, which moves only when the test moves it: every figure of the report is exact.
const config = fastConfigWith('report', {
  rota: { ackWindow: '5m' },
  cadence: { P1: '30m', P2: '30m' },
  review: { dueIn: '1d', remindEvery: '12h' },
});
const { driver, sandbox } = useSandbox(config, { virtualTime: true });

const minutes = (n: number) => sandbox().time!.advance(n * 60_000);

async function paged(id: string): Promise<string> {
  await driver().waitForTimeline(id, 'paged');
  return (await driver().incident(id)).incident.pagedNow![0]!;
}

async function reviewedAndClosed(id: string, mim: string) {
  await driver().waitForTimeline(id, 'review-opened');
  await act(driver(), id, 'submit-review', mim, { summary: 'A bad deploy.', lessons: 'Canary first.' });
  await finished(driver(), id);
}

describe('workflow: the report over incidents run through the real lifecycle', () => {
  it('gives each incident its times, its kept and missed promises and its candidate answer, and the period its figures', async () => {
    // A: accepted after a minute; its update and resolution come before they are due.
    const a = await declare(driver(), { title: 'Fast' });
    const mimA = await paged(a);
    minutes(1);
    await act(driver(), a, 'accept', mimA);
    let token = await driver().nextWait(a, 'active');
    minutes(10);
    await act(driver(), a, 'update', mimA, UPDATE);
    token = await driver().nextWait(a, 'active', token);
    minutes(5);
    await act(driver(), a, 'resolve', mimA, { resolution: 'Rolled back.' });
    await reviewedAndClosed(a, mimA);

    // B: accepted after four minutes; the MIM misses the first update (stakeholders get "no change"),
    // posts it six minutes late, and resolves two minutes after.
    const b = await declare(driver(), { title: 'Slow' });
    const mimB = await paged(b);
    minutes(4);
    await act(driver(), b, 'accept', mimB);
    token = await driver().nextWait(b, 'active');
    minutes(30);
    await driver().waitForTimeline(b, 'no-change-sent');
    token = await driver().nextWait(b, 'active', token);
    minutes(6);
    await act(driver(), b, 'update', mimB, UPDATE);
    token = await driver().nextWait(b, 'active', token);
    minutes(2);
    await act(driver(), b, 'resolve', mimB, { resolution: 'Failed over.' });
    await reviewedAndClosed(b, mimB);

    // C: a P2 candidate the MIM rejects after two minutes.
    const c = await declare(driver(), { title: 'Not major', impact: 'high', urgency: 'medium' });
    const mimC = await paged(c);
    minutes(2);
    await act(driver(), c, 'reject', mimC, { reason: 'One merchant only; the normal queue has it.' });
    await finished(driver(), c);

    // Leadership judges A after it closed: its kept outcome counts the judgement.
    await act(driver(), a, 'feedback', 'irene', { rightCall: 'no', comment: 'A blip.' });

    const { status, body } = await driver().api<Report>('GET', '/reports?since=1d');

    expect(status).toBe(200);
    const byId = Object.fromEntries(body.incidents.map((i) => [i.id, i]));
    expect(byId[a]).toMatchObject({
      timeToAcknowledgeSeconds: 60,
      timeToFirstNoticeSeconds: 60,
      timeToResolveSeconds: 16 * 60,
      promises: [{ outcome: 'on-time' }, { outcome: 'on-time' }],
      outcome: 'closed',
    });
    expect(byId[b]).toMatchObject({
      timeToAcknowledgeSeconds: 4 * 60,
      timeToResolveSeconds: 42 * 60,
      promises: [{ outcome: 'no-change', lateSeconds: 6 * 60 }, { outcome: 'on-time' }, { outcome: 'on-time' }],
    });
    expect(byId[c]).toMatchObject({ candidate: 'rejected', outcome: 'downgraded', priority: 'P2', promises: [] });
    // What each closed incident cost, computed at its close from what its steps used: its execution's
    // transitions, its invocations, its table units and its messages.
    const costLine = (await driver().incident(a)).timeline.find((e) => e.kind === 'cost-computed')!;
    const usage = (costLine.detail as { usage: Usage }).usage;
    expect(usage.stateTransitions).toBeGreaterThan(10);
    expect(usage.lambdaInvocations).toBeGreaterThan(5);
    expect(usage.dynamoWriteUnits).toBeGreaterThan(usage.lambdaInvocations);
    expect(usage.emails).toBeGreaterThan(0);
    expect(costLine.summary).toMatch(/^Cost on AWS: USD [\d.]+: infrastructure USD 0\.\d{4} \(\d+ state transitions, /);
    expect(body.overall.cost.incidents).toBe(2);
    expect(body.overall.cost.total).toBeCloseTo(byId[a]!.cost!.total + byId[b]!.cost!.total, 10);
    expect(body.overall).toMatchObject({
      incidents: 3,
      byPriority: { P1: 2, P2: 1, P3: 0, P4: 0, none: 0 },
      timeToAcknowledge: { count: 2, median: 150, p90: 240 },
      timeToResolve: { count: 2, median: 1740, p90: 2520 },
      promises: { count: 5, onTime: 4, noChange: 1, late: 0, rate: 0.8 },
      candidates: { accepted: 0, rejected: 1, rate: 0 },
    });
    expect(Object.values(body.overall.pages).reduce((n, p) => n + p.pages, 0)).toBe(3);
    expect(body.overEscalation).toEqual([
      { criterion: 'declarations of high impact x high urgency', majors: 2, judgedNotMajor: 1, candidates: 0, rejected: 0 },
      { criterion: 'declarations of high impact x medium urgency', majors: 0, judgedNotMajor: 0, candidates: 1, rejected: 1 },
    ]);
  });

  it('mim report prints the figures as a table and writes them as one page with charts, which a browser shows whole', async () => {
    const html = join(tmpdir(), `report-${process.pid}.html`);

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/mim.mjs', '--api', sandbox().urls.api, 'report', '--since', '1d', '--html', html],
      { timeout: 30_000 },
    );

    expect(stdout).toContain('3 incidents (P1 2, P2 1)');
    expect(stdout).toMatch(/time to acknowledge\s+2m 30s\s+4m\s+2/);
    expect(stdout).toContain('updates on time       4 of 5 (80%); 1 covered by "no change"');
    expect(stdout).toContain('candidates accepted   0 of 1 (0%)');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('Major incidents at Example Corp (tests)');
    expect(page).not.toMatch(/<script|<link|src=|url\(|@import/i);
    if (!haveChromium()) return;
    // Kept for a person to read: the page at desktop and phone widths.
    const artifacts = join(ROOT, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    const browser = await launchChromium();
    try {
      for (const [name, width] of [
        ['desktop', 1280],
        ['phone', 390],
      ] as const) {
        const tab = await browser.newPage({ viewport: { width, height: 900 } });
        await tab.goto(`file://${html}`);
        // Evaluated in the page, as text: this file is compiled without the DOM's types.
        const overflow = await tab.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        await tab.screenshot({ path: join(artifacts, `report-${name}.png`), fullPage: true });
        expect(overflow, `the page is wider than a ${name} screen`).toBeLessThanOrEqual(0);
        await tab.close();
      }
    } finally {
      await browser.close();
    }
  });

  it('a period that is not one is refused with how to ask', async () => {
    const { status, body } = await driver().api<{ message: string }>('GET', '/reports?since=lastweek');

    expect(status).toBe(400);
    expect(body.message).toBe('since="lastweek" is neither a duration (30d, 12h) nor a day (2026-11-01)');
  });

  it('an action item left open past its due day is listed as overdue by the report', async () => {
    const d = await declare(driver(), { title: 'With an action item' });
    const mimD = await paged(d);
    await act(driver(), d, 'accept', mimD);
    await driver().nextWait(d, 'active');
    await act(driver(), d, 'resolve', mimD, { resolution: 'Rolled back.' });
    await driver().waitForTimeline(d, 'review-opened');
    const due = DateTime.fromJSDate(sandbox().clock.now(), { zone: 'Europe/London' }).toISODate()!;
    await act(driver(), d, 'submit-review', mimD, {
      summary: 'A bad deploy.',
      lessons: 'Canary.',
      actionItems: `erin, ${due}, Add a canary stage`,
    });
    await driver().nextWait(d, 'follow-up');
    sandbox().time!.advance(2 * 86_400_000);
    await finished(driver(), d);

    const { body } = await driver().api<Report>('GET', '/reports?since=7d');

    expect(body.actionItems).toEqual([{ incidentId: d, n: 1, title: 'Add a canary stage', owner: 'erin', due, overdue: true }]);
    expect(body.incidents.map((i) => i.id)).toContain(d);
  });
});
