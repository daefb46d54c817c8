import { nextUpdateAt, secondsUntil } from '../core/cadence';
import { classify } from '../core/classify';
import { findPerson } from '../core/config';
import { formatDuration } from '../core/duration';
import { IncidentNotFound } from '../core/errors';
import { type Incident, type MimEvent, refusalFor } from '../core/incident';
import {
  closedNotice,
  downgradeNotice,
  formatTime,
  handedOverNotice,
  handOffNotice,
  handoverOfferNotice,
  priorityChangeNotice,
  initialNotice,
  mimBriefNotice,
  noAcknowledgementNotice,
  noChangeNotice,
  type Notice,
  overdueReminderNotice,
  pageNotice,
  resolutionNotice,
  reviewNotice,
  updateNotice,
  updateSentNotice,
  zoneOf,
} from '../core/messages';
import { escalationStep, whoIsOnCall } from '../core/roster';
import { holdBeforePaging } from './hold';
import { stopTakingAlarms } from './intake';
import { recordCost, recordOutcome } from './insight';
import { assignActionItems, followUpActionItems } from './follow-up';
import { reviewDraft } from '../core/review';
import { entry, type TimelineKind } from '../core/timeline';
import type { Channel } from '../core/config';
import type { App } from './app';
import {
  describeDeliveries,
  feedbackAudience,
  owners,
  peopleReached,
  priorityAudience,
  type Recipient,
  stakeholders,
  whoGotWhat,
} from './audiences';

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

async function load(app: App, id: string): Promise<Incident> {
  const incident = await app.store.getIncident(id);
  if (!incident) throw new IncidentNotFound(id);
  return incident;
}

function waitFor(incident: Incident, now: Date): number {
  return secondsUntil(new Date(incident.deadline ?? now.toISOString()), now);
}

/**
 * Sends a notice to its recipients, each in their own time zone; a stakeholder notice (`warRoom`)
 * also goes to the war-room chat channels, in the organisation's zone. Never anything with links.
 */
async function notify(
  app: App,
  incident: Incident,
  key: string,
  recipients: Recipient[],
  compose: (zone: string, person?: Recipient['person']) => Notice,
  { warRoom = false } = {},
) {
  return app.notifier.send(
    incident.id,
    key,
    recipients.map((r) => ({ person: r.person, channels: r.channels, notice: compose(zoneOf(app.config, r.person), r.person) })),
    warRoom ? { warRoom: compose(app.config.timeZone) } : {},
  );
}

/** Who got what, for the detail of a round's timeline entry. */
const told = (deliveries: Parameters<typeof whoGotWhat>[0]) => ({ told: whoGotWhat(deliveries) });

const WAR_ROOM = { warRoom: true };

/**
 * A stakeholder round: the notice to everyone who hears of the incident and to the war room, once
 * each, then the round's timeline line (its summary given what went where) with who got it, the
 * round's key and the update it promised next (what the report judges punctuality by).
 */
