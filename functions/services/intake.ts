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
import { entry, type TimelineKind } from '../core/timeline';
import type { DeliveryOutcome, TakenAlarm } from '../adapters/store';
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

/** The grouping key of a service's alarms. */
const alarmWindow = (service: string) => `alarm#${service}`;

/**
 * An incident stops taking alarms (it is resolved, handed off or downgraded): its window closes
 * first, so that the next alarm of its service opens an incident of its own instead of joining one
 * that nobody will act on. Safe to repeat; a window since taken by another incident is left alone.
 */
export async function stopTakingAlarms(app: App, incident: Pick<Incident, 'id' | 'service' | 'source'>): Promise<void> {
  if (incident.source === 'alarm') await app.store.closeWindow(alarmWindow(incident.service), incident.id);
}

/**
 * Opens the incident for a grouping key, or joins the one already open, so that whatever fails, times
 * out or crashes on the way, and however often the delivery is then retried, it ends on an incident
 * that is stored and whose workflow runs. Every step is safe to repeat, and none trusts that an
 * earlier one finished:
 * - the grouping window names the incident; a window whose incident was never stored (its writer
 *   failed) is still joined, and the joiner stores the incident itself;
 * - the incident write is conditional, and the incident records which delivery stored it, so that a
 *   retry of that delivery knows it opened it;
 * - what the delivery leaves on the incident is written once it is stored; the execution is named
 *   after the incident; and only then is the window marked ready, for alarms to join in one write.
 */
async function openOrJoin(
  app: App,
  key: string,
  now: Date,
  build: (id: string) => Incident,
  record: (incidentId: string, opened: boolean) => Promise<boolean>,
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
    onceKey,
  );
  const existing = claimed ? undefined : seen;
  const opened = existing ? existing.openedBy === onceKey : await storeIncident(app, { ...build(incidentId), openedBy: onceKey });
  const first = await record(incidentId, opened);
  const started = await workflow.start(incidentId);
  await store.windowReady(key, incidentId);
  return { incidentId, outcome: first ? (opened ? 'opened' : 'grouped') : 'duplicate', workflow: started };
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
 * A joining alarm takes the one-write path while its window reaches at least this share of the
 * window past the alarm; beyond that, the window is extended (a conditional write), so that a storm
 * keeps its incident open with an extension every tenth of the window rather than one per alarm.
 */
const EXTEND_WHEN_LEFT = 0.9;

/**
 * A CloudWatch alarm state change arrived. The same change arriving again (an SNS redelivery, a
 * Lambda retry, a dead-letter redrive days later, or the same change by SNS and by EventBridge) is
 * taken in once, whatever has become of its incident since; `deliveryId` (the SNS MessageId or the
 * EventBridge event id) is kept on the timeline for tracing.
 *
 * An alarm joining an incident whose window is ready costs two store requests: one read of the
 * window and of the delivery's memory, one batch that writes its entry, its firing state, its pointer
 * and the memory. It starts no execution: the window is ready only once the incident's has started.
 */
export async function receiveAlarm(
  app: App,
  alarm: AlarmSignal,
  deliveryId: string,
  now = app.clock.now(),
): Promise<IntakeResult> {
  const transition = transitionKey(alarm);
  const service = serviceOfAlarm(app.config, alarm)?.name ?? 'unmapped';
  // The alarm's own time groups it: alarms delivered late join the storm they belonged to, not the
  // one under way when they arrived. A time ahead of the system's clock counts as now.
  const at = new Date(Math.min(Date.parse(alarm.at), now.getTime()));
  const late = now.getTime() - at.getTime();
  const joining = alarm.state === 'ALARM' && late <= app.config.intake.staleAfter * 1000;
  const { window, delivery } = joining
    ? await app.store.intakeLookup(alarmWindow(service), transition)
    : { window: undefined, delivery: await app.store.deliveryOutcome(transition) };
  if (delivery && (await takenBefore(app, delivery, transition, alarm))) {
    return { ...(delivery.incidentId ? { incidentId: delivery.incidentId } : {}), outcome: 'duplicate' };
  }
  const remember = { transition, until: new Date(now.getTime() + DELIVERY_HORIZON_MS) };
  const groupWindow = app.config.intake.groupWindow * 1000;
  if (
    joining &&
    window?.ready &&
    !window.closed &&
    // A retry of the delivery that opened the incident is no join: it finishes what it began.
    window.openedBy !== `alarm#${transition}` &&
    Date.parse(window.expiresAt) >= at.getTime() + EXTEND_WHEN_LEFT * groupWindow
  ) {
    const outcome = { incidentId: window.incidentId, outcome: 'grouped' } as const;
    await app.store.takeAlarm(taken(alarm, transition, window.incidentId, service, deliveryId, false, now), {
      ...remember,
      outcome,
    });
    return outcome;
  }
  const result = joining
    ? await openOrJoinAlarm(app, alarm, deliveryId, transition, service, at, now)
    : await takeOtherAlarm(app, alarm, transition, service, late, now);
  await app.store.rememberDelivery(
    transition,
    { ...(result.incidentId ? { incidentId: result.incidentId } : {}), outcome: result.outcome },
    remember.until,
  );
  return result;
}

