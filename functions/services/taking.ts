import { findPerson } from '../core/config';
import { type Incident, type MimEvent, refusalFor } from '../core/incident';
import { handedOverNotice, handoverOfferNotice, priorityChangeNotice, mimBriefNotice, zoneOf } from '../core/messages';
import { stopTakingAlarms } from './intake';
import { entry } from '../core/timeline';
import { transition, type Transition } from '../core/transitions';
import type { Delivery } from '../adapters/notifier';
import type { App } from './app';
import { describeDeliveries, priorityAudience } from '../core/audiences';
import { load, waitFor, notify, told, WAR_ROOM, BOTH, briefMim, type StepResult } from './steps';

/*
 * Waiting for people, and taking what they did: each action applied once, as core/transitions.ts
 * decides it, with its effect and its timeline line.
 */

/**
 * How much later than the incident's own deadline (or than now, once that has passed) a wait may end
 * before it is woken to be measured again: a wait is computed a moment before it starts, so it always
 * ends a little after the deadline.
 */
const STALE_WAIT_MS = 5_000;
/**
 * The wait registers its task token, then hands over at once anything already in the inbox. A wait
 * that would end well after the incident's deadline is woken at once, with no event: its length was
 * measured earlier than now. That is what a redrive does on AWS, which enters the wait again with the
 * input it had when it first began (its full original length), long after an update fell due; the
 * step after the wait then measures the time left again from the stored deadline.
 */
export async function awaitEvent(
  app: App,
  input: { incidentId: string; phase: string; taskToken: string; waitSeconds?: number | undefined },
): Promise<void> {
  const now = app.clock.now();
  await app.store.setWait(input.incidentId, { token: input.taskToken, phase: input.phase, since: now.toISOString() });
  if (input.phase === 'follow-up') {
    // The follow-up after the close takes no inbox events (its wake is an action item marked done). An
    // item marked done before this wait was registered could not wake it: if that left nothing to
    // follow, the follow-up ends now rather than at the next reminder's time.
    const items = await app.store.actionItems(input.incidentId);
    if (items.every((i) => i.doneAt || i.overdueToldAt)) {
      await app.workflow.deliver(input.taskToken, { incidentId: input.incidentId, eventId: 'none', at: now.toISOString() });
    }
    return;
  }
  // A hold before paging takes no actions (nobody has been paged): they wait for the page's wait.
  const [pending] = input.phase === 'hold' ? [] : await app.store.pendingEvents(input.incidentId);
  if (pending) {
    await app.workflow.deliver(input.taskToken, { incidentId: input.incidentId, eventId: pending.id, at: pending.at });
    return;
  }
  const deadline = (await app.store.getIncident(input.incidentId))?.deadline;
  const endsAt = input.waitSeconds === undefined ? undefined : now.getTime() + input.waitSeconds * 1000;
  // Measured from the deadline, or from now if it has passed: a wait begun after its deadline (a
  // workflow resumed late) is one second long and must run out, to take the path of what fell due;
  // woken, it would be measured again at one second and woken again, for ever.
  if (deadline && endsAt !== undefined && endsAt > Math.max(Date.parse(deadline), now.getTime()) + STALE_WAIT_MS) {
    await app.workflow.deliver(input.taskToken, { incidentId: input.incidentId, eventId: 'none', at: now.toISOString() });
  }
}
/**
 * Applies an inbox event to the incident exactly once. The change records the event id and the event
 * is marked taken only after the change is stored, so a retried step finishes what it began instead
 * of losing or repeating it; a second delivery of an event already taken routes nowhere.
 */
