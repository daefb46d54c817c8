import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxDriver } from '../../infra/local/driver';
import { type Sandbox, startSandbox } from '../../infra/local/sandbox';
import { act, activeIncident, declare, UPDATE } from '../support/incidents';
import { fastConfigWith } from '../support/sandbox';

/** A loopback stand-in for Slack's and Teams' incoming webhooks: keeps what it is sent. */
const received: Array<{ path: string; body: Record<string, unknown> }> = [];
let receiver: Server;
let sandbox: Sandbox;
let driver: SandboxDriver;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push({ path: req.url!, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(req.url === '/teams' ? 202 : 200).end('ok');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const configPath = fastConfigWith('war-room', {
    cadence: { P1: '1h', P2: '1h' },
    chat: { slack: { webhook: `${base}/slack` }, teams: { webhook: `${base}/teams` } },
  });
  sandbox = await startSandbox({ configPath });
  driver = new SandboxDriver(sandbox);
});
afterAll(async () => {
  await sandbox.stop();
  await new Promise((ok) => receiver.close(ok));
});

const slackText = (body: Record<string, unknown>) => JSON.stringify(body.blocks);

describe('workflow: the war-room add-on', () => {
  it('the stakeholder notices are posted once to Slack and to Teams, and never a page or a link', async () => {
    const id = await activeIncident(driver);
    await act(driver, id, 'update', 'dave', { ...UPDATE, status: 'Cause found: <b>bad</b> deploy & more.' });
    await driver.waitForTimeline(id, 'update-sent');

    const mine = received.filter((r) => JSON.stringify(r.body).includes(id));
    const slack = mine.filter((r) => r.path === '/slack');
    const teams = mine.filter((r) => r.path === '/teams');
    expect(slack.map((r) => r.body.text)).toEqual([
      expect.stringMatching(new RegExp(`^\\[P1 MAJOR\\] ${id} payments`)),
      expect.stringMatching(new RegExp(`^\\[P1 MAJOR\\] Update 1: ${id}`)),
    ]);
    expect(teams).toHaveLength(2);
    expect(slackText(slack[1]!.body)).toContain('Cause found: &lt;b&gt;bad&lt;/b&gt; deploy &amp; more.');
    expect(slackText(slack[1]!.body)).toContain('*Next update*');
    expect(JSON.stringify(teams[1]!.body)).toContain(
      '{"type":"TextRun","text":"Actions: ","weight":"Bolder"},{"type":"TextRun","text":"Rolling back the gateway."}',
    );
    expect(JSON.stringify(mine)).not.toMatch(/\/a\/[A-Za-z0-9_-]{27}/);
    const { timeline } = await driver.incident(id);
    expect(timeline.find((e) => e.kind === 'update-sent')?.summary).toMatch(/; posted to Slack and Teams; next update/);
  });

  it('a drill is posted marked as one; a drill told to named audiences only is not posted at all', async () => {
    const everyone = await declare(driver, { title: 'Drill for everyone', drill: {} });
    const some = await declare(driver, { title: 'Drill for leadership', drill: { audiences: ['leadership'] } });
    for (const id of [everyone, some]) {
      await driver.waitForTimeline(id, 'paged');
      await act(driver, id, 'accept', (await driver.incident(id)).incident.pagedNow![0]!);
      await driver.waitForTimeline(id, 'notice-sent');
    }

    const posted = (id: string) => received.filter((r) => JSON.stringify(r.body).includes(id));

    expect(
      posted(everyone)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/slack', '/teams']);
    expect(posted(everyone).find((r) => r.path === '/slack')!.body.text).toMatch(/^\[DRILL\] /);
    expect(posted(some)).toEqual([]);
  });

  it('the timeline says who got each round, by name and channel', async () => {
    const id = await activeIncident(driver);

    const { timeline } = await driver.incident(id);
    const initial = timeline.find((e) => e.kind === 'notice-sent')!;
    expect(initial.detail?.told).toMatchObject({
      email: expect.arrayContaining(['Henry Hill', 'Irene Ito', 'Service Desk']),
      sms: expect.arrayContaining(['Henry Hill', 'Irene Ito']),
      slack: ['the Slack war room'],
      teams: ['the Teams war room'],
    });
  });
});
