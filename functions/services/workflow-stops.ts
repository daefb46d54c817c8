import { z } from 'zod';
import { findPerson } from '../core/config';
import { INCIDENT_ID_PATTERN } from '../core/ids';
import { randomUUID } from 'node:crypto';
import { type Incident, OPEN_STATUSES, type RestartRequest, type WorkflowStop } from '../core/incident';
import { operationsAlert, workflowStoppedNotice, zoneOf } from '../core/messages';
import { entry } from '../core/timeline';
import { describeStop, STOPPED_STATUSES } from '../core/workflow-stop';
import { UnknownIncident } from './actions';
import type { App } from './app';
import { describeDeliveries, whoGotWhat } from '../core/audiences';

/**
 * EventBridge's "Step Functions Execution Status Change" event, as far as it is read here. Its detail
 * carries what DescribeExecution returns; the state is read again anyway (see recordStoppedWorkflow).
 */
export const executionStatusChange = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string().min(1).max(2048),
    name: z.string().min(1).max(80),
    status: z.string().max(40),
  }),
});
export type ExecutionStatusChange = z.infer<typeof executionStatusChange>;

const isStopped = (status: string): status is WorkflowStop['status'] => (STOPPED_STATUSES as readonly string[]).includes(status);

/** An operator asked to redrive a workflow that Step Functions will not redrive; the message says why. */
export class RedriveRefused extends Error {
  override readonly name = 'RedriveRefused';
}

/**
 * An incident's execution changed status. It is described again first: events arrive at least once
 * and may arrive late or out of order, and only the execution's state now says what to record.
 * Stopped (failed after its retries, timed out, or aborted): the stop is recorded (see recordStop).
 * Running again after a stop, however it was restarted (mim redrive, the Step Functions console's
 * Redrive, the API): the stop is cleared and the restart is on the timeline, once.
 */
export async function recordWorkflowStatus(
  app: App,
  event: ExecutionStatusChange,
): Promise<'stopped' | 'running-again' | 'unchanged'> {
  const { executionArn, name: id } = event.detail;
  const now = await app.workflow.describe(executionArn);
  if (isStopped(now.status)) {
    await recordStop(app, id, {
      status: now.status,
      at: (now.stopDate ?? app.clock.now()).toISOString(),
      reason: describeStop(now.status, now.error, now.cause),
      attempt: now.redriveCount,
    });
    return 'stopped';
  }
  if (now.status !== 'RUNNING' || !INCIDENT_ID_PATTERN.test(id)) return 'unchanged';
  const incident = await app.store.getIncident(id);
  const stop = incident?.workflowStopped;
  // A redrive counts up; a stop recorded at this count or later is not over.
  if (!incident || !stop || now.redriveCount <= stop.attempt) return 'unchanged';
  await runningAgain(app, incident, stop.at, stop.restartRequest, now.redriveCount);
  return 'running-again';
}

/**
 * The incident keeps its status (a redrive resumes from it); the stop is recorded on it and on its
 * timeline, the operations contacts are alerted and the MIM is told, each once per stop.
 */
async function recordStop(app: App, id: string, stop: WorkflowStop): Promise<void> {
  const key = `workflow-stopped#${stop.at}`;
  const stored = INCIDENT_ID_PATTERN.test(id) ? await app.store.getIncident(id) : undefined;
  if (stored && !OPEN_STATUSES.includes(stored.status)) {
    // An execution of an incident whose lifecycle had ended (one started late, then stopped): nothing
    // was left for it to do, so the incident is not marked, nobody is told, and only its timeline says so.
    await app.store.appendTimeline(
      id,
      entry(
        'workflow-stopped',
        `A workflow of this ${stored.status} incident stopped (${stop.status}): ${stop.reason}. Nothing was left for it to do`,
        {
          at: stop.at,
          detail: { ...stop },
        },
      ),
      key,
    );
    return;
  }
  const incident: Incident | undefined = stored && ((await app.store.updateIncident(id, { workflowStopped: stop })) ?? stored);
  if (app.operationsTopicArn) {
    await app.notifier.alertOperations(app.operationsTopicArn, id, key, operationsAlert(id, incident, stop, app.config.timeZone));
  }
  if (!incident) return;
  const mim = findPerson(app.config, incident.mim?.id);
  const deliveries = mim
    ? await app.notifier.send(incident, key, [
        {
          person: mim,
          channels: ['email', 'sms'],
          notice: workflowStoppedNotice(app.config, incident, stop, zoneOf(app.config, mim)),
        },
      ])
    : [];
  await app.store.appendTimeline(
    id,
    entry(
      'workflow-stopped',
      `The workflow stopped (${stop.status}): ${stop.reason}. Nothing moves on its own until it is redriven (mim redrive ${id}); told ${
        [
          ...(app.operationsTopicArn ? ['the operations contacts'] : []),
          ...(mim ? [`${mim.name} (${describeDeliveries(deliveries)})`] : []),
        ].join(' and ') || 'nobody'
      }`,
      { at: stop.at, detail: { ...stop, told: whoGotWhat(deliveries) } },
    ),
    key,
  );
}

