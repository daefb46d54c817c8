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
import { DRILL_LEVELS } from '../core/drills';
import { incidentIdFor, keyHash } from '../core/ids';
import type { Drill, Incident } from '../core/incident';
import { keptForInspection, singleLine } from '../core/text';
import { entry, type TimelineEntry, type TimelineKind } from '../core/timeline';
import type { AlarmChange, DeliveryOutcome, GroupingWindow } from '../adapters/store';
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

/** The once-key of an alarm state change: the incident and the window record which one opened them. */
const alarmOnceKey = (transition: string) => `alarm#${transition}`;

/**
 * An incident stops taking alarms (it is resolved, handed off or downgraded): its window closes
 * first, so that the next alarm of its service opens an incident of its own instead of joining one
 * that nobody will act on. Safe to repeat; a window since taken by another incident is left alone.
 */
export async function stopTakingAlarms(
  app: App,
  incident: Pick<Incident, 'id' | 'service' | 'source' | 'window'>,
): Promise<void> {
  if (incident.source === 'alarm') await app.store.closeWindow(windowOf(incident), incident.id);
}

/** The grouping window an alarm incident's alarms join (before windows were recorded: its service's). */
const windowOf = (incident: Pick<Incident, 'service' | 'window'>) => incident.window ?? alarmWindow(incident.service);

/**
 * A held incident whose window was closed to decide the hold pages after all (an alarm still fires):
 * its window takes the storm's alarms again, unless another incident has taken it since.
 */
