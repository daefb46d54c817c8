import { findPerson } from '../core/config';
import { newEventId } from '../core/ids';
import { formatTime } from '../core/messages';
import { type Incident, type MimEvent, refusalFor, type WorkflowStop } from '../core/incident';
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
 * wait takes it at once: nothing a person does is lost to a timer. A caller that has just read the
 * incident (a link's page) hands it over rather than have it read again.
 */
export async function submitAction(
  app: App,
  action: Omit<MimEvent, 'id' | 'at'>,
  now = app.clock.now(),
  id = newEventId(),
  loaded?: Incident,
): Promise<Submitted> {
  const incident = loaded?.id === action.incidentId ? loaded : await app.store.getIncident(action.incidentId);
  if (!incident) throw new UnknownIncident(`there is no incident ${action.incidentId}; 'mim list' shows the open ones`);
  const refusal = refusalFor(incident, action);
  if (refusal) throw new ActionRefused(refusal);
  // An id given by the caller (a link's) stores the event once however often it is submitted.
  const event: MimEvent = { ...action, id, at: now.toISOString() };
  if (event.action === 'accept' || event.action === 'reject') {
    // Decided now, not later by the workflow: whoever answers second is told so, not "done".
    const answer = { action: event.action, by: event.by, at: event.at, eventId: event.id };
    if (!(await app.store.claimAnswer(incident.id, answer))) throw new ActionRefused(await answeredFirst(app, incident.id));
  }
  await app.store.putEvent(event);
  const wait = await app.store.getWait(incident.id);
  const delivered = wait
    ? await app.workflow.deliver(wait.token, { incidentId: incident.id, eventId: event.id, at: event.at })
    : false;
  return { event, delivered, ...(incident.workflowStopped ? { stopped: incident.workflowStopped } : {}) };
}

/** Why an answer lost: who answered first and when, or why the page takes no answer now. */
async function answeredFirst(app: App, id: string): Promise<string> {
  const incident = await app.store.getIncident(id);
  const first = incident?.answer;
  if (!first) return `${id} is no longer waiting for an answer`;
  const who = findPerson(app.config, first.by)?.name ?? first.by;
  return `${who} ${first.action === 'accept' ? 'accepted' : 'rejected'} ${id} first, at ${formatTime(first.at, app.config.timeZone)}`;
}
