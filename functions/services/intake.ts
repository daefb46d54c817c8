import {
  alarmKey,
  type AlarmSignal,
  deliveriesIn,
  MalformedAlarmError,
  parseAlarm,
  serviceOfAlarm,
  transitionKey,
} from '../core/alarm';
import { findPerson, type Level } from '../core/config';
import { type AlarmStatusChange, alarmStatusNotice } from '../core/messages';
import { formatDuration } from '../core/duration';
import { incidentIdFor } from '../core/ids';
import type { Incident } from '../core/incident';
import { keptForInspection, singleLine } from '../core/text';
import { entry, type TimelineDraft, type TimelineKind } from '../core/timeline';
import type { App } from './app';

export type IntakeOutcome = 'opened' | 'grouped' | 'duplicate' | 'cleared' | 'monitoring-gap' | 'ignored' | 'stale' | 'refused';

export interface IntakeResult {
  incidentId?: string;
  outcome: IntakeOutcome;
  workflow?: 'started' | 'already-started';
  /** For input that is not an alarm: where it came from and why it was refused. */
  refused?: { source: string; reason: string };
}

/**
 * Takes in everything the intake function was invoked with: the records of an SNS batch, or an
 * EventBridge event. Input that is not a CloudWatch alarm is refused with its reason and kept for
 * inspection, never thrown: it would fail the same way on every retry, and holds up nothing else.
 */
export async function receiveDeliveries(app: App, event: unknown): Promise<IntakeResult[]> {
  const results: IntakeResult[] = [];
  for (const { id, source, message, refusal } of deliveriesIn(event)) {
    let alarm: AlarmSignal;
    try {
      if (refusal) throw new MalformedAlarmError(refusal);
      alarm = parseAlarm(message);
    } catch (error) {
      if (!(error instanceof MalformedAlarmError)) throw error;
      const raw = typeof message === 'string' ? message : JSON.stringify(message);
      await app.store.quarantine({
        at: app.clock.now().toISOString(),
        source,
        error: error.message,
        raw: keptForInspection(raw),
      });
      results.push({ outcome: 'refused', refused: { source, reason: error.message } });
      continue;
    }
    results.push(await receiveAlarm(app, alarm, id));
  }
  return results;
}

/** Statuses in which new alarms of the same storm still join the incident. */
const TAKING_ALARMS: readonly Incident['status'][] = ['declared', 'paging', 'active'];

/**
 * Opens the incident for a grouping key, or joins the one already open, so that whatever fails, times
 * out or crashes on the way, and however often the delivery is then retried, it ends on an incident
 * that is stored and whose workflow runs. Every step is safe to repeat, and none trusts that an
 * earlier one finished:
 * - the grouping window names the incident; a window whose incident was never stored (its writer
 *   failed) is still joined, and the joiner stores the incident itself;
 * - the incident write is conditional, and the incident records which delivery stored it, so that a
 *   retry of that delivery knows it opened it;
 * - the alarm is counted only on an incident that exists, and only by the first try of a delivery
 *   (the timeline's once-key says which); the execution is named after the incident.
 */
async function openOrJoin(
  app: App,
  key: string,
  now: Date,
  build: (id: string) => Incident,
  received: (opened: boolean) => TimelineDraft,
  onceKey: string,
): Promise<IntakeResult> {
  const { store, workflow, config } = app;
  let seen: Incident | undefined;
  const { incidentId, opened: claimed } = await store.claimDedupWindow(
    key,
    incidentIdFor(key, now),
    config.intake.groupWindow,
    now,
    async (id) => {
      seen = await store.getIncident(id);
      // Not stored means the intake that claimed the window is still writing it, or failed to: join it.
      return TAKING_ALARMS.includes(seen?.status ?? 'declared');
    },
  );
  const existing = claimed ? undefined : seen;
  const opened = existing ? existing.openedBy === onceKey : await storeIncident(app, { ...build(incidentId), openedBy: onceKey });
  const first = await store.appendTimeline(incidentId, received(opened), onceKey);
  if (first && !opened && !(await store.incrementAlarmCount(incidentId))) {
    throw new Error(`incident ${incidentId} was not stored when its alarm was counted`);
  }
  return {
    incidentId,
    outcome: first ? (opened ? 'opened' : 'grouped') : 'duplicate',
    workflow: await workflow.start(incidentId),
  };
}

