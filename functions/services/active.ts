import { nextUpdateAt } from '../core/cadence';
import { type Incident } from '../core/incident';
import {
  formatTime,
  initialNotice,
  mimBriefNotice,
  noChangeNotice,
  overdueReminderNotice,
  resolutionNotice,
  updateNotice,
  updateSentNotice,
} from '../core/messages';
import { entry } from '../core/timeline';
import { updateRound } from '../core/transitions';
import type { App } from './app';
import { feedbackLinkUntil } from './insight';
import { feedbackAudience, peopleReached, type Recipient } from '../core/audiences';
import { load, waitFor, broadcast, briefMim, type StepResult } from './steps';

/*
 * The active incident: the first stakeholder notice, updates at the cadence (the MIM's, or "no
 * change"), and the resolution notice.
 */

/** The MIM has accepted: first stakeholder notice, with the bridge and the time of the next update. */
export async function mobilise(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  const current = await load(app, id);
  const hold = app.config.cadence.firstNotice ?? 0;
  if (hold > 0) {
    // The MIM may write the first notice; if they have not by then, the standard one goes (sendUpdate).
    const due = current.nextUpdateAt ?? new Date(now.getTime() + hold * 1000).toISOString();
    const incident =
      (await app.store.updateIncident(id, { nextUpdateAt: due, deadline: due, firstNoticePending: true })) ?? current;
    await app.store.appendTimeline(
      id,
      entry(
        'notice-scheduled',
        `First stakeholder notice due by ${formatTime(due, app.config.timeZone)}: ${incident.mim?.name ?? 'the MIM'} may write it, else the standard one goes`,
      ),
      'notice-scheduled',
    );
    await briefMim(app, incident, 'mim-brief', now, (zone, links) => mimBriefNotice(app.config, incident, zone, links));
    return { incidentId: id, waitSeconds: waitFor(incident, now) };
  }
  const due = current.nextUpdateAt ?? nextUpdateAt(app.config, current.priority!, now).toISOString();
  const incident = (await app.store.updateIncident(id, { nextUpdateAt: due, deadline: due })) ?? current;
  await firstNotice(app, incident, due);
  await briefMim(app, incident, 'mim-brief', now, (zone, links) => mimBriefNotice(app.config, incident, zone, links));
  return { incidentId: id, waitSeconds: waitFor(incident, now) };
}
/**
 * The first stakeholder notice: who leads, the bridge, and when the next update comes; the members of
 * the feedback audiences (leadership, by default) are asked whether this was the right call.
 */
async function firstNotice(app: App, incident: Incident, due: string) {
  const asked = new Set(feedbackAudience(app.config, incident));
  const links = new Map<string, string>();
  const now = app.clock.now();
  for (const person of asked) {
    links.set(person, await app.links.issue(incident.id, 'feedback', person, now, undefined, feedbackLinkUntil(now)));
  }
  const compose = (zone: string, person?: Recipient['person']) => {
    const feedback = person && links.get(person.id);
    return initialNotice(app.config, incident, zone, feedback ? { feedback } : {});
  };
  return broadcast(app, incident, 'initial', compose, {
    kind: 'notice-sent',
    summary: (to) =>
      `First stakeholder notice to ${to}; bridge ${app.config.bridge.url}; next update at ${formatTime(due, app.config.timeZone)}`,
    nextUpdateAt: due,
  });
}
/**
 * Sends the update that is due: the MIM's latest one, or, when nothing new was posted, a "no change"
 * update on time and a reminder to the MIM that theirs is overdue.
 */
export async function sendUpdate(app: App, id: string, mode: 'posted' | 'due', now = app.clock.now()): Promise<StepResult> {
  const current = await load(app, id);
  if (mode === 'due' && (await app.store.pendingEvents(id)).length > 0) {
    // Something the MIM sent is waiting: take it first rather than announce "no change".
    return { incidentId: id, waitSeconds: 1 };
  }
  // A retry finishes the same round (core/transitions.ts): nobody gets it twice, nobody misses it.
  const { retried, initial, key, due, count } = updateRound(app.config, current, mode, now);
  const incident = retried
    ? current
    : ((await app.store.updateIncident(
        id,
        { nextUpdateAt: due, deadline: due, updateCount: count, lastRound: key, firstNoticePending: undefined },
        { status: ['active'] },
      )) ?? current);
  if (initial) {
    await firstNotice(app, incident, due);
    return { incidentId: id, waitSeconds: waitFor(incident, now) };
  }
  const next = formatTime(due, app.config.timeZone);
  if (mode === 'posted' && incident.lastUpdate) {
    const update = incident.lastUpdate;
    const deliveries = await broadcast(app, incident, key, (zone) => updateNotice(app.config, incident, update, zone), {
      kind: 'update-sent',
      summary: (to) => `Update ${count} to ${to}; next update at ${next}`,
      nextUpdateAt: due,
    });
    const reached = peopleReached(deliveries);
    await briefMim(
      app,
      incident,
      `${key}#mim`,
      now,
      (zone, links) => updateSentNotice(app.config, incident, zone, links, reached),
      ['email'],
    );
  } else {
    const deliveries = await broadcast(app, incident, key, (zone) => noChangeNotice(app.config, incident, zone), {
      kind: 'no-change-sent',
      summary: (to) => `No new information: "no change" update to ${to}; next update at ${next}`,
      nextUpdateAt: due,
    });
    const reached = peopleReached(deliveries);
    const reminder = key.replace(/^no-change#/, 'reminder#');
    await briefMim(app, incident, reminder, now, (zone, links) =>
      overdueReminderNotice(app.config, incident, zone, links, reached),
    );
    await app.store.appendTimeline(
      id,
      entry('reminder-sent', `Reminded ${incident.mim?.name ?? 'the MIM'} that the update is overdue`),
      reminder,
    );
  }
  return { incidentId: id, waitSeconds: waitFor(incident, now) };
}
export async function resolveIncident(app: App, id: string): Promise<StepResult> {
  const incident = await load(app, id);
  await broadcast(app, incident, 'resolution', (zone) => resolutionNotice(app.config, incident, zone), {
    kind: 'notice-sent',
    summary: (to) => `Resolution notice to ${to}`,
  });
  return { incidentId: id };
}
