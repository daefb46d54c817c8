import { z } from 'zod';
import { findPerson } from '../core/config';
import { INCIDENT_ID_PATTERN } from '../core/ids';
import type { Incident, WorkflowStop } from '../core/incident';
import { operationsAlert, workflowStoppedNotice, zoneOf } from '../core/messages';
import { entry } from '../core/timeline';
import { describeStop, STOPPED_STATUSES } from '../core/workflow-stop';
import { UnknownIncident } from './actions';
import type { App } from './app';
import { describeDeliveries, whoGotWhat } from './audiences';

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
 * An incident's execution stopped (failed after its retries, timed out, or was stopped): the incident
 * keeps its status (a redrive resumes from it), and the stop is recorded on it and on its timeline, the
 * operations contacts are alerted and the MIM is told, each once. The execution is described again
 * first: events arrive at least once and may arrive late, and one about an execution that has been
 * redriven since must not mark a running workflow as stopped.
 */
export async function recordStoppedWorkflow(app: App, event: ExecutionStatusChange): Promise<'recorded' | 'not-stopped'> {
  const { executionArn, name: id } = event.detail;
  const now = await app.workflow.describe(executionArn);
  if (!isStopped(now.status)) return 'not-stopped';
  const stop: WorkflowStop = {
    status: now.status,
    at: (now.stopDate ?? app.clock.now()).toISOString(),
    reason: describeStop(now.status, now.error, now.cause),
    attempt: now.redriveCount,
  };
  const key = `workflow-stopped#${stop.attempt}`;
  const stored = INCIDENT_ID_PATTERN.test(id) ? await app.store.getIncident(id) : undefined;
  const incident: Incident | undefined = stored && ((await app.store.updateIncident(id, { workflowStopped: stop })) ?? stored);
  if (app.operationsTopicArn) {
    await app.notifier.alertOperations(app.operationsTopicArn, id, key, operationsAlert(id, incident, stop, app.config.timeZone));
  }
  if (!incident) return 'recorded';
  const mim = findPerson(app.config, incident.mim?.id);
  const deliveries = mim
    ? await app.notifier.send(id, key, [
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
  return 'recorded';
}

/**
 * `mim redrive`: restarts the incident's stopped workflow. Step Functions continues it from the step
 * that did not complete (the sandbox's engine resumes from the incident's stored status); the stop is
 * cleared and the restart is on the timeline.
 */
export async function redriveWorkflow(
  app: App,
  request: { incidentId: string; by: string; via: 'api' | 'cli'; principal?: string },
): Promise<{ attempt: number }> {
  const { incidentId: id, by, via, principal } = request;
  const incident = await app.store.getIncident(id);
  if (!incident) throw new UnknownIncident(`there is no incident ${id}; 'mim list' shows the open ones`);
  const result = await app.workflow.redrive(id);
  if (result !== 'redriven') {
    throw new RedriveRefused(
      result.refused === 'ExecutionDoesNotExist'
        ? `no workflow execution of ${id} exists to redrive (${result.message})`
        : `the workflow of ${id} cannot be redriven: ${result.message} (only a failed, timed-out or stopped execution of the last 14 days can be)`,
    );
  }
  const attempt = (incident.workflowStopped?.attempt ?? 0) + 1;
  await app.store.updateIncident(id, { workflowStopped: undefined });
  const actor = findPerson(app.config, by)?.name ?? by;
  await app.store.appendTimeline(
    id,
    entry('workflow-redriven', `${actor} redrove the workflow; it resumes where it stopped (${incident.status})`, {
      actor: by,
      channel: via,
      ...(principal ? { detail: { principal } } : {}),
    }),
    `workflow-redriven#${attempt}`,
  );
  return { attempt };
}