/** Stores the incident; true when this delivery stored it (now or on an earlier try), false when another did. */
async function storeIncident(app: App, incident: Incident): Promise<boolean> {
  if (await app.store.createIncident(incident)) return true;
  return (await app.store.getIncident(incident.id))?.openedBy === incident.openedBy;
}

/**
 * How long an alarm state change is remembered once taken in: longer than Lambda retries an
 * asynchronous event (6 hours) and than a dead-letter queue keeps one for a redrive (4 days by default).
 */
const DELIVERY_HORIZON_MS = 7 * 86_400_000;

/** How long an alarm's incident is remembered for its recovery: longer than incidents stay open. */
const ALARM_POINTER_MS = 30 * 86_400_000;

/**
 * A CloudWatch alarm state change arrived. The same change arriving again (an SNS redelivery, a
 * Lambda retry, a dead-letter redrive days later, or the same change by SNS and by EventBridge) is
 * taken in once, whatever has become of its incident since; `deliveryId` (the SNS MessageId or the
 * EventBridge event id) is kept on the timeline for tracing.
 */
export async function receiveAlarm(
  app: App,
  alarm: AlarmSignal,
  deliveryId: string,
  now = app.clock.now(),
): Promise<IntakeResult> {
  const transition = transitionKey(alarm);
  const seen = await app.store.deliveryOutcome(transition);
  if (seen) return { ...(seen.incidentId ? { incidentId: seen.incidentId } : {}), outcome: 'duplicate' };
  const result = await takeAlarm(app, alarm, deliveryId, transition, now);
  await app.store.rememberDelivery(
    transition,
    { ...(result.incidentId ? { incidentId: result.incidentId } : {}), outcome: result.outcome },
    new Date(now.getTime() + DELIVERY_HORIZON_MS),
  );
  return result;
}

async function takeAlarm(app: App, alarm: AlarmSignal, deliveryId: string, transition: string, now: Date): Promise<IntakeResult> {
  const service = serviceOfAlarm(app.config, alarm);
  const serviceName = service?.name ?? 'unmapped';
  const key = `alarm#${serviceName}`;
  const onceKey = `alarm#${transition}`;
  const keep = (outcome: string) =>
    app.store.recordAlarm(
      {
        at: alarm.at,
        receivedAt: now.toISOString(),
        service: serviceName,
        alarmName: alarm.alarmName,
        state: alarm.state,
        reason: alarm.reason,
        outcome,
      },
      transition,
    );
  if (alarm.state !== 'ALARM') {
    // The incident this alarm was on when it fired: two reads, however many incidents are open.
    const onId = await app.store.alarmIncident(alarmKey(alarm));
    const on = onId ? await app.store.getIncident(onId) : undefined;
    const open = on && TAKING_ALARMS.includes(on.status) ? on : undefined;
    if (!open) {
      await keep(`no open incident of ${serviceName} to tell`);
      return { outcome: 'ignored' };
    }
    return alarmChanged(app, open, alarm, transition);
  }
  // The alarm's own time groups it: alarms delivered late join the storm they belonged to, not the
  // one under way when they arrived. A time ahead of the system's clock counts as now.
  const at = new Date(Math.min(Date.parse(alarm.at), now.getTime()));
  const late = now.getTime() - at.getTime();
  if (late > app.config.intake.staleAfter * 1000) {
    // Hours late (Lambda retried it for hours, or a dead-letter queue was redriven): paging now would
    // send people to an outage that may be long over. It is kept, and shown by mim alarms.
    await keep(
      `arrived ${formatDuration(Math.max(60, Math.round(late / 60_000) * 60))} after it fired, later than intake.staleAfter: paged nobody`,
    );
    return { outcome: 'stale' };
  }
  const summary = {
    alarmName: alarm.alarmName,
    ...(alarm.alarmArn ? { alarmArn: alarm.alarmArn } : {}),
    ...(alarm.description ? { description: alarm.description } : {}),
    reason: alarm.reason,
    at: alarm.at,
    ...(alarm.region ? { region: alarm.region } : {}),
    ...(alarm.account ? { account: alarm.account } : {}),
    ...(alarm.details ? { details: alarm.details } : {}),
  };
  const result = await openOrJoin(
    app,
    key,
    at,
    (id) => ({
      id,
      // A title is one line, whatever the alarm's description holds (it is kept whole in `alarm`).
      title: singleLine(alarm.description ? `${alarm.alarmName}: ${alarm.description}` : alarm.alarmName),
      service: serviceName,
      source: 'alarm',
      declaredAt: now.toISOString(),
      declaredBy: alarm.alarmName,
      alarm: summary,
      alarmCount: 1,
      status: 'declared',
    }),
    (opened) =>
      entry(
        opened ? 'alarm-received' : 'alarm-grouped',
        `${opened ? 'Alarm' : 'Grouped into this incident: alarm'} ${alarm.alarmName} (${serviceName}): ${alarm.reason}`,
        { channel: 'alarm', actor: alarm.alarmName, detail: { deliveryId, ...summary } },
      ),
    onceKey,
  );
  await app.store.alarmFiring(result.incidentId!, alarm.alarmName);
  await app.store.pointAlarm(alarmKey(alarm), result.incidentId!, new Date(now.getTime() + ALARM_POINTER_MS));
  return result;
}

