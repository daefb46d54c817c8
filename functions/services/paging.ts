import { classify } from '../core/classify';
import { formatDuration } from '../core/duration';
import { downgradeNotice, handOffNotice, noAcknowledgementNotice, pageNotice } from '../core/messages';
import { escalationStep, whoIsOnCall } from '../core/roster';
import { holdBeforePaging } from './hold';
import { stopTakingAlarms } from './intake';
import { feedbackLinkUntil, recordOutcome } from './insight';
import { entry } from '../core/timeline';
import type { App } from './app';
import { describeDeliveries, owners, stakeholders } from '../core/audiences';
import { load, waitFor, notify, told, WAR_ROOM, BOTH, type StepResult } from './steps';

/*
 * The lifecycle's first phase: classify a new incident, hand a minor one to the normal queue, page
 * the on-call MIM and escalate, or downgrade a rejected candidate.
 */

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
      // A drill's call is not judged: it was not a call.
      ...(incident.drill
        ? {}
        : { feedback: await app.links.issue(id, 'feedback', person.id, now, undefined, feedbackLinkUntil(now)) }),
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
  const deliveries = await app.notifier.send(updated, `page#${level}`, recipients);
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
