import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Incident, MimEvent } from '../../functions/core/incident';
import type { TimelineKind } from '../../functions/core/timeline';
import { submitAction } from '../../functions/services/actions';
import { appContext } from '../../functions/services/app';
import {
  classifyIncident,
  mobilise,
  pageMim,
  resolveIncident,
  sendUpdate,
  type StepResult,
  takeEvent,
} from '../../functions/services/lifecycle';
import { ROOT } from '../../infra/local/sandbox';
import { UPDATE } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

// The example organisation's own policy: P1 every 30 minutes, P2 every hour.
const { driver, sandbox } = useSandbox(join(ROOT, 'config/organisation.yaml'));

const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00Z`);
const clock = (d: Date) => d.toISOString().slice(11, 16);

/**
 * Runs the incident's steps as the state machine does, on a simulated clock: each step says how long
 * its wait lasts; the wait ends then, or earlier when someone acts. Returns when each update round
 * went out and what it was.
 */
async function run(
  id: string,
  actions: Array<{ at: Date; action: Omit<MimEvent, 'id' | 'at' | 'incidentId' | 'via'> }>,
  until: Date,
) {
  const app = appContext();
  const rounds: string[] = [];
  const record = async (now: Date, step: StepResult, kind: TimelineKind) => {
    const { timeline } = await driver().incident(id);
    const last = timeline.filter((e) => e.kind === kind).at(-1)!;
    rounds.push(
      `${clock(now)} ${last.kind}: next ${
        last.summary
          .match(/next update at (\d\d:\d\d)|next at (\d\d:\d\d)/)
          ?.slice(1)
          .find(Boolean) ?? '-'
      }`,
    );
    return step;
  };
  let now = at('09:00');
  await classifyIncident(app, id, now);
  await pageMim(app, id, now);
  const paged = (await app.store.getIncident(id))!.pagedNow![0]!;
  now = at('09:02');
  const accept = await submitAction(app, { incidentId: id, action: 'accept', by: paged, via: 'cli' }, now);
  await takeEvent(app, { incidentId: id, eventId: accept.event.id }, now);
  let step = await record(now, await mobilise(app, id, now), 'notice-sent');
  const queue = [...actions];
  while (now < until) {
    const due = new Date(now.getTime() + step.waitSeconds! * 1000);
    const next = queue[0];
    if (next && next.at <= due) {
      queue.shift();
      now = next.at;
      const { event } = await submitAction(app, { ...next.action, incidentId: id, via: 'cli' }, now);
      const taken = await takeEvent(app, { incidentId: id, eventId: event.id }, now);
      if (taken.action === 'update') step = await record(now, await sendUpdate(app, id, 'posted', now), 'update-sent');
      else if (taken.action === 'resolve') {
        await resolveIncident(app, id);
        break;
      } else step = await record(now, taken, 'priority-changed');
    } else {
      now = due;
      step = await record(now, await sendUpdate(app, id, 'due', now), 'no-change-sent');
    }
  }
  return rounds;
}

describe('cadence across a long incident, on a simulated clock', () => {
  it('a P1 lowered to P2 after two hours gets exactly the expected rounds at the expected times, each naming the next', async () => {
    const app = appContext();
    const id = 'INC-20261127-CAD001';
    await app.store.createIncident({
      id,
      title: 'Card payments failing',
      service: 'payments',
      source: 'manual',
      declaredAt: at('09:00').toISOString(),
      declaredBy: 'irene',
      alarmCount: 0,
      status: 'declared',
      impact: 'high',
      urgency: 'high',
    } satisfies Incident);
    const smsBefore = sandbox().sns.outbox.length;

    const rounds = await run(
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