/**
 * An alarm of an open incident left ALARM. OK: recorded, and when it was the last alarm still in
 * ALARM, the timeline and the MIM are told that every alarm has recovered (resolving stays the MIM's
 * call). INSUFFICIENT_DATA: the monitoring went blind, which is not a recovery: a monitoring gap,
 * told to the MIM.
 */
async function alarmChanged(app: App, open: Incident, alarm: AlarmSignal, transition: string): Promise<IntakeResult> {
  const line = (kind: TimelineKind, summary: string) =>
    entry(kind, summary, { channel: 'alarm', actor: alarm.alarmName, at: alarm.at });
  if (alarm.state === 'INSUFFICIENT_DATA') {
    await app.store.appendTimeline(
      open.id,
      line('monitoring-gap', `${alarm.alarmName} has insufficient data: the monitoring may be blind (${alarm.reason})`),
      `alarm#${transition}`,
    );
    await tellMim(app, open, 'monitoring-gap', alarm, transition);
    return { incidentId: open.id, outcome: 'monitoring-gap' };
  }
  await app.store.appendTimeline(
    open.id,
    line('alarm-cleared', `${alarm.alarmName} is OK: ${alarm.reason}`),
    `alarm#${transition}`,
  );
  if (await app.store.alarmRecovered(open.id, alarm.alarmName)) {
    await app.store.appendTimeline(
      open.id,
      line(
        'alarms-recovered',
        `Every alarm of this incident has recovered (the last: ${alarm.alarmName}); it stays open until the MIM resolves it`,
      ),
      `recovered#${transition}`,
    );
    await tellMim(app, open, 'alarms-recovered', alarm, transition);
  }
  return { incidentId: open.id, outcome: 'cleared' };
}

/** Tells the incident's MIM, once, by email and SMS; before anyone accepted, the page is what they get. */
async function tellMim(app: App, incident: Incident, change: AlarmStatusChange, alarm: AlarmSignal, transition: string) {
  const mim = findPerson(app.config, incident.mim?.id);
  if (!mim) return;
  await app.notifier.send(incident.id, `${change}#${transition}`, [
    { person: mim, channels: ['email', 'sms'], notice: alarmStatusNotice(app.config, incident, change, alarm) },
  ]);
}

export interface Declaration {
  service: string;
  title: string;
  declaredBy: string;
  impact?: Level;
  urgency?: Level;
  /** The same key declares the same incident once (a retried CLI or API call). */
  idempotencyKey: string;
  channel: 'api' | 'cli';
  /** The AWS identity that signed the call, when the API is IAM-authorised. */
  principal?: string;
}

export async function declareIncident(app: App, d: Declaration, now = app.clock.now()): Promise<IntakeResult> {
  const title = singleLine(d.title);
  return openOrJoin(
    app,
    `manual#${d.idempotencyKey}`,
    now,
    (id) => ({
      id,
      title,
      service: d.service,
      source: 'manual',
      declaredAt: now.toISOString(),
      declaredBy: d.declaredBy,
      alarmCount: 0,
      status: 'declared',
      ...(d.impact ? { impact: d.impact } : {}),
      ...(d.urgency ? { urgency: d.urgency } : {}),
    }),
    () =>
      entry('declared', `Declared by ${d.declaredBy}: ${title}`, {
        channel: d.channel,
        actor: d.declaredBy,
        ...(d.principal ? { detail: { principal: d.principal } } : {}),
      }),
    `declared#${d.idempotencyKey}`,
  );
}