/**
 * Writes the restart on the timeline and clears the stop (that one only: a later stop stays), once per
 * stop, whichever sees it first: `mim redrive` after its RedriveExecution, or the status change event
 * of the execution running again. The line is made from what is stored (who asked, if anyone did), so
 * that both write the same one.
 */
async function runningAgain(
  app: App,
  incident: Incident,
  stoppedAt: string,
  request: RestartRequest | undefined,
  redriveCount?: number,
): Promise<void> {
  const resumes = `it resumes where it stopped (${incident.status})`;
  const line = request
    ? entry('workflow-redriven', `${findPerson(app.config, request.by)?.name ?? request.by} redrove the workflow; ${resumes}`, {
        actor: request.by,
        channel: request.via,
        ...(request.principal ? { detail: { principal: request.principal } } : {}),
      })
    : entry('workflow-redriven', `The workflow is running again${redriveCount ? ` (redrive ${redriveCount})` : ''}; ${resumes}`);
  await app.store.appendTimeline(incident.id, line, `workflow-redriven#${stoppedAt}`);
  await app.store.clearWorkflowStop(incident.id, stoppedAt);
}

/**
 * `mim redrive`: restarts the incident's stopped workflow. Step Functions continues it from the step
 * that did not complete (the sandbox's endpoint too). An execution that no longer exists (AWS keeps an
 * execution's history 90 days, after which its name may be used again; a sandbox run with its data in
 * memory forgets executions) is started anew under the incident's id, and resumes from the incident's
 * stored status as a workflow started for a progressed incident does.
 */
export async function redriveWorkflow(
  app: App,
  request: { incidentId: string; by: string; via: 'api' | 'cli' | 'console'; principal?: string },
): Promise<{ restartedWith: 'RedriveExecution' | 'StartExecution' }> {
  const { incidentId: id, by, via, principal } = request;
  const incident = await app.store.getIncident(id);
  if (!incident) throw new UnknownIncident(`there is no incident ${id}; 'mim list' shows the open ones`);
  // Recorded on the stop before the redrive, so that whichever writes the restart (this, or the status
  // change event of the execution running again) names who asked for it.
  const asked: RestartRequest = {
    id: randomUUID(),
    by,
    via,
    at: app.clock.now().toISOString(),
    ...(principal ? { principal } : {}),
  };
  const stop = incident.workflowStopped;
  if (stop) await app.store.requestRestart(id, stop.at, asked);
  let result = await app.workflow.redrive(id);
  let restartedWith: 'RedriveExecution' | 'StartExecution' = 'RedriveExecution';
  if (result !== 'redriven' && result.refused === 'ExecutionDoesNotExist' && OPEN_STATUSES.includes(incident.status)) {
    await app.workflow.start(id);
    result = 'redriven';
    restartedWith = 'StartExecution';
  }
  if (result !== 'redriven') {
    await app.store.withdrawRestartRequest(id, asked.id);
    throw new RedriveRefused(
      result.refused === 'ExecutionDoesNotExist'
        ? `no workflow execution of ${id} exists, and it is ${incident.status}: there is nothing to restart`
        : `the workflow of ${id} cannot be redriven: ${result.message} (only a failed, timed-out or stopped execution of the last 14 days can be)`,
    );
  }
  // Without a stop on record (its event has not come yet), the restart is keyed by this request.
  await runningAgain(app, incident, stop?.at ?? asked.at, asked);
  return { restartedWith };
}
