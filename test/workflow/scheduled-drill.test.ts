import { describe, expect, it } from 'vitest';
import type { Incident } from '../../functions/core/incident';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Two drills on the sandbox's clock, from just before the first Tuesday of January 2027 (London):
// one at 14:00 (day for everyone it reaches, New York's leader included), one at 03:00 (at night for
// whoever is paged), and the afternoon one cancelled in February.
const config = fastConfigWith('scheduled-drill', {
  drills: [
    {
      name: 'monthly',
      service: 'payments',
      on: 'first tuesday',
      at: '14:00',
      by: 'irene',
      audiences: ['leadership'],
      cancelled: ['2027-02-02'],
    },
    { name: 'nightly', service: 'checkout', on: 'first tuesday', at: '03:00', by: 'irene' },
  ],
});
const { driver, sandbox } = useSandbox(config, { at: new Date('2027-01-05T02:58:00Z'), virtualTime: true });

const drills = async () => (await driver().openIncidents()).filter((i: Incident) => i.drill?.scheduled);
const minutes = async (n: number) => {
  sandbox().time!.advance(n * 60_000);
  await sandbox().scheduler.tick();
};

describe('workflow: drills on a schedule', () => {
  it('comes due at its time in the rota zone and runs as a drill told to its audiences; the one at night is skipped; a cancelled day is skipped', async () => {
    await minutes(5);
    const atNight = await drills();

    await minutes(11 * 60);
    const afternoon = await drills();
    const id = afternoon[0]!.id;
    await driver().waitForTimeline(id, 'paged');

    await minutes(28 * 24 * 60);
    const february = await drills();

    expect(atNight).toEqual([]);
    expect(afternoon.map((i) => [i.service, i.drill])).toEqual([
      ['payments', { scheduled: 'monthly', audiences: ['leadership'] }],
    ]);
    expect(afternoon[0]!.declaredAt).toBe('2027-01-05T14:00:00.000Z');
    expect((await driver().incident(id)).timeline.find((e) => e.kind === 'declared')).toMatchObject({
      channel: 'schedule',
      actor: 'irene',
      summary: expect.stringMatching(/^Drill declared by irene/),
    });
    expect(february.map((i) => i.id)).toEqual([id]);
  });
});
