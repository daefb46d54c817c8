import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { activeIncident } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// A Slack webhook that always answers 503.
let calls = 0;
const receiver = createServer((req, res) => {
  calls += 1;
  req.resume();
  req.on('end', () => res.writeHead(503).end('unavailable'));
});
await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
afterAll(() => new Promise((ok) => receiver.close(ok)));
const webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack`;

const { driver } = useSandbox(fastConfigWith('war-room-down', { cadence: { P1: '1h' }, chat: { slack: { webhook } } }));

describe('workflow: a war room that is down', () => {
  it('is tried again, then recorded on the timeline; the people still get their notices and the incident carries on', async () => {
    const id = await activeIncident(driver());

    const { incident, timeline } = await driver().incident(id);
    expect(incident.status).toBe('active');
    expect(calls).toBe(3);
    expect(timeline.map((e) => e.summary)).toContainEqual(
      'slack to the Slack war room failed: WebhookFailed: HTTP 503: unavailable (after 3 tries)',
    );
    expect(timeline.find((e) => e.kind === 'notice-sent')?.summary).toMatch(
      /^First stakeholder notice to \d+ recipient\(s\) by email and sms; bridge/,
    );
  });
});
