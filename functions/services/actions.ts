import { findPerson } from '../core/config';
import { keyHash, newEventId } from '../core/ids';
import { formatTime } from '../core/messages';
import { type Incident, type MimEvent, refusalFor, type WorkflowStop } from '../core/incident';
import { handOverRefusal } from '../core/access';
import type { App } from './app';
import { recordFeedback } from './insight';
import { completeActionItem } from './follow-up';

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
  /** A repeat of an action already submitted with the same key: this is the first one's result. */
  repeated?: boolean;
  /** The incident's workflow is stopped: the action is kept, and taken only once it is restarted. */
  stopped?: WorkflowStop;
}

export interface SubmitOptions {
  now?: Date;
  /** The event's id: a link's, so that its event is stored once however often it is submitted. */
  id?: string;
  /**
   * The caller's idempotency key: the first submission with it is the action; a repeat (an answer
   * lost, the request sent again) gets the first one's result, and nothing is done twice.
   */
  key?: string;
  /** The incident as the caller has just read it (a link's page), rather than read again. */
  incident?: Incident;
}

/**
 * Records a person's action in the incident's inbox first, then wakes the workflow's current wait.
 * If that wait has just ended (a timeout won the race), the event stays in the inbox and the next
 * wait takes it at once: nothing a person does is lost to a timer.
 */
export async function submitAction(
  app: App,
  action: Omit<MimEvent, 'id' | 'at'>,
  options: SubmitOptions = {},
): Promise<Submitted> {
  const { now = app.clock.now(), key } = options;
  const loaded = options.incident;
  const incident = loaded?.id === action.incidentId ? loaded : await app.store.getIncident(action.incidentId);
  if (!incident) throw new UnknownIncident(`there is no incident ${action.incidentId}; 'mim list' shows the open ones`);
  const keyed = key === undefined ? undefined : keyHash(`${incident.id}#${action.by}#${key}`);
  let event: MimEvent = {
    ...action,
    id: options.id ?? (keyed ? `key-${keyed.slice(0, 32)}` : newEventId()),
    at: now.toISOString(),
  };
  let repeated = false;
  if (keyed) {
    // The key is claimed first, with the event it stands for: a repeat, however soon, finds it, and
    // is given the first one's result rather than judged as a new action.
    const first = await app.store.claimActionKey(incident.id, keyed, event);
    if (first?.refused) throw new ActionRefused(first.refused);
    if (first) {
      repeated = true;
      event = first.event;
      const stored = await app.store.findEvent(incident.id, event.id);
      if (stored) return { event: stored, delivered: Boolean(stored.consumedAt), repeated, ...stoppedOf(incident) };
      // The first submission stopped before storing its event: it is decided and stored now, as it would have been.
    }
  }
  const refusal = refusalFor(incident, event) ?? handOverRefusal(app.config, incident, event);
  if (refusal) return refuse(app, incident, keyed, refusal);
  if (event.action === 'feedback' && incident.drill) {
    return refuse(app, incident, keyed, `${incident.id} is a drill: whether it was the right call is not asked of a practice`);
  }
  if (event.action === 'feedback') {
    // A judgement of the call, not a step of the lifecycle: recorded now, whatever the workflow is doing.
    const earlier = await recordFeedback(app, incident, event);
    if (earlier) return refuse(app, incident, keyed, earlier);
    return { event, delivered: true, ...(repeated ? { repeated } : {}) };
  }
  if (event.action === 'complete-action') {
    // After the close there is no inbox to wait in: the item is marked at once, and the follow-up told.
    const refused = await completeActionItem(app, incident, event);
    if (refused) return refuse(app, incident, keyed, refused);
    return { event, delivered: true, ...(repeated ? { repeated } : {}) };
  }
  if (event.action === 'accept' || event.action === 'reject') {
    // Decided now, not later by the workflow: whoever answers second is told so, not "done".
    const answer = { action: event.action, by: event.by, at: event.at, eventId: event.id };
    if (!(await app.store.claimAnswer(incident.id, answer)))
      return refuse(app, incident, keyed, await answeredFirst(app, incident.id));
  }
  await app.store.putEvent(event);
  const wait = await app.store.getWait(incident.id);
  const delivered = wait
    ? await app.workflow.deliver(wait.token, { incidentId: incident.id, eventId: event.id, at: event.at })
    : false;
  return { event, delivered, ...(repeated ? { repeated } : {}), ...stoppedOf(incident) };
}

const stoppedOf = (incident: Incident) => (incident.workflowStopped ? { stopped: incident.workflowStopped } : {});

/** A refusal is kept with its key, so that a repeat is refused alike, not judged again. */
async function refuse(app: App, incident: Incident, keyed: string | undefined, refusal: string): Promise<never> {
  if (keyed) await app.store.refuseActionKey(incident.id, keyed, refusal);
  throw new ActionRefused(refusal);
}

/** Why an answer lost: who answered first and when, or why the page takes no answer now. */
async function answeredFirst(app: App, id: string): Promise<string> {
  const incident = await app.store.getIncident(id);
  const first = incident?.answer;
  if (!first) return `${id} is no longer waiting for an answer`;
  const who = findPerson(app.config, first.by)?.name ?? first.by;
  return `${who} ${first.action === 'accept' ? 'accepted' : 'rejected'} ${id} first, at ${formatTime(first.at, app.config.timeZone)}`;
}
