import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { activeIncident, declare } from '../support/incidents';
import { useSandbox } from '../support/sandbox';
import { defaultDeclarationKey } from '../../functions/http-api/routes';

const { driver } = useSandbox();

type Problem = { error: string; message: string };

describe('management API', () => {
  it('declaring for a service the config does not know names the services it does', async () => {
    const { status, body } = await driver().api<Problem>('POST', '/incidents', {
      service: 'payroll',
      title: 'Down',
      by: 'irene',
    });

    expect(status).toBe(400);
    expect(body).toEqual({
      error: 'InvalidInput',
      message: 'service "payroll" is not in the config; known services: payments, checkout, reporting',
    });
  });

  it('a declaration without a title or with a bad impact says which field and what is expected', async () => {
    const { status, body } = await driver().api<Problem>('POST', '/incidents', {
      service: 'payments',
      by: 'irene',
      impact: 'extreme',
    });

    expect(status).toBe(400);
    expect(body.message).toMatch(/^title: .*; impact: Invalid option: expected one of "high"\|"medium"\|"low"$/);
  });

  it('a title is one line: line breaks and control characters become spaces, and a title of nothing else is refused', async () => {
    const declared = await driver().api<{ incidentId: string }>('POST', '/incidents', {
      service: 'checkout',
      title: 'line1\r\nBcc: evil@example.com\n\u001b[31mline3',
      by: 'irene',
    });
    const empty = await driver().api<Problem>('POST', '/incidents', { service: 'checkout', title: '\r\n\t', by: 'irene' });

    expect(declared.status).toBe(201);
    expect((await driver().incident(declared.body.incidentId)).incident.title).toBe('line1 Bcc: evil@example.com [31mline3');
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/^title: /);
  });

  it('a title over 200 characters or a name over 200 is refused with a clear 400, and nothing is declared', async () => {
    const long = await driver().api<Problem>('POST', '/incidents', {
      service: 'checkout',
      title: 'Checkout down '.repeat(72),
      by: 'irene',
    });
    const someone = await driver().api<Problem>('POST', '/incidents', {
      service: 'checkout',
      title: 'Down',
      by: 'x'.repeat(201),
    });

    expect(long).toEqual({
      status: 400,
      body: {
        error: 'InvalidInput',
        message:
          'title: title is longer than 200 characters; say what is happening in a line, and the detail in the first update',
      },
    });
    expect(someone.status).toBe(400);
    expect(someone.body.message).toMatch(/^by: .*200/);
    expect((await driver().openIncidents()).filter((i) => i.title.startsWith('Checkout down Checkout down'))).toEqual([]);
  });

  it('a 2,000-character Idempotency-Key is refused with its limits; a long key within them declares, and declares once', async () => {
    const declare = (key: string) =>
      fetch(`${driver().sandbox.urls.api}/incidents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ service: 'checkout', title: 'Checkout slow', by: 'irene' }),
      });

    const huge = await declare('k'.repeat(2000));
    const first = await declare(`ticket-${'9'.repeat(120)}`);
    const again = await declare(`ticket-${'9'.repeat(120)}`);

    expect(huge.status).toBe(400);
    expect(((await huge.json()) as Problem).message).toBe('Idempotency-Key: expected 8 to 128 characters');
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { incidentId: string }).incidentId).toBe(
      ((await first.json()) as { incidentId: string }).incidentId,
    );
  });

  it('the same idempotency key declares the incident once', async () => {
    const request = { service: 'checkout', title: 'Checkout down', by: 'irene', idempotencyKey: 'ticket-12345678' };

    const first = await driver().api<{ incidentId: string; outcome: string }>('POST', '/incidents', request);
    const second = await driver().api<{ incidentId: string; outcome: string }>('POST', '/incidents', request);

    expect(first.status).toBe(201);
    expect(second).toEqual({
      status: 200,
      body: expect.objectContaining({ incidentId: first.body.incidentId, outcome: 'duplicate' }),
    });
  });

  it('without a key, a drill and a real incident declared alike are two incidents: the real one is not taken for a repeat', async () => {
    const request = { service: 'checkout', title: `Checkout down ${Math.random()}`, by: 'desk' };

    const drill = await driver().api<{ incidentId: string; outcome: string }>('POST', '/incidents', { ...request, drill: {} });
    const real = await driver().api<{ incidentId: string; outcome: string }>('POST', '/incidents', request);

    expect(drill.body.outcome).toBe('opened');
    expect(real.body.outcome).toBe('opened');
    expect(real.body.incidentId).not.toBe(drill.body.incidentId);
  });

  it("without a key, the default key of a declaration is the same for a drill's audiences in any order, and differs for a real one", () => {
    const now = new Date('2026-12-01T10:00:30Z');
    const base = { service: 'checkout', title: 'Checkout down', by: 'desk', description: undefined };

    const one = defaultDeclarationKey({ ...base, drill: { audiences: ['leadership', 'service-desk'] } }, now);
    const other = defaultDeclarationKey({ ...base, drill: { audiences: ['service-desk', 'leadership', 'leadership'] } }, now);
    const real = defaultDeclarationKey(base, now);

    expect(other).toBe(one);
    expect(real).not.toBe(one);
  });

  it('an action by someone who is not in the config is refused with examples of person ids', async () => {
    const { status, body } = await driver().api<Problem>('POST', '/incidents/INC-20261127-ABCDEF/actions', {
      action: 'accept',
      by: 'mallory',
    });

    expect(status).toBe(400);
    expect(body.message).toBe('by: "mallory" is not a person in the config; use a person id such as alice, bob, carol');
  });

  it('an unknown incident is 404 and a malformed id says what ids look like', async () => {
    const unknown = await driver().api<Problem>('POST', '/incidents/INC-20261127-ABCDEF/actions', {
      action: 'accept',
      by: 'bob',
    });
    const malformed = await driver().api<Problem>('GET', '/incidents/42');

    expect(unknown).toEqual({
      status: 404,
      body: { error: 'UnknownIncident', message: "there is no incident INC-20261127-ABCDEF; 'mim list' shows the open ones" },
    });
    expect(malformed).toEqual({
      status: 400,
      body: { error: 'InvalidInput', message: '"42" is not an incident id; ids look like INC-20261127-4F2A9C' },
    });
  });

  it('an update without its fields says which are missing', async () => {
    const { body: declared } = await driver().api<{ incidentId: string }>('POST', '/incidents', {
      service: 'payments',
      title: 'x',
      by: 'irene',
      idempotencyKey: 'update-fields-test',
    });

    const { status, body } = await driver().api<Problem>('POST', `/incidents/${declared.incidentId}/actions`, {
      action: 'update',
      by: 'bob',
      status: 'Investigating',
    });

    expect(status).toBe(400);
    expect(body.message).toMatch(/^update needs: impact is required; actions is required$/);
  });

  it('a request body that is not JSON is refused, and an unknown route points to the README', async () => {
    const notJson = await fetch(`${driver().sandbox.urls.api}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    const unknown = await driver().api<Problem>('GET', '/nope');

    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as Problem).message).toMatch(
      /^the body is not JSON \(.+\); send a JSON object, with content-type application\/json$/,
    );
    expect(unknown).toEqual({
      status: 404,
      body: { error: 'NotFound', message: 'no route for GET /nope; see the README for the API' },
    });
  });

  it('a web page of another site cannot use the management API: a text/plain body or a cross-site request is refused, and nothing is declared', async () => {
    const all = async () => (await driver().api<{ incidents: unknown[] }>('GET', '/incidents?status=all')).body.incidents.length;
    const before = await all();
    const body = JSON.stringify({ service: 'payments', title: 'Declared by a web page', by: 'irene' });
    const post = (headers: Record<string, string>) =>
      fetch(`${driver().sandbox.urls.api}/incidents`, { method: 'POST', headers, body });

    const plain = await post({ 'content-type': 'text/plain' });
    const crossSite = await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' });
    const otherOrigin = await post({ 'content-type': 'application/json', origin: 'https://evil.example' });

    expect([plain.status, crossSite.status, otherOrigin.status]).toEqual([415, 403, 403]);
    expect(((await plain.json()) as Problem).message).toBe(
      'send the body as JSON, with content-type application/json (not text/plain)',
    );
    expect(((await crossSite.json()) as Problem).error).toBe('CrossSiteRequest');
    expect(await all()).toBe(before);
  });

  it('names every JavaScript object has (constructor, __proto__) are nobody: refused as people who are not in the config', async () => {
    const id = await declare(driver());

    const accepted = await driver().api<Problem>('POST', `/incidents/${id}/actions`, { action: 'accept', by: 'constructor' });
    const declared = await driver().api<Problem>('POST', '/incidents', { service: 'payments', title: 'x', by: 'toString' });
    const handedOver = await driver().api<Problem>('POST', `/incidents/${id}/actions`, {
      action: 'hand-over',
      by: 'dave',
      to: '__proto__',
    });

    expect([accepted.status, declared.status, handedOver.status]).toEqual([400, 400, 400]);
    expect(accepted.body.message).toMatch(/^by: "constructor" is not a person in the config/);
    expect(handedOver.body.message).toMatch(/^hand-over needs: to: "__proto__" is not a person in the config/);
    expect((await driver().incident(id)).incident.mim).toBeUndefined();
  });

  it('an incident is handed over only to someone who holds the MIM role, whatever it comes through: leadership is refused, and the MIM keeps it', async () => {
    const id = await activeIncident(driver());
    const { mim } = (await driver().incident(id)).incident;

    const answer = await driver().api<Problem>('POST', `/incidents/${id}/actions`, {
      action: 'hand-over',
      by: mim!.id,
      to: 'irene',
    });

    expect(answer.status).toBe(409);
    expect(answer.body.message).toContain('Irene Ito holds no MIM role, so cannot take');
    expect((await driver().incident(id)).incident.mim?.id).toBe(mim!.id);
    expect((await driver().incident(id)).incident.handover).toBeUndefined();
  });

  it('a declaration by someone who is not in the config is refused, as an action by them is', async () => {
    const answer = await driver().api<Problem>('POST', '/incidents', { service: 'payments', title: 'Down', by: 'mallory' });

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/^by: "mallory" is not a person in the config; use a person id such as /);
  });

  it('a request that names another host (a DNS-rebinding page) is refused by every sandbox endpoint', async () => {
    const { api, ses } = driver().sandbox.urls;
    // fetch() will not send a Host of its choosing, as a browser on a rebound name does.
    const rebound = (url: string, method = 'GET', body = '') =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const target = new URL(url);
        const req = request(
          target,
          {
            method,
            headers: {
              host: `rebind.evil.example:${target.port}`,
              'content-type': 'application/json',
              'sec-fetch-site': 'same-origin',
            },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += String(chunk)));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    const declared = await rebound(
      `${api}/incidents`,
      'POST',
      JSON.stringify({ service: 'payments', title: 'Rebound', by: 'irene' }),
    );
    const mail = await rebound(`${ses}/store`);
    const store = await rebound(driver().sandbox.urls.dynamodb, 'POST', '{}');

    expect([declared.status, mail.status, store.status]).toEqual([403, 403, 403]);
    expect(declared.text).toMatch(/answers only to 127\.0\.0\.1 or localhost/);
  });

  it('JSON answers say nosniff; a method a route does not take is 405, naming the ones it does in Allow', async () => {
    const list = await fetch(`${driver().sandbox.urls.api}/incidents`);
    const remove = await fetch(`${driver().sandbox.urls.api}/incidents`, { method: 'DELETE' });
    const putLink = await fetch(`${driver().sandbox.urls.api}/a/${'x'.repeat(27)}`, { method: 'PUT' });

    expect(list.headers.get('x-content-type-options')).toBe('nosniff');
    expect(remove.status).toBe(405);
    expect(remove.headers.get('allow')).toBe('GET, POST');
    expect(((await remove.json()) as Problem).message).toBe('/incidents takes GET, POST, not DELETE');
    expect(putLink.status).toBe(405);
    expect(putLink.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('a quarantine day that is not a day of the calendar is refused, saying how to write one', async () => {
    const answer = await driver().api<Problem>('GET', '/quarantine?day=2026-02-30');

    expect(answer).toEqual({
      status: 400,
      body: { error: 'InvalidInput', message: 'day "2026-02-30" is not a day; write one such as 2026-11-27' },
    });
  });

  it('a redrive that names nobody says who must be named', async () => {
    const answer = await driver().api<Problem>('POST', '/incidents/INC-20261127-4F2A9C/redrive', {});

    expect(answer).toEqual({
      status: 400,
      body: { error: 'InvalidInput', message: 'by: the person acting is required, as a person id from the config' },
    });
  });

  it('a body larger than any route needs is refused with its size before it is read as JSON', async () => {
    const answer = await driver().api<Problem>('POST', '/incidents', { title: 'x'.repeat(300_000) });

    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      error: 'PayloadTooLarge',
      message: expect.stringMatching(/^the body is 3\d{5} bytes; the API takes at most 262144 \(256 KB\)$/),
    });
  });

  it("a body over API Gateway's 10 MB payload quota is refused as API Gateway refuses it, and nothing is declared", async () => {
    const ids = async () =>
      (await driver().api<{ incidents: Array<{ id: string }> }>('GET', '/incidents?status=all')).body.incidents.map((i) => i.id);
    const before = await ids();

    const answer = await fetch(`${driver().sandbox.urls.api}/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'payments', by: 'irene', title: 'x'.repeat(11 * 1024 * 1024) }),
    });

    expect(answer.status).toBe(413);
    expect(await answer.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(await ids()).toEqual(before);
  });
});
