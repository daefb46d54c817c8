import { findPerson } from '../core/config';
import { type Incident } from '../core/incident';
import { closedNotice, formatTime, reviewNotice, zoneOf } from '../core/messages';
import { recordCost, recordOutcome } from './insight';
import { assignActionItems, followUpActionItems } from './follow-up';
import { reviewDraft } from '../core/review';
import { entry } from '../core/timeline';
import type { App } from './app';
import { broadcast, load, type StepResult, waitFor } from './steps';

/*
 * After the resolution: the post-incident review (its draft, reminders), the close with its cost
 * and outcome, and the follow-up of the review's action items.
 */

/** Opens the post-incident review: owned by the MIM, due per config, with the whole timeline. */
export async function openReview(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  const current = await load(app, id);
  const owner = current.mim ?? { id: 'unassigned', name: 'Unassigned', email: '' };
  const dueAt = current.review?.dueAt ?? new Date(now.getTime() + app.config.review.dueIn * 1000).toISOString();
  const incident =
    (await app.store.updateIncident(
      id,
      {
        status: 'review',
        review: { owner, dueAt },
        reminderCount: 0,
        nextUpdateAt: undefined,
        deadline: new Date(now.getTime() + app.config.review.remindEvery * 1000).toISOString(),
      },
      { status: ['resolved'] },
    )) ?? current;
  const entries = await sendReview(app, incident, false, now);
  await app.store.appendTimeline(
    id,
    entry(
      'review-opened',
      `Post-incident review opened for ${owner.name} with the ${entries}-entry timeline, due ${formatTime(dueAt, app.config.timeZone)}`,
    ),
    'review-opened',
  );
  return { incidentId: id, waitSeconds: waitFor(incident, now) };
}
/** Sends the review (or a reminder) to its owner with the whole timeline; returns how many entries it carried. */
async function sendReview(app: App, incident: Incident, reminder: boolean, now: Date): Promise<number> {
  const owner = findPerson(app.config, incident.review?.owner.id);
  const timeline = await app.store.timeline(incident.id);
  if (!owner) return timeline.length;
  const links = { review: await app.links.issue(incident.id, 'submit-review', owner.id, now) };
  const key = reminder ? `review-reminder#${incident.reminderCount}` : 'review-opened';
  const zone = zoneOf(app.config, owner);
  const updates = (await app.store.inbox(incident.id)).filter((e) => e.action === 'update');
  const draft = reviewDraft(app.config, incident, timeline, updates, zone);
  await app.notifier.send(incident, key, [
    {
      person: owner,
      channels: ['email'],
      notice: reviewNotice(app.config, incident, zone, timeline, links, reminder, draft),
    },
  ]);
  return timeline.length;
}
export async function remindReview(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  const current = await load(app, id);
  // A retry of this step (its answer lost) finds the next reminder already scheduled: it finishes the
  // same reminder, same number and message key, so that the owner is reminded once.
  const retried = (current.reminderCount ?? 0) > 0 && Date.parse(current.deadline ?? '') > now.getTime();
  const count = retried ? current.reminderCount! : (current.reminderCount ?? 0) + 1;
  const incident = retried
    ? current
    : ((await app.store.updateIncident(
        id,
        { reminderCount: count, deadline: new Date(now.getTime() + app.config.review.remindEvery * 1000).toISOString() },
        { status: ['review'] },
      )) ?? current);
  await sendReview(app, incident, true, now);
  await app.store.appendTimeline(
    id,
    entry(
      'review-reminder',
      `Reminded ${incident.review?.owner.name} that the review is due ${formatTime(incident.review!.dueAt, app.config.timeZone)}`,
    ),
    `review-reminder#${count}`,
  );
  return { incidentId: id, waitSeconds: waitFor(incident, now) };
}
export async function closeIncident(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  const incident = await load(app, id);
  // The notice first, then the status: an incident shown as closed has told everyone, and a step
  // stopped in between leaves it in review, still open and redrivable, its notice half sent in the
  // ledger for the retry to finish.
  const figures = reviewDraft(app.config, incident, await app.store.timeline(id), [], app.config.timeZone).fields;
  await broadcast(app, incident, 'closed', (zone) => closedNotice(app.config, incident, zone, figures), {
    kind: 'closed',
    summary: (to) => `Closed; review published to ${to}`,
  });
  await app.store.updateIncident(
    id,
    { status: 'closed', closedAt: now.toISOString(), deadline: undefined },
    { status: ['review'] },
  );
  await refuseLeftovers(app, id);
  await recordCost(app, id);
  await recordOutcome(app, id);
  // The review's action items are the workflow's to follow up from here, until each is done or overdue.
  await assignActionItems(app, incident, now);
  return { incidentId: id, ...(await followUpActionItems(app, incident, now)) };
}
/**
 * Actions still in the inbox at the close (a review submitted twice before the first was taken) can
 * no longer apply: each is refused on the timeline, once, and taken, so that nothing waits for them.
 */
async function refuseLeftovers(app: App, id: string): Promise<void> {
  for (const event of await app.store.pendingEvents(id)) {
    const why =
      event.action === 'submit-review'
        ? `the review of ${id} was already submitted, and the incident is closed`
        : `${id} is closed`;
    await app.store.appendTimeline(
      id,
      entry('action-refused', `${event.action} by ${event.by} refused: ${why}`, { actor: event.by, channel: event.via }),
      `refused#${event.id}`,
    );
    await app.store.consumeEvent(id, event);
  }
}

/** A pass of the action items' follow-up: reminders due, overdue items told; whether to go on. */
export async function followUp(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  return { incidentId: id, ...(await followUpActionItems(app, await load(app, id), now)) };
}
