import { secondsUntil } from '../core/cadence';
import { findPerson } from '../core/config';
import { IncidentNotFound } from '../core/errors';
import { type Incident, type MimEvent } from '../core/incident';
import { type Notice, zoneOf } from '../core/messages';
import { entry, type TimelineKind } from '../core/timeline';
import type { Channel } from '../core/config';
import type { App } from './app';
import { describeDeliveries, type Recipient, stakeholders, whoGotWhat } from '../core/audiences';

/*
 * What every step of the lifecycle shares: its result, loading the incident, how long its wait is,
 * and sending a notice or a stakeholder round with its timeline line.
 */

/** What each step hands to the next through the state machine (as `$.Payload`). */
export interface StepResult {
  incidentId: string;
  /** Seconds until the next wait ends: read by the wait state's TimeoutSecondsPath. */
  waitSeconds?: number;
  verdict?: Incident['verdict'];
  /**
   * From Classify: 'new'; 'held' for a new incident held before paging (intake.holdFor); or the
   * status an already-progressed incident resumes from.
   */
  resume?: 'new' | 'held' | Incident['status'];
  pageLevel?: number;
  action?: MimEvent['action'] | 'none';
  /** After the close: whether the review's action items still need following up. */
  followUp?: boolean;
}
export async function load(app: App, id: string): Promise<Incident> {
  const incident = await app.store.getIncident(id);
  if (!incident) throw new IncidentNotFound(id);
  return incident;
}
export function waitFor(incident: Incident, now: Date): number {
  return secondsUntil(new Date(incident.deadline ?? now.toISOString()), now);
}
/**
 * Sends a notice to its recipients, each in their own time zone; a stakeholder notice (`warRoom`)
 * also goes to the war-room chat channels, in the organisation's zone. Never anything with links.
 */
export async function notify(
  app: App,
  incident: Incident,
  key: string,
  recipients: Recipient[],
  compose: (zone: string, person?: Recipient['person']) => Notice,
  { warRoom = false } = {},
) {
  return app.notifier.send(
    incident,
    key,
    recipients.map((r) => ({ person: r.person, channels: r.channels, notice: compose(zoneOf(app.config, r.person), r.person) })),
    // A drill told to named audiences only is not posted to the war room, which everyone reads.
    warRoom && !incident.drill?.audiences ? { warRoom: compose(app.config.timeZone) } : {},
  );
}
/** Who got what, for the detail of a round's timeline entry. */
export const told = (deliveries: Parameters<typeof whoGotWhat>[0]) => ({ told: whoGotWhat(deliveries) });
export const WAR_ROOM = { warRoom: true };
/**
 * A stakeholder round: the notice to everyone who hears of the incident and to the war room, once
 * each, then the round's timeline line (its summary given what went where) with who got it, the
 * round's key and the update it promised next (what the report judges punctuality by).
 */
export async function broadcast(
  app: App,
  incident: Incident,
  key: string,
  compose: (zone: string, person?: Recipient['person']) => Notice,
  line: { kind: TimelineKind; summary: (told: string) => string; nextUpdateAt?: string },
) {
  const deliveries = await notify(app, incident, key, stakeholders(app.config, incident), compose, WAR_ROOM);
  const detail = { ...told(deliveries), round: key, ...(line.nextUpdateAt ? { nextUpdateAt: line.nextUpdateAt } : {}) };
  await app.store.appendTimeline(incident.id, entry(line.kind, line.summary(describeDeliveries(deliveries)), { detail }), key);
  return deliveries;
}
export const BOTH: Channel[] = ['email', 'sms'];
/** Writes to the MIM with fresh single-use links to post the next update or resolve. */
export async function briefMim(
  app: App,
  incident: Incident,
  key: string,
  now: Date,
  compose: (zone: string, links: { update: string; resolve: string; handOver: string; changePriority: string }) => Notice,
  channels: Channel[] = BOTH,
): Promise<void> {
  const mim = findPerson(app.config, incident.mim?.id);
  if (!mim) return;
  const links = {
    update: await app.links.issue(incident.id, 'update', mim.id, now),
    resolve: await app.links.issue(incident.id, 'resolve', mim.id, now),
    handOver: await app.links.issue(incident.id, 'hand-over', mim.id, now),
    changePriority: await app.links.issue(incident.id, 'change-priority', mim.id, now),
  };
  await app.notifier.send(incident, key, [{ person: mim, channels, notice: compose(zoneOf(app.config, mim), links) }]);
}
