import { RedriveExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { appContext } from '../../functions/services/app';
import { dynamo } from '../../functions/adapters/clients';
import { describe, expect, it } from 'vitest';
import type { TopicMessage } from '../../infra/local/sns-server';
import { lambdaContext } from '../../infra/local/lambda-context';
import { act, activeIncident, declare, finished, UPDATE } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Nothing moves on its own while these tests look: pages wait ten minutes, updates are due in an hour.
const config = fastConfigWith('failure', { rota: { ackWindow: '10m' }, cadence: { P1: '1h', P2: '1h' } });
const { driver, sandbox } = useSandbox(config);
const sfn = () => new SFNClient({});

function alertsAbout(id: string): TopicMessage[] {
  return sandbox().sns.topicMessages.filter((m) => m.topicArn === sandbox().operationsTopicArn && m.subject.includes(id));
}

async function stopped(id: string) {
  await driver().stopExecution(id);
  return driver().waitForTimeline(id, 'workflow-stopped');
}

describe('workflow: a workflow that stops, and the way back', () => {
  it('a step that fails for good fails the execution at that step, and operations are told what failed, in words', async () => {
    const id = 'INC-20261127-000000';

    await sfn().send(
      new StartExecutionCommand({
        stateMachineArn: sandbox().stateMachineArn,
        name: id,
        input: JSON.stringify({ incidentId: id }),
      }),
    );
    const execution = await finished(driver(), id);
    const alert = await driver().waitFor('the operations alert', async () => alertsAbout(id)[0]);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'IncidentNotFound' });
    expect(await driver().statePath(id)).toEqual(['Classify']);
    expect(alert!.subject).toBe(`Major incident ${id}: its workflow stopped (FAILED)`);
    expect(alert!.message).toContain(`a step failed: IncidentNotFound: incident ${id} is not stored.`);
    expect(alert!.message).toContain(`No incident ${id} is stored`);
    expect(alert!.message).not.toContain('errorMessage');
  });

  it('a stopped workflow is recorded on its incident, which keeps its stage; the MIM and operations are told once each', async () => {
    const id = await activeIncident(driver());

    const line = await stopped(id);

    const { incident } = await driver().incident(id);
    expect(incident.status).toBe('active');
    expect(incident.workflowStopped).toMatchObject({ status: 'ABORTED', reason: 'it was stopped (StopExecution)', attempt: 0 });
    expect(line.summary).toMatch(
      new RegExp(
        `^The workflow stopped \\(ABORTED\\): it was stopped \\(StopExecution\\)\\. Nothing moves on its own until it is redriven \\(mim redrive ${id}\\); told the operations contacts and Dave Dixon \\(`,
      ),
    );
    const toDave = await driver().waitForEmail('dave@example.com', new RegExp(`^Workflow stopped: ${id}`));
    expect(toDave.text).toContain(
      `no scheduled update, reminder or escalation goes out until operations restart the workflow (mim redrive ${id})`,
    );
    expect(alertsAbout(id)).toHaveLength(1);
  });

  it('the same event delivered again, as EventBridge may, records and tells nothing twice', async () => {
    const id = await activeIncident(driver());
    await stopped(id);
    const execution = await driver().execution(id);
    const event = {
      version: '0',
      id: 'redelivered',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '000000000000',
      time: new Date(0).toISOString(),
      region: sandbox().region,
      resources: [execution.executionArn],
      detail: { executionArn: execution.executionArn, stateMachineArn: sandbox().stateMachineArn, name: id, status: 'ABORTED' },
    };
    const record = (await import('../../functions/record-failure/handler')).handler;

    await record(event, lambdaContext('mim-record-failure'));

    const { timeline } = await driver().incident(id);
    expect(timeline.filter((e) => e.kind === 'workflow-stopped')).toHaveLength(1);
    expect(alertsAbout(id)).toHaveLength(1);
    expect((await driver().emails()).filter((e) => e.subject.startsWith(`Workflow stopped: ${id}`))).toHaveLength(1);
  });

  it('mim redrive restarts a stopped workflow where it stopped, and the incident goes on', async () => {
    const id = await activeIncident(driver());
    await stopped(id);

    const answer = await driver().api('POST', `/incidents/${id}/redrive`, { by: 'erin' });
    await driver().waitForTimeline(id, 'workflow-redriven');
    await act(driver(), id, 'update', 'dave', UPDATE);
    await driver().waitForTimeline(id, 'update-sent');

    expect(answer).toEqual({ status: 202, body: { incidentId: id, redriven: true, restartedWith: 'RedriveExecution' } });
    expect((await driver().execution(id)).status).toBe('RUNNING');
    const { incident, timeline } = await driver().incident(id);
    expect(incident.workflowStopped).toBeUndefined();
    expect(timeline.find((e) => e.kind === 'workflow-redriven')?.summary).toBe(
      'Erin Evans redrove the workflow; it resumes where it stopped (active)',
    );
  });

  it('an event about an execution that was redriven since changes nothing', async () => {
    const id = await activeIncident(driver());
    await stopped(id);
    await driver().api('POST', `/incidents/${id}/redrive`, { by: 'erin' });
    const execution = await driver().execution(id);
    const late = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: execution.executionArn, name: id, status: 'ABORTED' },
    };
    const record = (await import('../../functions/record-failure/handler')).handler;

    const result = await record(late, lambdaContext('mim-record-failure'));

    expect(result).toEqual({ outcome: 'unchanged' });
    expect((await driver().incident(id)).incident.workflowStopped).toBeUndefined();
  });

  it("a workflow redriven another way (the Step Functions console's Redrive) is seen running again: the stop is cleared, once", async () => {
    const id = await activeIncident(driver());
    await stopped(id);

    await sfn().send(new RedriveExecutionCommand({ executionArn: (await driver().execution(id)).executionArn }));
    await driver().waitForTimeline(id, 'workflow-redriven');

    const { incident, timeline } = await driver().incident(id);
    expect(incident.workflowStopped).toBeUndefined();
    expect(timeline.filter((e) => e.kind === 'workflow-redriven').map((e) => e.summary)).toEqual([
      'The workflow is running again (redrive 1); it resumes where it stopped (active)',
    ]);
  });

  it('an action taken while the workflow is stopped is kept, the person is told it waits for a restart, and it is taken then', async () => {
    const id = await activeIncident(driver());
    await stopped(id);

    const answer = await act(driver(), id, 'update', 'dave', UPDATE);
    await driver().api('POST', `/incidents/${id}/redrive`, { by: 'erin' });
    await driver().waitForTimeline(id, 'update-sent');

    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ delivered: false, workflowStopped: { status: 'ABORTED' } });
  });

  it('a step whose function keeps crashing (Lambda.Unknown) is retried, then fails the execution at that step; redriven, it goes on', async () => {
    let crashing = true;
    let attempts = 0;
    sandbox().wrapFunction('page-mim', (handler) => async (event, context) => {
      if (!crashing) return handler(event, context);
      attempts += 1;
      throw Object.assign(new Error('Runtime exited with error: signal: killed'), { name: 'Lambda.Unknown' });
    });

    const id = await declare(driver(), { title: 'Paging crashes' });
    const execution = await finished(driver(), id);
    crashing = false;
    await driver().waitForTimeline(id, 'workflow-stopped');
    await driver().api('POST', `/incidents/${id}/redrive`, { by: 'erin' });
    await driver().waitForTimeline(id, 'paged');

    // The first attempt and the five retries the definition allows Lambda.Unknown.
    expect(attempts).toBe(6);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Lambda.Unknown' });
    const { incident } = await driver().incident(id);
    expect(incident.status).toBe('paging');
    expect((await driver().incident(id)).timeline.find((e) => e.kind === 'workflow-stopped')?.summary).toContain(
      'a step failed: Lambda.Unknown: Runtime exited with error: signal: killed',
    );
  });

  it("an incident's state transitions count each retry of a step, as Step Functions bills them", async () => {
    let failures = 2;
    sandbox().wrapFunction('classify-incident', (handler) => async (event, context) => {
      if (failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'TransientError' });
      return handler(event, context);
    });
    const id = await declare(driver(), { title: 'Classified on the third attempt' });
    await driver().waitForTimeline(id, 'paged');

    const path = await driver().statePath(id);
    const transitions = await appContext().workflow.stateTransitions(id);

    // Each state entered once so far, and Classify attempted twice more.
    expect(transitions).toBe(path.length + 2);
  });

  it('clearing a stop clears that stop only: one recorded since stays', async () => {
    const id = await activeIncident(driver());
    const line = await stopped(id);
    const store = appContext().store;

    const cleared = await store.clearWorkflowStop(id, '2026-01-01T00:00:00.000Z');

    expect(cleared).toBe(false);
    expect((await store.getIncident(id))!.workflowStopped?.at).toBe(line.at);
  });

  it('a workflow that is running cannot be redriven, and an unknown incident is not found: each says why', async () => {
    const id = await activeIncident(driver());

    const running = await driver().api<{ error: string; message: string }>('POST', `/incidents/${id}/redrive`, { by: 'erin' });
    const unknown = await driver().api<{ error: string }>('POST', '/incidents/INC-20261127-ABCDEF/redrive', { by: 'erin' });

    expect(running.status).toBe(409);
    expect(running.body.error).toBe('RedriveRefused');
    expect(running.body.message).toMatch(new RegExp(`^the workflow of ${id} cannot be redriven: .*RUNNING`));
    expect(unknown.status).toBe(404);
  });

  it('a close step that stops before its notice went leaves the incident in review, still redrivable; the redrive closes it and publishes once', async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    // The closing notice's ledger cannot be written: the step fails for good at its first send.
    const ledgerOfClose = (input: { Key?: { pk?: string } }) => input.Key?.pk === `MSG#${id}#closed`;
    dynamo.middlewareStack.add(
      ((next: (args: unknown) => Promise<unknown>) => async (args: { input: { Key?: { pk?: string } } }) => {
        if (ledgerOfClose(args.input)) throw Object.assign(new Error('refused for this test'), { name: 'ValidationException' });
        return next(args);
      }) as never,
      { step: 'initialize', name: 'refuseClosingLedger' },
    );
    try {
      await act(driver(), id, 'submit-review', 'dave', { summary: 'Bad deploy.', lessons: 'Canary.' });
      await driver().waitForTimeline(id, 'workflow-stopped');
    } finally {
      dynamo.middlewareStack.remove('refuseClosingLedger');
    }
    const stoppedThere = (await driver().incident(id)).incident;

    await driver().api('POST', `/incidents/${id}/redrive`, { by: 'erin' });
    await finished(driver(), id);

    expect(stoppedThere.status).toBe('review');
    expect(stoppedThere.workflowStopped?.status).toBe('FAILED');
    const { incident, timeline } = await driver().incident(id);
    expect(incident.status).toBe('closed');
    expect(timeline.filter((e) => e.kind === 'closed')).toHaveLength(1);
    const published = (await driver().emails()).filter((e) => e.subject.startsWith('Review published') && e.subject.includes(id));
    expect(published.length).toBeGreaterThan(0);
    expect(new Set(published.map((e) => e.to.join())).size).toBe(published.length);
  });

  it('a workflow that stops once its incident has closed marks nothing and tells nobody; only its timeline says so', async () => {
    const id = await activeIncident(driver());
    await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
    await driver().waitForTimeline(id, 'review-opened');
    // The close step does its work, then never returns: the incident is closed, its workflow still running.
    sandbox().wrapFunction('close-incident', (original) => async (event, context) => {
      const result = await original(event, context);
      return (event as { incidentId?: string }).incidentId === id ? new Promise(() => undefined) : result;
    });
    await act(driver(), id, 'submit-review', 'dave', { summary: 'Bad deploy.', lessons: 'Canary.' });
    await driver().waitFor('the incident to close', async () =>
      (await driver().incident(id)).incident.status === 'closed' ? true : undefined,
    );
    const emailsBefore = (await driver().emails()).length;

    await driver().stopExecution(id);
    const line = await driver().waitForTimeline(id, 'workflow-stopped');

    const { incident } = await driver().incident(id);
    expect(incident.status).toBe('closed');
    expect(incident.workflowStopped).toBeUndefined();
    expect(line.summary).toMatch(/^A workflow of this closed incident stopped \(ABORTED\)/);
    expect((await driver().emails()).length).toBe(emailsBefore);
    expect(alertsAbout(id)).toHaveLength(0);
  });

  it('a round retried after its first attempt had sent it all says on its line whom the ledger shows reached, not whom the retry sent', async () => {
    const id = await activeIncident(driver());
    // The resolution notice goes to everyone; then writing its line fails once, and the step is retried.
    let failing = true;
    dynamo.middlewareStack.add(
      ((next: (args: unknown) => Promise<unknown>) => async (args: { input: { Item?: { pk?: string; sk?: string } } }) => {
        if (failing && args.input.Item?.pk === `INC#${id}` && args.input.Item.sk === 'ONCE#resolution') {
          failing = false;
          throw Object.assign(new Error('throttled for this test'), { name: 'ThrottlingException' });
        }
        return next(args);
      }) as never,
      { step: 'initialize', name: 'throttleResolutionLine' },
    );
    try {
      await act(driver(), id, 'resolve', 'dave', { resolution: 'Rolled back.' });
      await driver().waitForTimeline(id, 'review-opened');
    } finally {
      dynamo.middlewareStack.remove('throttleResolutionLine');
    }

    const line = (await driver().incident(id)).timeline.find((e) => e.summary.startsWith('Resolution notice'))!;
    const sent = [...(await appContext().store.deliveryLedger(id, 'resolution')).values()].filter((slot) => 'sentAt' in slot);
    const told = Object.entries((line.detail as { told: Record<string, string[]> }).told)
      .filter(([channel]) => channel !== 'failed')
      .flatMap(([, names]) => names);
    expect(failing).toBe(false);
    expect(sent.length).toBeGreaterThan(0);
    expect(told).toHaveLength(sent.length);
  });
});
