import type { Incident, MimEvent } from '../../functions/core/incident';
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

export const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00Z`);
const clock = (d: Date) => d.toISOString().slice(11, 16);

/** The timeline lines that say a round of messages went out (or was scheduled), and when the next is due. */
const ROUNDS = ['notice-scheduled', 'notice-sent', 'update-sent', 'no-change-sent', 'priority-changed'];

export type SimulatedAction = { at: Date; action: Omit<MimEvent, 'id' | 'at' | 'incidentId' | 'via'> };

/** A P1 for the payments service declared at 09:00 by Irene, stored as intake would store it. */
export async function declaredAtNine(id: string): Promise<void> {
  await appContext().store.createIncident({
    id,
    title: 'Card payments failing',
    service: 'payments',
    source: 'manual',
    declaredAt: at('09:00').toISOString(),
    declaredBy: 'irene',
    status: 'declared',
    impact: 'high',
    urgency: 'high',
  } satisfies Incident);
}

/**
 * Runs an incident's steps as the state machine does, on a simulated clock: paged at 09:00 and
 * accepted at 09:02 by whoever was paged; then each step says how long its wait lasts, and the wait
 * ends then, or earlier when someone acts, until `until`. Returns each round as "HH:MM kind: next HH:MM".
 */
export async function runOnSimulatedClock(id: string, actions: SimulatedAction[], until: Date): Promise<string[]> {
  const app = appContext();
  const rounds: string[] = [];
  const kinds = async () => (await app.store.timeline(id)).filter((e) => ROUNDS.includes(e.kind));
  const record = async (now: Date, run: () => Promise<StepResult>) => {
    const before = await kinds();
    const step = await run();
    const added = (await kinds()).filter((e) => !before.some((b) => b.kind === e.kind && b.summary === e.summary));
    for (const e of added) {
      const next = e.summary
        .match(/next update at (\d\d:\d\d)|next at (\d\d:\d\d)|due by (\d\d:\d\d)/)
        ?.slice(1)
        .find(Boolean);
      rounds.push(`${clock(now)} ${e.kind}: next ${next ?? '-'}`);
    }
    return step;
  };
  let now = at('09:00');
  await classifyIncident(app, id, now);
  await pageMim(app, id, now);
  const paged = (await app.store.getIncident(id))!.pagedNow![0]!;
  now = at('09:02');
  const accept = await submitAction(app, { incidentId: id, action: 'accept', by: paged, via: 'cli' }, { now });
  await takeEvent(app, { incidentId: id, eventId: accept.event.id }, now);
  let step = await record(now, () => mobilise(app, id, now));
  const queue = [...actions];
  for (;;) {
    const due = new Date(now.getTime() + step.waitSeconds! * 1000);
    const next = queue[0];
    if (next && next.at <= due) {
      queue.shift();
      now = next.at;
      const { event } = await submitAction(app, { ...next.action, incidentId: id, via: 'cli' }, { now });
      const taken = await record(now, () => takeEvent(app, { incidentId: id, eventId: event.id }, now));
      if (taken.action === 'update') step = await record(now, () => sendUpdate(app, id, 'posted', now));
      else if (taken.action === 'resolve') {
        await resolveIncident(app, id);
        break;
      } else step = taken;
    } else {
      if (due > until) break;
      now = due;
      step = await record(now, () => sendUpdate(app, id, 'due', now));
    }
  }
  return rounds;
}