/**
 * Whether a delivery remembered as taken in was taken in whole: the memory of a joining alarm is
 * written in the same batch as its entry, and DynamoDB may have taken one and not the other.
 */
async function takenBefore(app: App, delivery: DeliveryOutcome, transition: string, alarm: AlarmSignal): Promise<boolean> {
  if (!delivery.incidentId || delivery.outcome !== 'grouped') return true;
  return app.store.hasAlarmEntry(delivery.incidentId, transition, alarm.at);
}

/** The details of an alarm kept on its incident and its timeline entry. */
function alarmSummary(alarm: AlarmSignal) {
  return {
    alarmName: alarm.alarmName,
    ...(alarm.alarmArn ? { alarmArn: alarm.alarmArn } : {}),
    ...(alarm.description ? { description: alarm.description } : {}),
    reason: alarm.reason,
    at: alarm.at,
    ...(alarm.region ? { region: alarm.region } : {}),
    ...(alarm.account ? { account: alarm.account } : {}),
    ...(alarm.details ? { details: alarm.details } : {}),
  };
}

/** What an alarm in ALARM leaves on its incident: the entry, at the alarm's own time, and its pointer. */
function taken(
  alarm: AlarmSignal,
  transition: string,
  incidentId: string,
  service: string,
  deliveryId: string,
  opened: boolean,
  now: Date,
): TakenAlarm {
  return {
    incidentId,
    transition,
    alarmName: alarm.alarmName,
    alarm: alarmKey(alarm),
    pointUntil: new Date(now.getTime() + ALARM_POINTER_MS),
    entry: {
      ...entry(
        opened ? 'alarm-received' : 'alarm-grouped',
        `${opened ? 'Alarm' : 'Grouped into this incident: alarm'} ${alarm.alarmName} (${service}): ${alarm.reason}`,
        { channel: 'alarm', actor: alarm.alarmName, detail: { deliveryId, ...alarmSummary(alarm) } },
      ),
      at: alarm.at,
    },
  };
}

async function openOrJoinAlarm(
  app: App,
  alarm: AlarmSignal,
  deliveryId: string,
  transition: string,
  service: string,
  at: Date,
  now: Date,
): Promise<IntakeResult> {
  return openOrJoin(
    app,
    alarmWindow(service),
    at,
    (id) => ({
      id,
      // A title is one line, whatever the alarm's description holds (it is kept whole in `alarm`).
      title: singleLine(alarm.description ? `${alarm.alarmName}: ${alarm.description}` : alarm.alarmName),
      service,
      source: 'alarm',
      declaredAt: now.toISOString(),
      declaredBy: alarm.alarmName,
      alarm: alarmSummary(alarm),
      status: 'declared',
    }),
    async (id, opened) => {
      await app.store.takeAlarm(taken(alarm, transition, id, service, deliveryId, opened, now));
      return true;
    },
    `alarm#${transition}`,
  );
}

