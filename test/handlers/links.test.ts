import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { hashLinkId, newLinkId } from '../../functions/core/ids';
import { dynamo } from '../../functions/adapters/clients';
import { appContext } from '../../functions/services/app';
import { declare } from '../support/incidents';
import { FAST_CONFIG, useSandbox, whenOnCall } from '../support/sandbox';

// These tests read the pages Bob gets: the sandbox runs in a week when he is the on-call MIM.
const { driver } = useSandbox(FAST_CONFIG, { at: whenOnCall('bob') });

/** A freshly paged candidate and the links in its page to the on-call MIM. */
async function pagedCandidate() {
  const id = await declare(driver(), { impact: 'high', urgency: 'medium', title: `Candidate ${Math.random()}` });
  await driver().waitForTimeline(id, 'paged');
  const page = await driver().waitForEmail('bob@example.com', new RegExp(`${id}.*accept or reject`));
  return { id, accept: driver().linkIn(page, 'Accept as MIM'), reject: driver().linkIn(page, 'Reject candidate') };
}

/** A link to accept `id`, sent to Bob, that expired on 2 January 2026. */
async function expiredAcceptLink(id: string): Promise<string> {
  const linkId = newLinkId();
  await appContext().store.putLink({
    hash: hashLinkId(linkId),
    incidentId: id,
    action: 'accept',
    recipient: 'bob',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
  });
  return `${driver().sandbox.urls.api}/a/${linkId}`;
}

