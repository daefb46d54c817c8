import { DateTime } from 'luxon';
import { findPerson } from '../core/config';
import type { Incident, MimEvent, TrackedActionItem } from '../core/incident';
import { actionItemNotice, actionOverdueNotice, formatTime, zoneOf } from '../core/messages';
import { describeActionItem, today } from '../core/review';
import { entry } from '../core/timeline';
import type { App } from './app';

/*
 * A published review's action items, followed up by the incident's workflow after the close: each
 * owner gets the item with a link to mark it done, a reminder every `review.actionReminders` while it
 * is open and its due day has not passed, and then the review's owner is told it is overdue, once.
 * Marking the last item done (or the last one falling overdue) ends the workflow.
 */

/** The end of an item's due day in the organisation's zone: overdue from then. */
function endOfDue(app: App, item: Pick<TrackedActionItem, 'due'>): Date {
  return DateTime.fromISO(item.due, { zone: app.config.timeZone }).plus({ days: 1 }).toJSDate();
}

/** Links to mark an item done live until a week after its due day: the MIM may chase it a little. */
const doneLinkUntil = (app: App, item: TrackedActionItem) => new Date(endOfDue(app, item).getTime() + 7 * 86_400_000);

async function sendItem(app: App, incident: Incident, item: TrackedActionItem, reminder: number, now: Date): Promise<void> {
  const owner = findPerson(app.config, item.owner);
  if (!owner) return;
  const done = await app.links.issue(incident.id, 'complete-action', owner.id, now, item.n, doneLinkUntil(app, item));
  await app.notifier.send(incident, reminder === 0 ? `action#${item.n}` : `action-reminder#${item.n}#${reminder}`, [
    {
      person: owner,
      channels: ['email'],
      notice: actionItemNotice(app.config, incident, item, zoneOf(app.config, owner), { done }, reminder > 0),
    },
  ]);
}

/** At the close: keeps the review's action items and gives each to its owner. */
export async function assignActionItems(app: App, incident: Incident, now: Date): Promise<TrackedActionItem[]> {
  const items = (incident.review?.actionItems ?? []).map((item, i): TrackedActionItem => ({
    ...item,
    incidentId: incident.id,
    service: incident.service,
    n: i + 1,
    createdAt: now.toISOString(),
    ...(incident.drill ? { drill: true as const } : {}),
  }));
  if (items.length === 0) return [];
  await app.store.putActionItems(items);
  // Read back: a retried close finds the items its first attempt kept, with their first times.
  const kept = await app.store.actionItems(incident.id);
  for (const item of kept.filter((i) => !i.doneAt)) await sendItem(app, incident, item, 0, now);
  return kept;
}

/**
 * One pass of the follow-up: reminds the owners whose reminder is due, tells the review's owner of
 * each item whose day has passed; says whether any item still needs following up, and how long
 * until the next thing falls due.
 */
export async function followUpActionItems(
  app: App,
  incident: Incident,
  now: Date,
): Promise<{ followUp: boolean; waitSeconds?: number }> {
  const every = app.config.review.actionReminders * 1000;
  const followed: number[] = [];
  for (const item of await app.store.actionItems(incident.id)) {
    if (item.doneAt || item.overdueToldAt) continue;
    const overdueAt = endOfDue(app, item);
    // Each follow-up is claimed while the item is open, then sent (once, by its ledger key), then
    // counted: a "done" that comes first stops it, and a retry finds a claimed one and finishes it.
    if (item.tellingOverdue || now >= overdueAt) {
      if (item.tellingOverdue || (await app.store.claimFollowUp(item, { tellingOverdue: now.toISOString() })))
        await tellOverdue(app, incident, item, now);
      continue;
    }
    const reminders = item.reminders ?? 0;
    const claimed = item.reminding !== undefined && item.reminding > reminders;
    const last = Date.parse(item.remindedAt ?? item.createdAt);
    if (claimed || now.getTime() - last >= every) {
      const count = claimed ? item.reminding! : reminders + 1;
      if (!claimed && !(await app.store.claimFollowUp(item, { reminding: count }))) continue;
      await sendItem(app, incident, item, count, now);
      await app.store.noteFollowUp(item, { reminders: count, remindedAt: now.toISOString() });
      followed.push(Math.min(overdueAt.getTime(), now.getTime() + every));
    } else followed.push(Math.min(overdueAt.getTime(), last + every));
  }
  if (followed.length === 0) return { followUp: false };
  return { followUp: true, waitSeconds: Math.max(1, Math.ceil((Math.min(...followed) - now.getTime()) / 1000)) };
}

