import { newEventId } from '../core/ids';
import { type MimEvent, refusalFor, type WorkflowStop } from '../core/incident';
import type { App } from './app';

/** A person's action that does not apply to the incident as it now stands; the message says why. */
export class ActionRefused extends Error {
  override readonly name = 'ActionRefused';
}

export class UnknownIncident extends Error {
  override readonly name = 'UnknownIncident';
}

export interface Submitted {
  event: MimEvent;
  delivered: boolean;
  /** The incident's workflow is stopped: the action is kept, and taken only once it is restarted. */
  stopped?: WorkflowStop;
}

/**
 * Records a person's action in the incident's inbox first, then wakes the workflow's current wait.
 * If that wait has just ended (a timeout won the race), the event stays in the inbox and the next
 * wait takes it at once: nothing a person does is lost to a timer.
 */
export async function submitAction(
  app: App,
  action: Omit<MimEvent, 'id' | 'at'>,
  now = app.clock.now(),
  id = newEventId(),
): Promise<Submitted> {
  const incident = await app.store.getIncident(action.incidentId);
  if (!incident) throw new UnknownIncident(`there is no incident ${action.incidentId}; 'mim list' shows the open ones`);
  const refusal = refusalFor(incident, action.action, action.by, action.to);
  if (refusal) throw new ActionRefused(refusal);
  // An id given by the caller (a link's) stores the event once however often it is submitted.
  const event: MimEvent = { ...action, id, at: now.toISOString() };
  await app.store.putEvent(event);
  const wait = await app.store.getWait(incident.id);
  const delivered = wait
    ? await app.workflow.deliver(wait.token, { incidentId: incident.id, eventId: event.id, at: event.at })
    : false;
  return { event, delivered, ...(incident.workflowStopped ? { stopped: incident.workflowStopped } : {}) };
}