async function broadcast(
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

const BOTH: Channel[] = ['email', 'sms'];

/**
 * Classifies a newly declared incident. An execution started for an incident that has already
 * progressed (the local sandbox restarted, and its engine keeps executions in memory) resumes from
 * the stored status instead: the state machine routes on `resume`.
 */
export async function classifyIncident(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  const incident = await load(app, id);
  if (incident.status !== 'declared') {
    return {
      incidentId: id,
      resume: incident.status,
      ...(incident.verdict ? { verdict: incident.verdict } : {}),
      pageLevel: incident.pageLevel ?? 0,
      waitSeconds: waitFor(incident, now),
    };
  }
  const result = classify(app.config, {
    source: incident.source,
    service: incident.service,
    ...(incident.source === 'manual' && incident.impact ? { impact: incident.impact } : {}),
    ...(incident.source === 'manual' && incident.urgency ? { urgency: incident.urgency } : {}),
  });
  await app.store.updateIncident(id, { ...result, pageLevel: 0 }, { status: ['declared'] });
  await app.store.appendTimeline(
    id,
    entry('classified', `Classified ${result.priority} ${result.verdict}: ${result.reasons.join('; ')}`, {
      detail: { ...result },
    }),
    'classified',
  );
  const held = await holdBeforePaging(app, incident, result.verdict, now);
  if (held !== undefined) return { incidentId: id, resume: 'held', verdict: result.verdict, waitSeconds: held };
  return { incidentId: id, resume: 'new', verdict: result.verdict };
}

export async function handOffMinor(app: App, id: string): Promise<StepResult> {
  await stopTakingAlarms(app, await load(app, id));
  const incident = (await app.store.updateIncident(id, { status: 'handed-off' })) ?? (await load(app, id));
  const deliveries = await notify(app, incident, 'handed-off', owners(app.config, incident), (zone) =>
    handOffNotice(app.config, incident, zone),
  );
  await app.store.appendTimeline(
    id,
    entry('handed-off', `Handed to the normal incident queue; told ${describeDeliveries(deliveries)}`, {
      detail: told(deliveries),
    }),
    'handed-off',
  );
  await recordOutcome(app, id);
  return { incidentId: id };
}

/** Pages whoever holds the current escalation step (every level once the policy is exhausted). */
export async function pageMim(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  const incident = await load(app, id);
  const levels = whoIsOnCall(app.config, now);
  const level = incident.pageLevel ?? 0;
  const { exhausted, paged, round } = escalationStep(app.config, levels, level);
  const ackWindow = exhausted ? app.config.rota.repageEvery : paged[0]!.ackWindowSeconds;
  const rounds = app.config.rota.repeat > 1 && !exhausted ? ` (round ${round} of ${app.config.rota.repeat})` : '';
  const updated =
    (await app.store.updateIncident(
      id,
      {
        status: 'paging',
        deadline: new Date(now.getTime() + ackWindow * 1000).toISOString(),
        pagedNow: paged.flatMap((l) => l.people.map((p) => p.id)),
      },
      { status: ['declared', 'paging'] },
    )) ?? incident;
  const previous = level > 0 ? escalationStep(app.config, levels, level - 1).paged : undefined;
  const pass = incident.passed?.step === level - 1 ? incident.passed : undefined;
  const escalatedFrom = pass
    ? `${pass.by} passed${pass.reason ? `: ${pass.reason}` : ''}`
    : previous
      ? `${previous.flatMap((l) => l.people.map((p) => p.name)).join(', ')} did not answer`
      : undefined;
  const targets = paged.flatMap((l) => l.people.map((person) => ({ person, levelName: l.name })));
  const recipients = [];
  for (const { person, levelName } of targets) {
    const links = {
      accept: await app.links.issue(id, 'accept', person.id, now),
      ...(incident.verdict === 'candidate' ? { reject: await app.links.issue(id, 'reject', person.id, now) } : {}),
      // Once every level is paged there is no next level to pass to.
      ...(exhausted ? {} : { pass: await app.links.issue(id, 'pass', person.id, now, level) }),
      feedback: await app.links.issue(id, 'feedback', person.id, now),
    };
    recipients.push({
      person,
      channels: BOTH,
      notice: pageNotice(
        app.config,
        updated,
        { name: exhausted ? 'every escalation level' : levelName, ...(escalatedFrom ? { escalatedFrom } : {}) },
        links,
      ),
    });
  }
  const deliveries = await app.notifier.send(id, `page#${level}`, recipients);
  await app.store.appendTimeline(
    id,
    entry(
      'paged',
      `Paged ${exhausted ? 'every level' : paged[0]!.name}${rounds} (${targets.map((t) => t.person.name).join(', ')}) to answer within ${formatDuration(ackWindow)}; reached ${describeDeliveries(deliveries)}`,
      { detail: { level, targets: targets.map((t) => t.person.id), ...told(deliveries) } },
    ),
    `page#${level}`,
  );
  return { incidentId: id, pageLevel: level, waitSeconds: waitFor(updated, now) };
}

/** Nobody answered in time: move to the next level (idempotent: only from the level that was paged). */
export async function escalatePage(
  app: App,
  id: string,
  fromLevel: number,
  now = app.clock.now(),
  passed = false,
): Promise<StepResult> {
  const incident = await load(app, id);
  const levels = whoIsOnCall(app.config, now);
  const to = fromLevel + 1;
  if (incident.pageLevel === fromLevel) await app.store.updateIncident(id, { pageLevel: to }, { status: ['paging'] });
  const from = escalationStep(app.config, levels, fromLevel);
  const next = escalationStep(app.config, levels, to);
  const repeat = app.config.rota.repeat;
  const why = passed
    ? `${from.paged[0]?.name ?? 'Every level'} passed`
    : `No answer from ${from.paged[0]!.name} within the acknowledgement window`;
  const summary = !next.exhausted
    ? `${why}; escalating to ${next.paged[0]!.name}${repeat > 1 ? ` (round ${next.round} of ${repeat})` : ''}`
    : !from.exhausted
      ? `No MIM has acknowledged after ${repeat === 1 ? 'paging every level in turn' : `${repeat} rounds of every level`}; paging every level at once and telling leadership`
      : `Still no MIM has acknowledged; paging every level again`;
  await app.store.appendTimeline(id, entry('escalated', summary, { detail: { from: fromLevel, to } }), `escalate#${fromLevel}`);
  if (next.exhausted && !from.exhausted) {
    await notify(
      app,
      incident,
      'no-acknowledgement',
      stakeholders(app.config, incident),
      (zone) => noAcknowledgementNotice(app.config, incident, zone),
      WAR_ROOM,
    );
  }
  return { incidentId: id };
}

/**
 * How much later than the incident's own deadline (or than now, once that has passed) a wait may end
 * before it is woken to be measured again: a wait is computed a moment before it starts, so it always
 * ends a little after the deadline.
 */
const STALE_WAIT_MS = 5_000;

/**
 * The wait registers its task token, then hands over at once anything already in the inbox. A wait
 * that would end well after the incident's deadline is woken at once, with no event: its length was
 * measured earlier than now. That is what a redrive does on AWS, which enters the wait again with the
 * input it had when it first began (its full original length), long after an update fell due; the
 * step after the wait then measures the time left again from the stored deadline.
 */
export async function awaitEvent(
  app: App,
  input: { incidentId: string; phase: string; taskToken: string; waitSeconds?: number | undefined },
): Promise<void> {
  const now = app.clock.now();
  await app.store.setWait(input.incidentId, { token: input.taskToken, phase: input.phase, since: now.toISOString() });
  // A hold before paging takes no actions (nobody has been paged): they wait for the page's wait.
  const [pending] = input.phase === 'hold' ? [] : await app.store.pendingEvents(input.incidentId);
  if (pending) {
    await app.workflow.deliver(input.taskToken, { incidentId: input.incidentId, eventId: pending.id, at: pending.at });
    return;
  }
  const deadline = (await app.store.getIncident(input.incidentId))?.deadline;
  const endsAt = input.waitSeconds === undefined ? undefined : now.getTime() + input.waitSeconds * 1000;
  // Measured from the deadline, or from now if it has passed: a wait begun after its deadline (a
  // workflow resumed late) is one second long and must run out, to take the path of what fell due;
  // woken, it would be measured again at one second and woken again, for ever.
  if (deadline && endsAt !== undefined && endsAt > Math.max(Date.parse(deadline), now.getTime()) + STALE_WAIT_MS) {
    await app.workflow.deliver(input.taskToken, { incidentId: input.incidentId, eventId: 'none', at: now.toISOString() });
  }
}

/**
 * Applies an inbox event to the incident exactly once. The change records the event id and the event
 * is marked taken only after the change is stored, so a retried step finishes what it began instead
 * of losing or repeating it; a second delivery of an event already taken routes nowhere.
 */
export async function takeEvent(
  app: App,
  input: { incidentId: string; eventId: string },
  now = app.clock.now(),
): Promise<StepResult> {
  const incident = await load(app, input.incidentId);
  const event = await app.store.findEvent(incident.id, input.eventId);
  const none: StepResult = {
    incidentId: incident.id,
    action: 'none',
    waitSeconds: waitFor(incident, now),
    // The acknowledgement wait escalates from here when it times out.
    ...(incident.pageLevel === undefined ? {} : { pageLevel: incident.pageLevel }),
  };
  if (!event) return none;
  if (incident.lastEventId === event.id) {
    await app.store.consumeEvent(incident.id, event);
    return taken(incident, event, now);
  }
  if (event.consumedAt) return none;
  // The rule the request passed when it was made, asked again: the incident may have changed since.
  const refusal = refusalFor(incident, event);
  if (refusal) {
    await app.store.appendTimeline(
      incident.id,
      entry('action-refused', `${event.action} by ${event.by} refused: ${refusal}`, { actor: event.by, channel: event.via }),
      `refused#${event.id}`,
    );
    await app.store.consumeEvent(incident.id, event);
    return none;
  }
  const after = (await apply(app, incident, event, now)) ?? incident;
  await app.store.consumeEvent(incident.id, event);
  return taken(after, event, now);
}

/**
 * What a taken event routes on. A pass carries the level it passes from, for the next page; an
 * action that does not leave the wait (a handover) carries the time left of it.
 */
function taken(incident: Incident, event: MimEvent, now: Date): StepResult {
  return {
    incidentId: incident.id,
    action: event.action,
    waitSeconds: waitFor(incident, now),
    ...(event.action === 'pass' ? { pageLevel: incident.pageLevel ?? 0 } : {}),
  };
}

/** Applies a person's action; returns the incident as it then stands when the action changed its wait. */
async function apply(app: App, incident: Incident, event: MimEvent, now: Date): Promise<Incident | undefined> {
  const by = findPerson(app.config, event.by);
  const actor = by?.name ?? event.by;
  const common = { lastEventId: event.id };
  const log = (kind: Parameters<typeof entry>[0], summary: string, detail: Record<string, unknown> = {}) =>
    app.store.appendTimeline(
      incident.id,
      entry(kind, summary, {
        actor: event.by,
        channel: event.via,
        at: event.at,
        ...(event.principal || Object.keys(detail).length
          ? { detail: { ...detail, ...(event.principal ? { principal: event.principal } : {}) } }
          : {}),
      }),
      `event#${event.id}`,
    );
  switch (event.action) {
    case 'accept':
      await app.store.updateIncident(
        incident.id,
        {
          ...common,
          status: 'active',
          mim: by ? { id: by.id, name: by.name, email: by.email } : { id: event.by, name: event.by, email: '' },
          acceptedAt: event.at,
        },
        { status: ['paging'] },
      );
      return void (await log('accepted', `${actor} accepted and is the Major Incident Manager`));
    case 'reject':
      await app.store.updateIncident(
        incident.id,
        { ...common, rejection: { by: actor, reason: event.reason ?? '', at: event.at } },
        { status: ['paging'] },
      );
      return void (await log('rejected', `${actor} rejected the candidate: ${event.reason}`));
    case 'pass':
      await app.store.updateIncident(
        incident.id,
        {
          ...common,
          passed: { step: incident.pageLevel ?? 0, by: actor, ...(event.reason ? { reason: event.reason } : {}) },
        },
        { status: ['paging'] },
      );
      return void (await log(
        'passed',
        `${actor} passed the page${event.reason ? `: ${event.reason}` : ''}; the next level is paged now`,
      ));
    case 'change-priority': {
      // The new cadence starts now; lowering the priority does not put off an update already promised.
      const due = nextUpdateAt(app.config, event.priority!, now).toISOString();
      const next = incident.nextUpdateAt && incident.nextUpdateAt < due ? incident.nextUpdateAt : due;
      const changed =
        (await app.store.updateIncident(
          incident.id,
          { ...common, priority: event.priority!, nextUpdateAt: next, deadline: next },
          { status: ['active'] },
        )) ?? incident;
      const change = { from: incident.priority!, by: actor, reason: event.reason ?? '' };
      const deliveries = await notify(
        app,
        changed,
        `priority#${event.id}`,
        priorityAudience(app.config, incident, changed),
        (zone) => priorityChangeNotice(app.config, changed, change, zone),
        WAR_ROOM,
      );
      await log(
        'priority-changed',
        `${actor} changed the priority from ${change.from} to ${changed.priority}: ${change.reason}; updates every ${formatDuration(app.config.cadence[changed.priority!])}, the next at ${formatTime(next, app.config.timeZone)}; told ${describeDeliveries(deliveries)}`,
        told(deliveries),
      );
      return changed;
    }
    case 'update':
      await app.store.updateIncident(
        incident.id,
        { ...common, lastUpdate: { ...event.update!, postedBy: actor, postedAt: event.at } },
        { status: ['active'] },
      );
      return void (await log('update-posted', `${actor} posted an update: ${event.update!.status}`));
    case 'hand-over': {
      const to = findPerson(app.config, event.to)!;
      const offered =
        (await app.store.updateIncident(
          incident.id,
          {
            ...common,
            handover: { from: incident.mim!, to: to.id, at: event.at, ...(event.reason ? { reason: event.reason } : {}) },
          },
          { status: ['active'] },
        )) ?? incident;
      const links = { takeOver: await app.links.issue(incident.id, 'take-over', to.id, now) };
      const deliveries = await app.notifier.send(incident.id, `handover#${event.id}`, [
        { person: to, channels: BOTH, notice: handoverOfferNotice(app.config, offered, zoneOf(app.config, to), links) },
      ]);
      return void (await log(
        'handover-offered',
        `${actor} offered the incident to ${to.name}${event.reason ? `: ${event.reason}` : ''}; ${actor} leads it until ${to.name} takes over (reached ${describeDeliveries(deliveries)})`,
        told(deliveries),
      ));
    }
    case 'take-over': {
      const from = incident.mim?.name ?? 'nobody';
      const previous = findPerson(app.config, incident.mim?.id);
      const led =
        (await app.store.updateIncident(
          incident.id,
          { ...common, mim: { id: by!.id, name: by!.name, email: by!.email }, handover: undefined },
          { status: ['active'] },
        )) ?? incident;
      await log('handed-over', `${actor} took over as the Major Incident Manager from ${from}`);
      if (previous) {
        await app.notifier.send(incident.id, `handed-over#${event.id}`, [
          {
            person: previous,
            channels: ['email'],
            notice: handedOverNotice(app.config, led, from, event.at, zoneOf(app.config, previous)),
          },
        ]);
      }
      return void (await briefMim(app, led, `mim-brief#${event.id}`, now, (zone, links) =>
        mimBriefNotice(app.config, led, zone, links),
      ));
    }
    case 'resolve':
      await stopTakingAlarms(app, incident);
      await app.store.updateIncident(
        incident.id,
        { ...common, status: 'resolved', resolvedAt: event.at, resolution: event.resolution ?? '' },
        { status: ['active'] },
      );
      return void (await log('resolved', `${actor} resolved it: ${event.resolution}`));
    case 'submit-review':
      await app.store.updateIncident(
        incident.id,
        {
          ...common,
          review: { ...incident.review!, submittedAt: event.at, ...event.review! },
        },
        { status: ['review'] },
      );
      return void (await log('review-submitted', `${actor} submitted the post-incident review`));
  }
}

export async function downgrade(app: App, id: string): Promise<StepResult> {
  await stopTakingAlarms(app, await load(app, id));
  const incident = (await app.store.updateIncident(id, { status: 'downgraded', deadline: undefined })) ?? (await load(app, id));
  const deliveries = await notify(app, incident, 'downgraded', owners(app.config, incident), (zone) =>
    downgradeNotice(app.config, incident, zone),
  );
  await app.store.appendTimeline(
    id,
    entry('downgraded', `Downgraded to a normal incident; told ${describeDeliveries(deliveries)}`, { detail: told(deliveries) }),
    'downgraded',
  );
  await recordOutcome(app, id);
  return { incidentId: id };
}

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
  for (const person of asked) links.set(person, await app.links.issue(incident.id, 'feedback', person, app.clock.now()));
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

/** Writes to the MIM with fresh single-use links to post the next update or resolve. */
async function briefMim(
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
  await app.notifier.send(incident.id, key, [{ person: mim, channels, notice: compose(zoneOf(app.config, mim), links) }]);
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
  // A retry of this step (after a timeout or a crash) finishes the same round: same number, same
  // next-update time, same message key, so that nobody gets it twice and nobody misses it.
  const retried =
    mode === 'posted'
      ? current.lastRound === `update#${current.lastEventId}`
      : (current.lastRound === 'initial' || Boolean(current.lastRound?.startsWith('no-change#'))) &&
        Date.parse(current.nextUpdateAt ?? '') > now.getTime();
  // The first notice was left to the MIM, who posted nothing in time: the standard one goes now.
  const initial = retried ? current.lastRound === 'initial' : mode === 'due' && Boolean(current.firstNoticePending);
  const key = retried
    ? current.lastRound!
    : mode === 'posted'
      ? `update#${current.lastEventId}`
      : initial
        ? 'initial'
        : `no-change#${current.nextUpdateAt}`;
  const due = retried ? current.nextUpdateAt! : nextUpdateAt(app.config, current.priority!, now).toISOString();
  const count = retried || initial ? (current.updateCount ?? 0) : (current.updateCount ?? 0) + 1;
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
  await app.notifier.send(incident.id, key, [
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
  await recordCost(app, id);
  await recordOutcome(app, id);
  // The review's action items are the workflow's to follow up from here, until each is done or overdue.
  await assignActionItems(app, incident, now);
  return { incidentId: id, ...(await followUpActionItems(app, incident, now)) };
}

/** A pass of the action items' follow-up: reminders due, overdue items told; whether to go on. */
export async function followUp(app: App, id: string, now = app.clock.now()): Promise<StepResult> {
  return { incidentId: id, ...(await followUpActionItems(app, await load(app, id), now)) };
}