export async function takeEvent(
  app: App,
  input: { incidentId: string; eventId: string },
  now = app.clock.now(),
): Promise<StepResult> {
  const incident = await load(app, input.incidentId);
  const event = await app.store.findEvent(incident.id, input.eventId);
  const none: StepResult = {
    incidentId: incident.id,
    action: 'none',
    waitSeconds: waitFor(incident, now),
    // The acknowledgement wait escalates from here when it times out.
    ...(incident.pageLevel === undefined ? {} : { pageLevel: incident.pageLevel }),
  };
  if (!event) return none;
  if (incident.lastEventId === event.id) {
    await app.store.consumeEvent(incident.id, event);
    return taken(incident, event, now);
  }
  if (event.consumedAt) return none;
  // The rule the request passed when it was made, asked again: the incident may have changed since.
  const refusal = refusalFor(incident, event);
  if (refusal) {
    await app.store.appendTimeline(
      incident.id,
      entry('action-refused', `${event.action} by ${event.by} refused: ${refusal}`, { actor: event.by, channel: event.via }),
      `refused#${event.id}`,
    );
    await app.store.consumeEvent(incident.id, event);
    return none;
  }
  const after = (await apply(app, incident, event, now)) ?? incident;
  await app.store.consumeEvent(incident.id, event);
  return taken(after, event, now);
}
/**
 * What a taken event routes on. A pass carries the level it passes from, for the next page; an
 * action that does not leave the wait (a handover) carries the time left of it.
 */
function taken(incident: Incident, event: MimEvent, now: Date): StepResult {
  return {
    incidentId: incident.id,
    action: event.action,
    waitSeconds: waitFor(incident, now),
    ...(event.action === 'pass' ? { pageLevel: incident.pageLevel ?? 0 } : {}),
  };
}
/**
 * Applies a person's action: the transition decided in core, written while the incident is where the
 * action applies, its effect (people told, alarms no longer taken), then its line once. Returns the
 * incident as it then stands when the action changed its wait.
 */
async function apply(app: App, incident: Incident, event: MimEvent, now: Date): Promise<Incident | undefined> {
  const t = transition(app.config, incident, event, now);
  if (t.effect === 'stop-alarms') await stopTakingAlarms(app, incident);
  const changed = (await app.store.updateIncident(incident.id, t.changes, { status: t.from })) ?? incident;
  const deliveries = await affect(app, t.effect, incident, changed, event, now);
  await app.store.appendTimeline(
    incident.id,
    entry(t.line.kind, t.line.summary(describeDeliveries(deliveries)), {
      actor: event.by,
      channel: event.via,
      at: event.at,
      ...(event.principal || deliveries.length
        ? {
            detail: {
              ...(deliveries.length ? told(deliveries) : {}),
              ...(event.principal ? { principal: event.principal } : {}),
            },
          }
        : {}),
    }),
    `event#${event.id}`,
  );
  return t.rewaits ? changed : undefined;
}
/** Whom an action's effect tells, and how: the deliveries its timeline line reports. */
async function affect(
  app: App,
  effect: Transition['effect'],
  before: Incident,
  after: Incident,
  event: MimEvent,
  now: Date,
): Promise<Delivery[]> {
  switch (effect) {
    case 'tell-priority-audience': {
      const change = {
        from: before.priority!,
        by: findPerson(app.config, event.by)?.name ?? event.by,
        reason: event.reason ?? '',
      };
      return notify(
        app,
        after,
        `priority#${event.id}`,
        priorityAudience(app.config, before, after),
        (zone) => priorityChangeNotice(app.config, after, change, zone),
        WAR_ROOM,
      );
    }
    case 'offer-handover': {
      const to = findPerson(app.config, event.to)!;
      const links = { takeOver: await app.links.issue(before.id, 'take-over', to.id, now) };
      return app.notifier.send(before, `handover#${event.id}`, [
        { person: to, channels: BOTH, notice: handoverOfferNotice(app.config, after, zoneOf(app.config, to), links) },
      ]);
    }
    case 'hand-over': {
      const from = before.mim?.name ?? 'nobody';
      const previous = findPerson(app.config, before.mim?.id);
      if (previous) {
        await app.notifier.send(before, `handed-over#${event.id}`, [
          {
            person: previous,
            channels: ['email'],
            notice: handedOverNotice(app.config, after, from, event.at, zoneOf(app.config, previous)),
          },
        ]);
      }
      await briefMim(app, after, `mim-brief#${event.id}`, now, (zone, links) => mimBriefNotice(app.config, after, zone, links));
      return [];
    }
    default:
      return [];
  }
}