/** An alarm that pages nobody: it left ALARM, or it arrived too late to page. */
async function takeOtherAlarm(
  app: App,
  alarm: AlarmSignal,
  transition: string,
  service: string,
  late: number,
  now: Date,
): Promise<IntakeResult> {
  const keep = (outcome: string) =>
    app.store.recordAlarm(
      {
        at: alarm.at,
        receivedAt: now.toISOString(),
        service,
        alarmName: alarm.alarmName,
        state: alarm.state,
        reason: alarm.reason,
        outcome,
      },
      transition,
    );
  if (alarm.state === 'ALARM') {
    // Hours late (Lambda retried it for hours, or a dead-letter queue was redriven): paging now would
    // send people to an outage that may be long over. It is kept, and shown by mim alarms.
    await keep(
      `arrived ${formatDuration(Math.max(60, Math.round(late / 60_000) * 60))} after it fired, later than intake.staleAfter: paged nobody`,
    );
    return { outcome: 'stale' };
  }
  // The incident this alarm was on when it fired: two reads, however many incidents are open.
  const onId = await app.store.alarmIncident(alarmKey(alarm));
  const on = onId ? await app.store.getIncident(onId) : undefined;
  const open = on && TAKING_ALARMS.includes(on.status) ? on : undefined;
  if (!open) {
    await keep(`no open incident of ${service} to tell`);
    return { outcome: 'ignored' };
  }
  return alarmChanged(app, open, alarm, transition);
}

/**
 * An alarm of an open incident left ALARM. OK: recorded, and when no alarm of the incident is left
 * in ALARM, the timeline and the MIM are told that every alarm has recovered (resolving stays the
 * MIM's call). INSUFFICIENT_DATA: the monitoring went blind, which is not a recovery: a monitoring
 * gap, told to the MIM.
 */
async function alarmChanged(app: App, open: Incident, alarm: AlarmSignal, transition: string): Promise<IntakeResult> {
  const line = (kind: TimelineKind, summary: string) => ({
    ...entry(kind, summary, { channel: 'alarm', actor: alarm.alarmName }),
    at: alarm.at,
  });
  if (alarm.state === 'INSUFFICIENT_DATA') {
    await app.store.putAlarmEntry(
      open.id,
      transition,
      line('monitoring-gap', `${alarm.alarmName} has insufficient data: the monitoring may be blind (${alarm.reason})`),
    );
    await tellMim(app, open, 'monitoring-gap', alarm, transition);
    return { incidentId: open.id, outcome: 'monitoring-gap' };
  }
  await app.store.putAlarmEntry(open.id, transition, line('alarm-cleared', `${alarm.alarmName} is OK: ${alarm.reason}`));
  await app.store.alarmOk(open.id, alarm.alarmName, alarm.at);
  // Read after this alarm's own write, so that of two alarms recovering at once, at least one sees
  // both OK; the episode (the last time any of them fired) names the line, so that both write one.
  const alarms = await app.store.alarmsOf(open.id);
  if (alarms.some((a) => a.alarmName === alarm.alarmName) && alarms.every((a) => a.okAt !== undefined)) {
    const episode = alarms.map((a) => a.at).reduce((a, b) => (a > b ? a : b));
    const first = await app.store.appendTimeline(
      open.id,
      {
        ...line(
          'alarms-recovered',
          `Every alarm of this incident has recovered (the last: ${alarm.alarmName}); it stays open until the MIM resolves it`,
        ),
      },
      `recovered#${episode}`,
    );
    if (first) await tellMim(app, open, 'alarms-recovered', alarm, episode);
  }
  return { incidentId: open.id, outcome: 'cleared' };
}

/** Tells the incident's MIM, once, by email and SMS; before anyone accepted, the page is what they get. */
async function tellMim(app: App, incident: Incident, change: AlarmStatusChange, alarm: AlarmSignal, key: string) {
  const mim = findPerson(app.config, incident.mim?.id);
  if (!mim) return;
  await app.notifier.send(incident.id, `${change}#${key}`, [
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
      status: 'declared',
      ...(d.impact ? { impact: d.impact } : {}),
      ...(d.urgency ? { urgency: d.urgency } : {}),
    }),
    (id) =>
      app.store.appendTimeline(
        id,
        entry('declared', `Declared by ${d.declaredBy}: ${title}`, {
          channel: d.channel,
          actor: d.declaredBy,
          ...(d.principal ? { detail: { principal: d.principal } } : {}),
        }),
        `declared#${d.idempotencyKey}`,
      ),
    `declared#${d.idempotencyKey}`,
  );
}
