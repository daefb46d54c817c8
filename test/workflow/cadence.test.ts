import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../infra/local/sandbox';
import { UPDATE } from '../support/incidents';
import { useSandbox } from '../support/sandbox';
import { at, declaredAtNine, runOnSimulatedClock } from '../support/simulated-clock';

// The example organisation's own policy: P1 every 30 minutes, P2 every hour.
const { driver, sandbox } = useSandbox(join(ROOT, 'config/organisation.yaml'));

describe('cadence across a long incident, on a simulated clock', () => {
  it('a P1 lowered to P2 after two hours gets exactly the expected rounds at the expected times, each naming the next', async () => {
    const id = 'INC-20261127-CAD001';
    await declaredAtNine(id);
    const smsBefore = sandbox().sns.outbox.length;

    const rounds = await runOnSimulatedClock(
      id,
      [
        { at: at('10:12'), action: { action: 'update', by: 'bob', update: UPDATE } },
        { at: at('11:00'), action: { action: 'change-priority', by: 'bob', priority: 'P2', reason: 'Workaround in place.' } },
        { at: at('13:00'), action: { action: 'resolve', by: 'bob', resolution: 'Gateway rolled back.' } },
      ],
      at('14:00'),
    );

    expect(rounds).toEqual([
      '09:02 notice-sent: next 09:32',
      '09:32 no-change-sent: next 10:02',
      '10:02 no-change-sent: next 10:32',
      '10:12 update-sent: next 10:42',
      '10:42 no-change-sent: next 11:12',
      // Lowered to P2: the update already promised for 11:12 still comes, then hourly.
      '11:00 priority-changed: next 11:12',
      '11:12 no-change-sent: next 12:12',
      '12:12 no-change-sent: next 13:12',
    ]);
    // Henry reads every time in New York's zone; Irene, in London, in GMT.
    const toHenry = (await driver().emails()).filter((e) => e.to.includes('henry@example.com') && e.subject.includes(id));
    expect(toHenry.map((e) => e.text.match(/Next update: (.*)/)?.[1] ?? e.subject)).toEqual([
      '04:32 EST, Fri 27 Nov',
      '05:02 EST, Fri 27 Nov',
      '05:32 EST, Fri 27 Nov',
      '05:42 EST, Fri 27 Nov',
      '06:12 EST, Fri 27 Nov',
      '06:12 EST, Fri 27 Nov',
      '07:12 EST, Fri 27 Nov',
      '08:12 EST, Fri 27 Nov',
      `[P2 MAJOR] Resolved: ${id} payments: Card payments failing`,
    ]);
    const smsToIrene = sandbox()
      .sns.outbox.slice(smsBefore)
      .filter((m) => m.phoneNumber === '+447700900108')
      .map((m) => m.message);
    expect(smsToIrene).toHaveLength(9);
    expect(smsToIrene[1]).toBe(`${id}: no change, work continues. Next update 10:02 GMT, Fri 27 Nov`);
  });
});
