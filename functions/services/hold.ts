import { secondsUntil } from '../core/cadence';
import { formatDuration } from '../core/duration';
import { IncidentNotFound } from '../core/errors';
import type { Incident, Verdict } from '../core/incident';
import { entry } from '../core/timeline';
import type { App } from './app';
import { reopenForAlarms, stopTakingAlarms } from './intake';

/**
 * Flapping alarms are the most common complaint about paging tools. With `intake.holdFor`, an
 * incident that alarms opened, and that would page, is held that long first: if by then every alarm
 * it took has recovered, it pages nobody and ends as recovered before paging.
 *
 * The decision is made with the grouping window closed, so that no alarm can join the incident
 * unseen after it: an alarm that read the window while it was still open writes its firing state
 * within one intake invocation, or its invocation fails and its retry finds the window closed and
 * opens an incident of its own. So the window is closed first, and the alarms are read only once the
 * longest an intake invocation runs (`App.intakeTimeoutSeconds`) has passed.
 */

export type HoldStep = { incidentId: string } & (
  { hold: 'wait'; waitSeconds: number } | { hold: 'page' } | { hold: 'recovered' }
);

/**
 * Whether a newly classified incident is held before paging: the seconds the hold has left (at
 * least one), or undefined when it pages at once (a person declared it, it is minor, or no hold is
 * configured). The hold is measured from when the incident was opened, so a workflow resumed during
 * it waits only what is left.
 */
export async function holdBeforePaging(app: App, incident: Incident, verdict: Verdict, now: Date): Promise<number | undefined> {
  const holdFor = app.config.intake.holdFor;
  if (holdFor === undefined || incident.source !== 'alarm' || verdict === 'minor') return undefined;
  const heldUntil = incident.heldUntil ?? new Date(Date.parse(incident.declaredAt) + holdFor * 1000).toISOString();
  await app.store.updateIncident(incident.id, { heldUntil, deadline: heldUntil }, { status: ['declared'] });
  await app.store.appendTimeline(
    incident.id,
    entry(
      'held',
      `Held for ${formatDuration(holdFor)} before paging (intake.holdFor): if every alarm has recovered by then, nobody is paged`,
      { detail: { heldUntil } },
    ),
    'held',
  );
  return secondsUntil(new Date(heldUntil), now);
}

/**
 * The hold's wait ended: pages if any alarm of the incident still fires, waits out the intake's
 * longest invocation once the window is closed, and then, if every alarm is still recovered, ends the
 * incident as recovered before paging. Safe to repeat: each step reads where the last one left off.
 */
export async function endHold(app: App, id: string, now = app.clock.now()): Promise<HoldStep> {
  const { intakeTimeoutSeconds } = app;
  const waitUntil = (until: number): HoldStep => ({
    incidentId: id,
    hold: 'wait',
    waitSeconds: secondsUntil(new Date(until), now),
  });
  const incident = await app.store.getIncident(id);
  if (!incident) throw new IncidentNotFound(id);
  if (incident.status === 'recovered') return { incidentId: id, hold: 'recovered' };
  if (incident.status !== 'declared' || !incident.heldUntil) return { incidentId: id, hold: 'page' };
  // Decided before (the step is retried): the same answer, whatever the alarms did since.
  if (incident.holdDecision === 'page') return page(app, incident);
  if (now.toISOString() < incident.heldUntil) return waitUntil(Date.parse(incident.heldUntil));
  if (!incident.holdClosedAt) {
    if (await stillFiring(app, id)) return page(app, incident);
    await stopTakingAlarms(app, incident);
    const settledAt = now.getTime() + intakeTimeoutSeconds * 1000;
    const deadline = new Date(settledAt).toISOString();
    await app.store.updateIncident(id, { holdClosedAt: now.toISOString(), deadline }, { status: ['declared'] });
    return waitUntil(settledAt);
  }
  const settledAt = Date.parse(incident.holdClosedAt) + intakeTimeoutSeconds * 1000;
  if (now.getTime() < settledAt) return waitUntil(settledAt);
  if (await stillFiring(app, id)) return page(app, incident);
  await app.store.updateIncident(id, { status: 'recovered', deadline: undefined }, { status: ['declared'] });
  await app.store.appendTimeline(
    id,
    entry(
      'recovered-before-paging',
      `Every alarm recovered within the hold of ${formatDuration(Math.round((Date.parse(incident.heldUntil) - Date.parse(incident.declaredAt)) / 1000))}: nobody was paged`,
    ),
    'recovered-before-paging',
  );
  return { incidentId: id, hold: 'recovered' };
}

/** Whether any alarm the incident took is still in ALARM (read strongly, after the window closed). */
async function stillFiring(app: App, id: string): Promise<boolean> {
  const alarms = await app.store.alarmsOf(id);
  return alarms.length === 0 || alarms.some((a) => a.okAt === undefined);
}

/**
 * The hold ends in a page: the decision is stored first, so that a retry pages too even if the alarms
 * have recovered since (the window, open again, may have taken new ones); then the window takes the
 * storm's alarms again, and the timeline says why.
 */
async function page(app: App, incident: Incident): Promise<HoldStep> {
  await app.store.updateIncident(incident.id, { holdDecision: 'page' }, { status: ['declared'] });
  if (incident.holdClosedAt) await reopenForAlarms(app, incident);
  await app.store.appendTimeline(
    incident.id,
    entry('hold-ended', 'An alarm still fires at the end of the hold: paging'),
    'hold-ended',
  );
  return { incidentId: incident.id, hold: 'page' };
}
