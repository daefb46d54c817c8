import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newLinkId } from '../../functions/core/ids';
import { appContext } from '../../functions/services/app';
import { declare } from '../support/incidents';
import { fastConfigWith, useSandbox, whenOnCall } from '../support/sandbox';

// The page stays unanswered for the whole attack: no escalation changes the incident meanwhile.
const config = fastConfigWith('link-attacks', { rota: { ackWindow: '10m' } });
// Bob's pages are the ones read: the sandbox runs in a week when he is the on-call MIM.
const { driver } = useSandbox(config, { at: whenOnCall('bob', config) });

/** 10,000 ids an attacker might try against one real link: random, truncated, bit-flipped, mangled. */
function forgeries(real: string): string[] {
  const bytes = Buffer.from(real, 'base64url');
  const flipped = Array.from({ length: bytes.length * 8 }, (_, bit) => {
    const copy = Buffer.from(bytes);
    copy[bit >> 3]! ^= 1 << (bit & 7);
    return copy.toString('base64url');
  });
  const truncated = Array.from({ length: real.length - 1 }, (_, n) => real.slice(0, n + 1));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const substituted = Array.from({ length: 2000 }, () => {
    const at = randomInt(real.length);
    const other = alphabet.replace(real[at]!, '')[randomInt(alphabet.length - 1)]!;
    return real.slice(0, at) + other + real.slice(at + 1);
  });
  const extended = Array.from({ length: 500 }, () => real + alphabet[randomInt(alphabet.length)]);
  const mangled = ['', '.', '..', '../incidents', '%2e%2e', real.toUpperCase(), real.toLowerCase(), `${real}/`, ` ${real}`];
  const all = new Set([...flipped, ...truncated, ...substituted, ...extended, ...mangled]);
  while (all.size < 10_001) all.add(randomInt(2) ? newLinkId() : randomBytes(randomInt(1, 40)).toString('base64url'));
  all.delete(real);
  return [...all].slice(0, 10_000);
}

describe('action links under attack', () => {
  it('10,000 random, truncated, bit-flipped and mangled link ids: none acts, and the real link still does', async () => {
    const id = await declare(driver(), { impact: 'high', urgency: 'medium', title: 'Link attack target' });
    await driver().waitForTimeline(id, 'paged');
    const page = await driver().waitForEmail('bob@example.com', new RegExp(`${id}.*accept or reject`));
    const accept = driver().linkIn(page, 'Accept as MIM');
    const [base, real] = accept.split('/a/') as [string, string];
    const before = await driver().incident(id);
    const tries = forgeries(real);

    const statuses = new Map<number, number>();
    for (let i = 0; i < tries.length; i += 25) {
      const answers = await Promise.all(
        tries.slice(i, i + 25).map((forged) =>
          fetch(`${base}/a/${encodeURIComponent(forged)}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'confirm=accept',
          }),
        ),
      );
      for (const a of answers) {
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        await a.body?.cancel();
      }
    }

    expect(tries).toHaveLength(10_000);
    expect([...statuses.keys()].every((s) => s === 404)).toBe(true);
    const after = await driver().incident(id);
    expect(after.incident).toEqual(before.incident);
    expect(after.timeline).toEqual(before.timeline);
    expect(await appContext().store.pendingEvents(id)).toEqual([]);
    expect((await driver().pressButton(accept, {})).status).toBe(200);
  }, 180_000);
});