async function tellOverdue(app: App, incident: Incident, item: TrackedActionItem, now: Date): Promise<void> {
  const mim = findPerson(app.config, incident.review?.owner.id ?? incident.mim?.id);
  if (mim) {
    await app.notifier.send(incident, `action-overdue#${item.n}`, [
      { person: mim, channels: ['email'], notice: actionOverdueNotice(app.config, incident, item, zoneOf(app.config, mim)) },
    ]);
  }
  await app.store.appendTimeline(
    incident.id,
    entry(
      'action-item-overdue',
      `Action item ${item.n} is overdue: ${describeActionItem(app.config, item)}; ${mim?.name ?? 'nobody'} told`,
      {
        detail: { item: item.n },
      },
    ),
    `action-overdue#${item.n}`,
  );
  await app.store.noteFollowUp(item, { overdueToldAt: now.toISOString() });
}

/**
 * Marks an action item done (by link, CLI or API): by its owner, or by the review's owner. Returns
 * why it is refused, or nothing when it is done (or this same event was already taken); the
 * incident's follow-up wait is woken, to end once nothing is left to follow.
 */
export async function completeActionItem(app: App, incident: Incident, event: MimEvent): Promise<string | undefined> {
  // A link's item is the one it was issued for; the API and CLI name theirs.
  const n = event.step ?? event.item;
  const items = incident.review?.actionItems ?? [];
  if (n === undefined) return `say which action item of ${incident.id} is done (item: 1 to ${items.length})`;
  const item = items[n - 1];
  if (!item) return `${incident.id} has no action item ${n}${items.length ? `; its items are 1 to ${items.length}` : ''}`;
  const reviewer = incident.review?.owner.id ?? incident.mim?.id;
  if (event.by !== item.owner && event.by !== reviewer) {
    return `action item ${n} of ${incident.id} is ${findPerson(app.config, item.owner)?.name ?? item.owner}'s; only they or the review's owner mark it done`;
  }
  const result = await app.store.completeActionItem(incident.id, n, { by: event.by, at: event.at, eventId: event.id });
  if (result === 'missing') return `the action items of ${incident.id} are not tracked yet; try again in a moment`;
  if (result !== 'done' && result.doneEvent !== event.id) {
    const who = findPerson(app.config, result.doneBy)?.name ?? result.doneBy;
    return `action item ${n} of ${incident.id} was marked done by ${who} at ${formatTime(result.doneAt!, app.config.timeZone)}`;
  }
  const name = findPerson(app.config, event.by)?.name ?? event.by;
  await app.store.appendTimeline(
    incident.id,
    entry('action-item-done', `${name} marked action item ${n} done: ${describeActionItem(app.config, item)}`, {
      actor: event.by,
      channel: event.via,
      at: event.at,
      detail: { item: n, ...(event.principal ? { principal: event.principal } : {}) },
    }),
    `action-done#${n}`,
  );
  const wait = await app.store.getWait(incident.id);
  if (wait?.phase === 'follow-up')
    await app.workflow.deliver(wait.token, { incidentId: incident.id, eventId: 'none', at: event.at });
  return undefined;
}

/** Open action items across incidents, soonest due first, each marked overdue once its day has passed. */
export async function openActionItems(app: App, now: Date): Promise<Array<TrackedActionItem & { overdue: boolean }>> {
  const day = today(app.config, now);
  return (await app.store.openActionItems()).map((item) => ({ ...item, overdue: item.due < day }));
}
