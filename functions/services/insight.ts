import { findPerson } from '../core/config';
import type { Incident, MimEvent } from '../core/incident';
import { describeCost, incidentCost, type Usage } from '../core/cost';
import { incidentKpis } from '../core/kpis';
import { formatTime } from '../core/messages';
import { entry, type TimelineEntry } from '../core/timeline';
import { report, type Report } from '../core/report';
import { feedbackAudience } from '../core/audiences';
import { openActionItems } from './follow-up';
import type { App } from './app';
import { type UsageAdded, usedSoFar } from '../adapters/meter';

/**
 * Keeps how an incident went, once it has ended (closed, downgraded or handed off): computed from
 * the incident and its whole timeline, written under the month it ended in for the report.
 */
export async function recordOutcome(app: App, id: string): Promise<void> {
  const [incident, timeline] = await Promise.all([app.store.getIncident(id), app.store.timeline(id)]);
  if (!incident) return;
  await app.store.putOutcome(incidentKpis(app.config, incident, timeline), timeline.length);
}

/**
 * At the close: what the incident cost on AWS, from what its invocations used (the close's own up to
 * now, for it ends after this) and its execution's state transitions, at the config's prices; on the
 * timeline once.
 */
export async function recordCost(app: App, id: string): Promise<void> {
  const [used, stateTransitions] = await Promise.all([app.store.usage(id), app.workflow.stateTransitions(id)]);
  const usage: Usage = { ...withUsage(used, usedSoFar(id)), stateTransitions };
  const cost = incidentCost(usage, app.config.costs);
  await app.store.appendTimeline(id, entry('cost-computed', describeCost(usage, cost), { detail: { usage, cost } }), 'cost');
}

function withUsage(used: Omit<Usage, 'stateTransitions'>, more: UsageAdded | undefined): Omit<Usage, 'stateTransitions'> {
  if (!more) return used;
  const smsSegments = { ...used.smsSegments };
  for (const [prefix, n] of Object.entries(more.smsSegments)) smsSegments[prefix] = (smsSegments[prefix] ?? 0) + n;
  return {
    lambdaInvocations: used.lambdaInvocations + more.invocations,
    lambdaGbSeconds: used.lambdaGbSeconds + more.gbSeconds,
    dynamoReadUnits: used.dynamoReadUnits + more.readUnits,
    dynamoWriteUnits: used.dynamoWriteUnits + more.writeUnits,
    emails: used.emails + more.emails,
    smsSegments,
  };
}

/** The report over the incidents that ended in a period, optionally of one service. */
export async function periodReport(app: App, period: { since: Date; until: Date; service?: string }): Promise<Report> {
  const [outcomes, open] = await Promise.all([
    app.store.outcomes(period.since, period.until),
    openActionItems(app, app.clock.now()),
  ]);
  const mine = <T extends { service: string }>(list: T[]) =>
    period.service ? list.filter((o) => o.service === period.service) : list;
  return {
    ...report(mine(outcomes), { since: period.since.toISOString(), until: period.until.toISOString() }),
    // A drill's action items are chased like any, but they are not the real incidents' the report is of.
    actionItems: mine(open.filter((i) => !i.drill)).map(({ incidentId, n, title, owner, due, overdue }) => ({
      incidentId,
      n,
      title,
      owner,
      due,
      overdue,
    })),
  };
}

/** A feedback link lives a month: whether it was the right call is often clearest once it is over. */
export const feedbackLinkUntil = (now: Date) => new Date(now.getTime() + 30 * 86_400_000);

/** Statuses in which an incident has ended: its outcome is kept, and feedback given later updates it. */
/** Who judges whether an incident was the right call: the MIM, everyone paged for it, and the feedback audiences' members. */
async function askedToJudge(app: App, incident: Incident, by: string): Promise<string[]> {
  const asked = new Set([...(incident.mim ? [incident.mim.id] : []), ...feedbackAudience(app.config, incident)]);
  if (!asked.has(by)) {
    for (const e of await app.store.timeline(incident.id)) {
      if (e.kind === 'paged') for (const id of (e.detail as { targets?: string[] } | undefined)?.targets ?? []) asked.add(id);
    }
  }
  return [...asked];
}

const ENDED: ReadonlySet<Incident['status']> = new Set(['closed', 'downgraded', 'handed-off']);

/**
 * A person's judgement of the call (was it right to run this as a major incident?), on the timeline
 * once per person: the first judgement counts. Returns why a second one is refused, or nothing when
 * it was recorded (or is this same judgement, sent again). An incident that has ended has its
 * outcome kept again, with the judgement counted.
 */
export async function recordFeedback(app: App, incident: Incident, event: MimEvent): Promise<string | undefined> {
  const name = findPerson(app.config, event.by)?.name ?? event.by;
  const asked = await askedToJudge(app, incident, event.by);
  if (!asked.includes(event.by)) {
    return `${name} was not asked to judge ${incident.id}: the call is judged by those paged and the feedback audiences' members (${asked.map((id) => findPerson(app.config, id)?.name ?? id).join(', ') || 'nobody yet'})`;
  }
  const { rightCall, comment } = event.feedback!;
  const judged = rightCall ? 'the right call' : 'should not have been a major incident';
  const line = entry('feedback-given', `${name} judged it ${judged}${comment ? `: ${comment}` : ''}`, {
    actor: event.by,
    channel: event.via,
    at: event.at,
    detail: {
      rightCall,
      ...(comment ? { comment } : {}),
      eventId: event.id,
      ...(event.principal ? { principal: event.principal } : {}),
    },
  });
  const first = await app.store.appendTimeline(incident.id, line, `feedback#${event.by}`);
  if (!first) {
    const earlier = (await app.store.timeline(incident.id)).find(
      (e): e is TimelineEntry => e.kind === 'feedback-given' && e.actor === event.by,
    );
    if (earlier && (earlier.detail as { eventId?: string } | undefined)?.eventId !== event.id) {
      return `${name} already judged ${incident.id} at ${formatTime(earlier.at, app.config.timeZone)} (${earlier.summary.replace(`${name} judged it `, '')}); one judgement per person counts`;
    }
  }
  // The status as it is now, after the judgement is written: an incident that has ended since this
  // request read it may have computed its figures before the judgement was there.
  const latest = await app.store.getIncident(incident.id);
  if (latest && ENDED.has(latest.status)) await recordOutcome(app, incident.id);
  return undefined;
}