export async function reopenForAlarms(app: App, incident: Pick<Incident, 'id' | 'service' | 'source' | 'window'>): Promise<void> {
  if (incident.source === 'alarm') await app.store.reopenWindow(windowOf(incident), incident.id);
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
): Promise<IntakeResult | 'earlier'> {
  const { store, workflow, config } = app;
  let seen: Incident | undefined;
  const claim = await store.claimDedupWindow(
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
  if (claim === 'earlier') return claim;
  const { incidentId, opened: claimed, ready } = claim;
  const existing = claimed ? undefined : seen;
  const opened = existing ? existing.openedBy === onceKey : await storeIncident(app, { ...build(incidentId), openedBy: onceKey });
  const first = await record(incidentId, opened);
  // A ready window's incident has its execution already: a join that only extends it starts none.
  const started = ready ? 'already-started' : await workflow.start(incidentId);
  if (!ready) await store.windowReady(key, incidentId);
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
 * Every change starts with one read of what it needs (its key's grouping window, the delivery's
 * memory, the incident its alarm was last on). An alarm joining an incident whose window is ready
 * then costs one batch write (its entry, firing state, pointer and the memory) and starts no
 * execution: the window is ready only once the incident's has started. A recovery or a monitoring
 * gap on an open incident writes its entry and the memory in one batch too, last.
 */
export async function receiveAlarm(
  app: App,
  alarm: AlarmSignal,
  deliveryId: string,
  now = app.clock.now(),
): Promise<IntakeResult> {
  const transition = transitionKey(alarm);
  const service = serviceOfAlarm(app.config, alarm)?.name ?? 'unmapped';
  const seen = await app.store.intakeLookup(
    alarmWindow(service),
    transition,
    alarm.state === 'ALARM' ? undefined : alarmKey(alarm),
  );
  if (seen.delivery && (await takenBefore(app, seen.delivery, transition, alarm))) {
    return { ...(seen.delivery.incidentId ? { incidentId: seen.delivery.incidentId } : {}), outcome: 'duplicate' };
  }
  const change: Change = { alarm, deliveryId, transition, service, now, until: new Date(now.getTime() + DELIVERY_HORIZON_MS) };
  if (alarm.state !== 'ALARM') return alarmLeft(app, change, seen.alarmOn, seen.window);
  // The alarm's own time groups it: alarms delivered late join the storm they belonged to, not the
  // one under way when they arrived. A time ahead of the system's clock counts as now.
  const at = new Date(Math.min(Date.parse(alarm.at), now.getTime()));
  const late = now.getTime() - at.getTime();
  if (late > app.config.intake.staleAfter * 1000) {
    // Hours late (Lambda retried it for hours, or a dead-letter queue was redriven): paging now would
    // send people to an outage that may be long over. It is kept, and shown by mim alarms.
    return keep(
      app,
      change,
      'stale',
      `arrived ${formatDuration(Math.max(60, Math.round(late / 60_000) * 60))} after it fired, later than intake.staleAfter: paged nobody`,
    );
  }
  const window = seen.window;
  if (
    window?.ready &&
    !window.closed &&
    // An alarm from before the window's first goes the way that moves the window's start back.
    at.toISOString() >= window.openedAt &&
    // A retry of the delivery that opened the incident is no join: it finishes what it began.
    window.openedBy !== alarmOnceKey(transition) &&
    Date.parse(window.expiresAt) >= at.getTime() + EXTEND_WHEN_LEFT * app.config.intake.groupWindow * 1000
  ) {
    const outcome = { incidentId: window.incidentId, outcome: 'grouped' } as const;
    await app.store.recordAlarmChange({ ...fired(change, window.incidentId, false), delivery: { outcome, until: change.until } });
    return outcome;
  }
  const result = await openOrJoinAlarm(app, change, at);
  await app.store.rememberDelivery(transition, { incidentId: result.incidentId!, outcome: result.outcome }, change.until);
  return result;
}

/** One alarm state change being taken in. */
interface Change {
  alarm: AlarmSignal;
  deliveryId: string;
  transition: string;
  service: string;
  now: Date;
  /** How long the delivery is remembered. */
  until: Date;
}

/**
 * Whether a delivery remembered as taken in was taken in whole: the memory of a change on an
 * incident may be written in the same batch as its entry, and DynamoDB may take one and not the other.
 */
async function takenBefore(app: App, delivery: DeliveryOutcome, transition: string, alarm: AlarmSignal): Promise<boolean> {
  if (!delivery.incidentId) return true;
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

/** What an alarm in ALARM leaves on its incident: the entry, at the alarm's own time, its firing state and pointer. */
function fired(change: Change, incidentId: string, opened: boolean): AlarmChange {
  const { alarm, service, transition, deliveryId, now } = change;
  return {
    incidentId,
    transition,
    entry: {
      ...entry(
        opened ? 'alarm-received' : 'alarm-grouped',
        `${opened ? 'Alarm' : 'Grouped into this incident: alarm'} ${alarm.alarmName} (${service}): ${alarm.reason}`,
        { channel: 'alarm', actor: alarm.alarmName, detail: { deliveryId, ...alarmSummary(alarm) } },
      ),
      at: alarm.at,
    },
    firing: { alarmName: alarm.alarmName },
    pointer: { alarm: alarmKey(alarm), until: new Date(now.getTime() + ALARM_POINTER_MS) },
  };
}

/**
 * Opens or joins the incident of the alarm's storm: its service's window, or for an alarm of a storm
 * that ended before that window began (delivered late, as a redrive delivers a backlog), the window
 * of the storm before it, and so on back. Each earlier window began more than a window's length
 * before the next, and no alarm older than staleAfter gets here: the chain is short.
 */
async function openOrJoinAlarm(app: App, change: Change, at: Date): Promise<IntakeResult> {
  const { groupWindow, staleAfter } = app.config.intake;
  let key = alarmWindow(change.service);
  for (let storm = 0; storm <= Math.ceil(staleAfter / groupWindow) + 1; storm += 1) {
    const result = await openOrJoinAlarmIn(app, key, change, at);
    if (result !== 'earlier') return result;
    key = `${key}#earlier`;
  }
  throw new Error(
    `no grouping window of ${change.service} takes ${change.transition}: more storms before it than staleAfter allows`,
  );
}

function openOrJoinAlarmIn(app: App, key: string, change: Change, at: Date): Promise<IntakeResult | 'earlier'> {
  const { alarm, service, transition, now } = change;
  return openOrJoin(
    app,
    key,
    at,
    (id) => ({
      id,
      window: key,
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
      await app.store.recordAlarmChange(fired(change, id, opened));
      return true;
    },
    alarmOnceKey(transition),
  );
}

/** A change that reached no incident: kept in its day's alarm history, and remembered. */
async function keep(app: App, change: Change, outcome: 'stale' | 'ignored', why: string): Promise<IntakeResult> {
  const { alarm, service, transition, now } = change;
  await app.store.recordAlarm(
    {
      at: alarm.at,
      receivedAt: now.toISOString(),
      service,
      alarmName: alarm.alarmName,
      state: alarm.state,
      reason: alarm.reason,
      outcome: why,
    },
    transition,
  );
  await app.store.rememberDelivery(transition, { outcome }, change.until);
  return { outcome };
}

/**
 * The incident an alarm that left ALARM was on, if it still takes alarms. The window of its service
 * says so without reading the incident, while it is that incident's: a window closes before its
 * incident stops taking alarms.
 */
async function openIncidentOf(app: App, alarmOn: string | undefined, window: GroupingWindow | undefined) {
  if (!alarmOn) return undefined;
  if (window?.incidentId === alarmOn && !window.closed) return alarmOn;
  const on = await app.store.getIncident(alarmOn);
  return on && TAKING_ALARMS.includes(on.status) ? on.id : undefined;
}

/**
 * An alarm left ALARM. On an open incident: OK is recorded, and when no alarm of the incident is
 * left in ALARM, the timeline and the MIM are told that every alarm has recovered (resolving stays
 * the MIM's call); INSUFFICIENT_DATA means the monitoring went blind, which is not a recovery: a
 * monitoring gap, told to the MIM. Otherwise it is kept in the alarm history.
 */
async function alarmLeft(
  app: App,
  change: Change,
  alarmOn: string | undefined,
  window: GroupingWindow | undefined,
): Promise<IntakeResult> {
  const { alarm, transition } = change;
  const id = await openIncidentOf(app, alarmOn, window);
  if (!id) return keep(app, change, 'ignored', `no open incident of ${change.service} to tell`);
  const line = (kind: TimelineKind, summary: string) => ({
    ...entry(kind, summary, { channel: 'alarm', actor: alarm.alarmName }),
    at: alarm.at,
  });
  let outcome: 'cleared' | 'monitoring-gap';
  let told: TimelineEntry;
  if (alarm.state === 'INSUFFICIENT_DATA') {
    outcome = 'monitoring-gap';
    told = line('monitoring-gap', `${alarm.alarmName} has insufficient data: the monitoring may be blind (${alarm.reason})`);
    await tellMim(app, id, 'monitoring-gap', alarm, transition);
  } else {
    outcome = 'cleared';
    told = line('alarm-cleared', `${alarm.alarmName} is OK: ${alarm.reason}`);
    await app.store.alarmOk(id, alarm.alarmName, alarm.at);
    await announceRecovery(app, id, alarm, line);
  }
  // Last, and in one request: the entry and the memory.
  await app.store.recordAlarmChange({
    incidentId: id,
    transition,
    entry: told,
    delivery: { outcome: { incidentId: id, outcome }, until: change.until },
  });
  return { incidentId: id, outcome };
}

/**
 * Tells the timeline and the MIM, once, when no alarm of the incident is left in ALARM. Read after
 * this alarm's own write, so that of two alarms recovering at once, at least one sees both OK; the
 * episode (the last time any of them fired) names the line, so that both write the same one.
 */
async function announceRecovery(
  app: App,
  id: string,
  alarm: AlarmSignal,
  line: (kind: TimelineKind, summary: string) => TimelineEntry,
) {
  const alarms = await app.store.alarmsOf(id);
  if (!alarms.some((a) => a.alarmName === alarm.alarmName) || alarms.some((a) => a.okAt === undefined)) return;
  const episode = alarms.map((a) => a.at).reduce((a, b) => (a > b ? a : b));
  const summary = `Every alarm of this incident has recovered (the last: ${alarm.alarmName}); it stays open until the MIM resolves it`;
  if (await app.store.appendTimeline(id, line('alarms-recovered', summary), `recovered#${episode}`)) {
    await tellMim(app, id, 'alarms-recovered', alarm, episode);
  }
}

/** Tells the incident's MIM, once, by email and SMS; before anyone accepted, the page is what they get. */
async function tellMim(app: App, id: string, change: AlarmStatusChange, alarm: AlarmSignal, key: string) {
  const incident = await app.store.getIncident(id);
  const mim = findPerson(app.config, incident?.mim?.id);
  if (!incident || !mim) return;
  await app.notifier.send(incident, `${change}#${key}`, [
    { person: mim, channels: ['email', 'sms'], notice: alarmStatusNotice(app.config, incident, change, alarm) },
  ]);
}

export interface Declaration {
  service: string;
  title: string;
  declaredBy: string;
  description?: string;
  /** Given by the person declaring; otherwise the service's tier says (high for a drill). */
  impact?: Level;
  urgency?: Level;
  /** The same key declares the same incident once (a retried CLI or API call). */
  idempotencyKey: string;
  /** A drill, not a real incident. */
  drill?: Drill;
  channel: 'api' | 'cli' | 'console' | 'schedule';
  /** The AWS identity that signed the call, when the API is IAM-authorised. */
  principal?: string;
}

export async function declareIncident(app: App, d: Declaration, now = app.clock.now()): Promise<IntakeResult> {
  const title = singleLine(d.title);
  // The key becomes part of DynamoDB keys (at most 1,024 bytes in a sort key): it goes in as its hash.
  const key = keyHash(d.idempotencyKey);
  const result = await openOrJoin(
    app,
    `manual#${key}`,
    now,
    (id) => ({
      id,
      title,
      service: d.service,
      source: 'manual',
      declaredAt: now.toISOString(),
      declaredBy: d.declaredBy,
      ...(d.description ? { description: d.description } : {}),
      status: 'declared',
      ...(d.drill ? DRILL_LEVELS : {}),
      ...(d.impact ? { impact: d.impact } : {}),
      ...(d.urgency ? { urgency: d.urgency } : {}),
      ...(d.drill ? { drill: d.drill } : {}),
    }),
    (id) =>
      app.store.appendTimeline(
        id,
        entry('declared', `${d.drill ? 'Drill declared' : 'Declared'} by ${d.declaredBy}: ${title}`, {
          channel: d.channel,
          actor: d.declaredBy,
          ...(d.principal ? { detail: { principal: d.principal } } : {}),
        }),
        `declared#${key}`,
      ),
    `declared#${key}`,
  );
  // A declaration's window opened at a declaration of the same key, never later than now.
  if (result === 'earlier') throw new Error(`the declaration ${key} found its window opened after it`);
  return result;
}