async function state(id: string) {
  const { incident, timeline } = await driver().incident(id);
  return { status: incident.status, mim: incident.mim, entries: timeline.length };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('action links', () => {
  it('a GET or HEAD shows a confirmation page and changes nothing', async () => {
    const { id, accept } = await pagedCandidate();
    const before = await state(id);

    const get = await fetch(accept);
    const head = await fetch(accept, { method: 'HEAD' });

    expect(get.status).toBe(200);
    expect(head.status).toBe(200);
    const text = pageText(await get.text());
    expect(text).toContain('This link was sent to Bob Brown. Nothing has happened yet: press the button to act.');
    expect(text).toContain(id);
    expect(await state(id)).toEqual(before);
    expect(await appContext().store.pendingEvents(id)).toHaveLength(0);
  });

  it('the first POST acts; a second is refused with a page that says who acted and when', async () => {
    const { id, accept } = await pagedCandidate();

    const first = await fetch(accept, form({ confirm: 'accept' }));
    const second = await fetch(accept, form({ confirm: 'accept' }));

    expect(first.status).toBe(200);
    expect(pageText(await first.text())).toMatch(
      /^Done Accept as MIM: recorded for INC-\d{8}-[0-9A-F]{6} as Bob Brown at \d\d:\d\d GMT/,
    );
    expect(second.status).toBe(409);
    expect(pageText(await second.text())).toMatch(
      new RegExp(
        `This link was already used Bob Brown used it to accept ${id} at \\d\\d:\\d\\d GMT, \\w{3} \\d+ \\w{3}\\. Each link acts once\\.`,
      ),
    );
    await driver().waitForTimeline(id, 'accepted');
    expect((await state(id)).mim?.name).toBe('Bob Brown');
  });

  for (const [where, fails] of [
    ['storing the event', (input: { Item?: { sk?: string } }) => input.Item?.sk?.startsWith('INBOX#') === true],
    ['burning the link', (input: { UpdateExpression?: string }) => input.UpdateExpression?.includes('usedAt = ') === true],
  ] as const) {
    it(`a POST that fails at ${where} and is sent again acts once: nothing is left used without its action`, async () => {
      const { id, accept } = await pagedCandidate();
      let failing = true;
      dynamo.middlewareStack.add(
        ((next: (args: unknown) => Promise<unknown>) => async (args: { input: never }) => {
          if (failing && (fails as (input: never) => boolean)(args.input)) {
            failing = false;
            throw Object.assign(new Error('the function crashed here'), { name: 'TimeoutError' });
          }
          return next(args);
        }) as never,
        { step: 'initialize', name: 'crashOnce' },
      );
      let first: Response;
      try {
        first = await fetch(accept, form({ confirm: 'accept' }));
      } finally {
        dynamo.middlewareStack.remove('crashOnce');
      }

      const again = await fetch(accept, form({ confirm: 'accept' }));
      const third = await fetch(accept, form({ confirm: 'accept' }));

      expect(first.status).toBe(500);
      expect([200, 409]).toContain(again.status);
      expect(third.status).toBe(409);
      await driver().waitForTimeline(id, 'accepted');
      expect((await state(id)).mim?.name).toBe('Bob Brown');
      expect((await driver().incident(id)).timeline.filter((e) => e.kind === 'accepted')).toHaveLength(1);
    });
  }

  it('a forged, truncated or bit-flipped link id is refused and changes nothing', async () => {
    const { id, accept } = await pagedCandidate();
    const before = await state(id);
    const linkId = accept.split('/a/')[1]!;
    const flipped = (linkId[0] === 'A' ? 'B' : 'A') + linkId.slice(1);
    const base = accept.split('/a/')[0];

    const answers = await Promise.all(
      [newLinkId(), linkId.slice(0, -1), flipped, '../incidents', 'x'].map((forged) =>
        fetch(`${base}/a/${encodeURIComponent(forged)}`, form({ confirm: 'accept' })),
      ),
    );

    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404]);
    expect(pageText(await answers[0]!.text())).toContain('This link is not valid');
    expect(await state(id)).toEqual(before);
  });

  it('an expired link is refused with the time it expired, and changes nothing', async () => {
    const { id } = await pagedCandidate();
    const url = await expiredAcceptLink(id);

    const get = await fetch(url);
    const post = await fetch(url, form({ confirm: 'accept' }));

    expect([get.status, post.status]).toEqual([410, 410]);
    expect(pageText(await post.text())).toContain('This link has expired It expired at 00:00 GMT, Fri 2 Jan.');
    expect((await state(id)).status).toBe('paging');
  });

  it('a used, expired or moved-on link shows only what it was for, never the live status, priority or MIM', async () => {
    const { id, accept, reject } = await pagedCandidate();
    await fetch(accept, form({ confirm: 'accept' }));
    await driver().waitForTimeline(id, 'accepted');
    const expired = await expiredAcceptLink(id);

    const pages = await Promise.all([accept, reject, expired].map(async (url) => pageText(await (await fetch(url)).text())));

    for (const text of pages) {
      expect(text).toContain(id);
      expect(text).toMatch(/Sent to Bob Brown/);
      expect(text).not.toMatch(/Priority|Status|MIM Bob|\bP[1-4]\b|active|paging/);
    }
  });

  it('a POST that says it comes from another origin is refused, for browsers without Sec-Fetch-Site too', async () => {
    const { id, accept } = await pagedCandidate();

    const fromElsewhere = await fetch(accept, {
      ...form({ confirm: 'accept' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    const opaque = await fetch(accept, {
      ...form({ confirm: 'accept' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
    });

    expect([fromElsewhere.status, opaque.status]).toEqual([403, 403]);
    expect((await state(id)).status).toBe('paging');
  });

  it('a POST from another site is refused', async () => {
    const { id, accept } = await pagedCandidate();

    const answer = await fetch(accept, {
      ...form({ confirm: 'accept' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
    });

    expect(answer.status).toBe(403);
    expect((await state(id)).status).toBe('paging');
  });

  it("a form asking what cannot apply (the incident's own priority, a hand-over to oneself) is shown again with why, and the link stays usable", async () => {
    const { id, accept } = await pagedCandidate();
    await fetch(accept, form({ confirm: 'accept' }));
    const brief = await driver().waitForEmail('bob@example.com', new RegExp(`You are the MIM for .*${id}`));
    const { incident } = await driver().incident(id);
    const priority = driver().linkIn(brief, 'Change priority');
    const handOver = driver().linkIn(brief, 'Hand over to another MIM');

    const same = await fetch(priority, form({ confirm: 'change-priority', priority: incident.priority!, reason: 'oops' }));
    const self = await fetch(handOver, form({ confirm: 'hand-over', to: 'bob' }));

    expect([same.status, self.status]).toEqual([400, 400]);
    expect(pageText(await same.text())).toContain(`${id} is ${incident.priority} already`);
    expect(pageText(await self.text())).toContain(`bob leads ${id} already: hand it over to someone else`);
    expect([(await fetch(priority)).status, (await fetch(handOver)).status]).toEqual([200, 200]);
  });

  it('a rejection without a reason shows the form again with the error, and the link stays usable', async () => {
    const { id, reject } = await pagedCandidate();

    const empty = await fetch(reject, form({ confirm: 'reject', reason: '  ' }));
    const real = await fetch(reject, form({ confirm: 'reject', reason: 'A single customer; handled by the team' }));

    expect(empty.status).toBe(400);
    expect(pageText(await empty.text())).toContain('reason is required');
    expect(real.status).toBe(200);
    await driver().waitForTimeline(id, 'downgraded');
  });
});
