import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appContext } from '../../functions/services/app';
import type { LambdaHandler } from '../../infra/local/lambda-context';
import { type ExecutionStatusChangeEvent, LocalStepFunctions } from '../../infra/local/sfn-server';
import { declare, finished } from '../support/incidents';
import { FAST_CONFIG, useSandbox } from '../support/sandbox';

// Not the default region, so that every ARN and every client shows the sandbox's region is used.
const REGION = 'eu-west-1';
const ELSEWHERE = 'us-east-1';
const { driver, sandbox } = useSandbox(FAST_CONFIG, { region: REGION });
const sfn = () => new SFNClient({});
const executionArn = (name: string) => `${sandbox().stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** An incident id the store has never seen: its execution fails in Classify and ends in WorkflowFailed. */
const unknownIncident = () => `INC-20261127-${randomBytes(3).toString('hex').toUpperCase()}`;

async function start(name: string): Promise<string> {
  const { executionArn } = await sfn().send(
    new StartExecutionCommand({ stateMachineArn: sandbox().stateMachineArn, name, input: JSON.stringify({ incidentId: name }) }),
  );
  return executionArn!;
}

async function failedExecution(): Promise<string> {
  const name = unknownIncident();
  const arn = await start(name);
  await finished(driver(), name);
  return arn;
}

/** Every page of an execution's history, following nextToken. */
async function history(arn: string, options: Partial<GetExecutionHistoryCommandInput> = {}): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn().send(new GetExecutionHistoryCommand({ executionArn: arn, ...options, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

const types = (events: HistoryEvent[]) => events.map((e) => e.type);

describe('the local Step Functions endpoint answers as AWS does', () => {
  it('starting a running execution again with the same name and input returns the same execution', async () => {
    const id = await declare(driver());
    const input = JSON.stringify({ incidentId: id });

    const again = await sfn().send(new StartExecutionCommand({ stateMachineArn: sandbox().stateMachineArn, name: id, input }));

    expect(again.executionArn).toBe(executionArn(id));
  });

  it('the same name with another input is ExecutionAlreadyExists', async () => {
    const id = await declare(driver());

    const start = sfn().send(
      new StartExecutionCommand({ stateMachineArn: sandbox().stateMachineArn, name: id, input: '{"other":true}' }),
    );

    await expect(start).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('a token whose task is over is TaskTimedOut; one never issued is TaskDoesNotExist; a malformed one is InvalidToken', async () => {
    const id = await declare(driver());
    await driver().waitForTimeline(id, 'escalated');
    const first = (await appContext().store.getWait(id))!.token;
    await driver().waitForTimeline(id, 'escalated', 2);
    const send = (taskToken: string) => sfn().send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));

    await expect(send(first)).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(send(randomBytes(48).toString('base64url'))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(send('not a token')).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('an unknown execution is ExecutionDoesNotExist', async () => {
    const describe = sfn().send(new DescribeExecutionCommand({ executionArn: executionArn('nope') }));

    await expect(describe).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});

describe('state machines', () => {
  it('ListStateMachines lists the sandbox state machine, and DescribeStateMachine describes it as an active Standard one', async () => {
    const { stateMachines } = await sfn().send(new ListStateMachinesCommand({}));
    const described = await sfn().send(new DescribeStateMachineCommand({ stateMachineArn: sandbox().stateMachineArn }));

    expect(stateMachines).toEqual([
      { stateMachineArn: sandbox().stateMachineArn, name: 'major-incident', type: 'STANDARD', creationDate: expect.any(Date) },
    ]);
    expect(described).toMatchObject({
      stateMachineArn: sandbox().stateMachineArn,
      name: 'major-incident',
      status: 'ACTIVE',
      type: 'STANDARD',
      roleArn: 'arn:aws:iam::000000000000:role/local',
      creationDate: stateMachines![0]!.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    });
    expect(JSON.parse(described.definition!).StartAt).toBe('Classify');
  });

  it('an unknown state machine is StateMachineDoesNotExist for DescribeStateMachine, StartExecution and ListExecutions', async () => {
    const stateMachineArn = sandbox().stateMachineArn.replace(/major-incident$/, 'nope');

    const calls = [
      sfn().send(new DescribeStateMachineCommand({ stateMachineArn })),
      sfn().send(new StartExecutionCommand({ stateMachineArn, name: unknownIncident(), input: '{}' })),
      sfn().send(new ListExecutionsCommand({ stateMachineArn })),
    ];

    for (const call of calls) await expect(call).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('a malformed state machine ARN is InvalidArn', async () => {
    const describe = sfn().send(new DescribeStateMachineCommand({ stateMachineArn: 'major-incident' }));

    await expect(describe).rejects.toMatchObject({ name: 'InvalidArn' });
  });

  it('DescribeStateMachineForExecution describes the state machine an execution runs', async () => {
    const arn = await failedExecution();

    const described = await sfn().send(new DescribeStateMachineForExecutionCommand({ executionArn: arn }));

    expect(described).toMatchObject({
      stateMachineArn: sandbox().stateMachineArn,
      name: 'major-incident',
      updateDate: expect.any(Date),
    });
    expect(JSON.parse(described.definition!).StartAt).toBe('Classify');
  });
});

describe('executions', () => {
  it('ListExecutions filters by status and pages by maxResults and nextToken, most recent first', async () => {
    const started = [await failedExecution(), await failedExecution(), await failedExecution()];

    const pages = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn().send(
        new ListExecutionsCommand({
          stateMachineArn: sandbox().stateMachineArn,
          statusFilter: 'FAILED',
          maxResults: 2,
          nextToken,
        }),
      );
      pages.push(page.executions ?? []);
      nextToken = page.nextToken;
    } while (nextToken);
    const listed = pages.flat();

    expect(pages[0]).toHaveLength(2);
    expect(listed.every((e) => e.status === 'FAILED')).toBe(true);
    expect(listed.map((e) => e.executionArn).filter((arn) => started.includes(arn!))).toEqual([...started].reverse());
    expect(new Set(listed.map((e) => e.executionArn)).size).toBe(listed.length);
  });

  it('a page token of ListExecutions used with other arguments is InvalidToken', async () => {
    await failedExecution();
    await failedExecution();
    const { nextToken } = await sfn().send(
      new ListExecutionsCommand({ stateMachineArn: sandbox().stateMachineArn, maxResults: 1 }),
    );

    const other = sfn().send(
      new ListExecutionsCommand({
        stateMachineArn: sandbox().stateMachineArn,
        statusFilter: 'RUNNING',
        maxResults: 1,
        nextToken,
      }),
    );

    await expect(other).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('StopExecution without an error or cause leaves both out, of DescribeExecution and of the ExecutionAborted event', async () => {
    const id = await declare(driver());
    await driver().waitForTimeline(id, 'paged');

    await sfn().send(new StopExecutionCommand({ executionArn: executionArn(id) }));
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: executionArn(id) }));
    const last = (
      await sfn().send(new GetExecutionHistoryCommand({ executionArn: executionArn(id), reverseOrder: true, maxResults: 1 }))
    ).events![0]!;

    expect(described.status).toBe('ABORTED');
    expect(described.stopDate).toBeInstanceOf(Date);
    expect(described.error).toBeUndefined();
    expect(described.cause).toBeUndefined();
    expect(last.type).toBe('ExecutionAborted');
    expect(last.executionAbortedEventDetails).toBeUndefined();
  });

  it('StopExecution with an error and cause records them', async () => {
    const id = await declare(driver());
    await driver().waitForTimeline(id, 'paged');

    await sfn().send(
      new StopExecutionCommand({ executionArn: executionArn(id), error: 'Operator', cause: 'Declared by mistake' }),
    );
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: executionArn(id) }));
    const last = (await history(executionArn(id))).at(-1)!;

    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'Declared by mistake' });
    expect(last).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator', cause: 'Declared by mistake' },
    });
  });
});

describe('execution history', () => {
  it('a lambda:invoke task is scheduled, started and succeeds between its state entered and exited events', async () => {
    const id = await declare(driver());
    await driver().waitForTimeline(id, 'paged');

    const events = await history(executionArn(id));

    expect(types(events.slice(0, 8))).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
    ]);
    const [, entered, scheduled, started, succeeded, exited] = events;
    expect(entered!.stateEnteredEventDetails!.name).toBe('Classify');
    expect(scheduled!.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: REGION,
      timeoutInSeconds: 120,
    });
    expect(JSON.parse(scheduled!.taskScheduledEventDetails!.parameters!)).toEqual({
      FunctionName: `arn:aws:lambda:${REGION}:000000000000:function:mim-classify-incident`,
      Payload: { incidentId: id },
    });
    expect(started!.taskStartedEventDetails).toEqual({ resourceType: 'lambda', resource: 'invoke' });
    expect(JSON.parse(succeeded!.taskSucceededEventDetails!.output!)).toMatchObject({
      StatusCode: 200,
      Payload: expect.any(Object),
    });
    expect(exited!.stateExitedEventDetails!.name).toBe('Classify');
    expect(events.map((e) => e.previousEventId)).toEqual(events.map((e) => e.id! - 1));
  });

  it('a .waitForTaskToken task is submitted once its invoke returns, with its token in the scheduled parameters', async () => {
    const id = await declare(driver());
    // The page is on the timeline before the workflow reaches the wait and registers its token.
    const { token } = await driver().waitFor('the acknowledgement wait to be registered', () => appContext().store.getWait(id));

    const events = await driver().waitFor('the acknowledgement wait to be submitted', async () => {
      const all = await history(executionArn(id));
      return all.some((e) => e.type === 'TaskSubmitted') ? all : undefined;
    });

    const entered = events.findIndex((e) => e.stateEnteredEventDetails?.name === 'AwaitAcknowledgement');
    expect(types(events.slice(entered, entered + 4))).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
    ]);
    const scheduled = events[entered + 1]!.taskScheduledEventDetails!;
    expect(scheduled.resource).toBe('invoke.waitForTaskToken');
    expect(JSON.parse(scheduled.parameters!).Payload.taskToken).toBe(token);
    expect(events[entered + 3]!.taskSubmittedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
  });

  it("a task that fails for good records TaskFailed, and the execution fails at that state with Lambda's error JSON as the cause", async () => {
    const arn = await failedExecution();

    const events = await history(arn);

    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'ExecutionFailed',
    ]);
    expect(events[4]!.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'IncidentNotFound',
    });
    const failed = events.at(-1)!.executionFailedEventDetails!;
    expect(failed.error).toBe('IncidentNotFound');
    expect(JSON.parse(failed.cause!)).toMatchObject({
      errorType: 'IncidentNotFound',
      errorMessage: `incident ${arn.split(':').pop()} is not stored`,
    });
  });

  it('GetExecutionHistory pages by maxResults and nextToken in either order, and the pages make up the whole history', async () => {
    const arn = await failedExecution();
    const whole = (await sfn().send(new GetExecutionHistoryCommand({ executionArn: arn }))).events!;

    const first = await sfn().send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 4 }));
    const forward = await history(arn, { maxResults: 4 });
    const backward = await history(arn, { maxResults: 4, reverseOrder: true });

    expect(whole).toHaveLength(6);
    expect(first.events).toHaveLength(4);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(forward).toEqual(whole);
    expect(backward).toEqual([...whole].reverse());
  });

  it('a page token that was not issued, or is used with other arguments, is InvalidToken', async () => {
    const arn = await failedExecution();
    const { nextToken } = await sfn().send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 2 }));

    const forged = sfn().send(new GetExecutionHistoryCommand({ executionArn: arn, nextToken: 'not-a-token' }));
    const reversed = sfn().send(new GetExecutionHistoryCommand({ executionArn: arn, nextToken, reverseOrder: true }));

    await expect(forged).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(reversed).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('a page token longer than the 1,024 characters AWS allows is a ValidationException', async () => {
    const arn = await failedExecution();

    const long = sfn().send(new GetExecutionHistoryCommand({ executionArn: arn, nextToken: 'x'.repeat(1025) }));

    await expect(long).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('includeExecutionData false leaves the inputs, outputs and parameters out of the events', async () => {
    const arn = await failedExecution();

    const events = await history(arn, { includeExecutionData: false });

    expect(events[0]!.executionStartedEventDetails!.input).toBeUndefined();
    expect(events[2]!.taskScheduledEventDetails).toMatchObject({ resource: 'invoke' });
    expect(events[2]!.taskScheduledEventDetails!.parameters).toBeUndefined();
  });
});

describe('redrive', () => {
  it('a stopped execution redriven keeps its ARN and input, continues from the state it stopped in and counts the redrive', async () => {
    const id = await declare(driver());
    // Stopped once it waits for an answer: "paged" is on the timeline before PageMim has returned.
    await driver().waitFor('the execution to wait for an answer', async () =>
      (await history(executionArn(id))).some((e) => e.stateEnteredEventDetails?.name === 'AwaitAcknowledgement')
        ? true
        : undefined,
    );
    await sfn().send(new StopExecutionCommand({ executionArn: executionArn(id) }));

    const { redriveDate } = await sfn().send(new RedriveExecutionCommand({ executionArn: executionArn(id) }));
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: executionArn(id) }));
    const events = await driver().waitFor('the redriven run to wait for an answer again', async () => {
      const all = await history(executionArn(id));
      return all.filter((e) => e.stateEnteredEventDetails?.name === 'AwaitAcknowledgement').length === 2 ? all : undefined;
    });
    await sfn().send(new StopExecutionCommand({ executionArn: executionArn(id) }));

    expect(redriveDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({
      executionArn: executionArn(id),
      status: 'RUNNING',
      input: JSON.stringify({ incidentId: id }),
      redriveCount: 1,
      redriveDate,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
    });
    expect(described.stopDate).toBeUndefined();
    const redriven = events.findIndex((e) => e.type === 'ExecutionRedriven');
    expect(types(events.slice(redriven - 1, redriven + 2))).toEqual([
      'ExecutionAborted',
      'ExecutionRedriven',
      'TaskStateEntered',
    ]);
    expect(events[redriven]!.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    // As on AWS: the task it was in when it stopped, with the input that task had; nothing before it again.
    expect(events[redriven + 1]!.stateEnteredEventDetails!.name).toBe('AwaitAcknowledgement');
    expect(events.filter((e) => e.stateEnteredEventDetails?.name === 'PageMim')).toHaveLength(1);
    expect(types(events).filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
  });

  it('a failed execution is redrivable, and ListExecutions tells redriven executions apart', async () => {
    const arn = await failedExecution();
    const before = await sfn().send(new DescribeExecutionCommand({ executionArn: arn }));

    await sfn().send(new RedriveExecutionCommand({ executionArn: arn }));
    const after = await finished(driver(), arn.split(':').pop()!);
    const redriven = await sfn().send(
      new ListExecutionsCommand({ stateMachineArn: sandbox().stateMachineArn, redriveFilter: 'REDRIVEN', maxResults: 1000 }),
    );

    expect(before).toMatchObject({ status: 'FAILED', redriveCount: 0, redriveStatus: 'REDRIVABLE' });
    expect(before.redriveStatusReason).toBeUndefined();
    expect(after).toMatchObject({ status: 'FAILED', redriveCount: 1, error: 'IncidentNotFound' });
    expect(redriven.executions!.map((e) => e.executionArn)).toContain(arn);
  });

  it('a running or succeeded execution is ExecutionNotRedrivable; an unknown one is ExecutionDoesNotExist', async () => {
    const running = await declare(driver());
    await driver().raiseAlarm('reporting-lag', 'Reporting pipeline lag above 1 h');
    const minor = (
      await driver().waitFor('the minor incident', async () =>
        (await driver().openIncidents()).find((i) => i.service === 'reporting'),
      )
    ).id;
    const succeeded = await finished(driver(), minor);
    const redrive = (name: string) => sfn().send(new RedriveExecutionCommand({ executionArn: executionArn(name) }));

    expect(succeeded.status).toBe('SUCCEEDED');
    await expect(redrive(running)).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    await expect(redrive(minor)).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
    await expect(redrive(unknownIncident())).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});

describe('regions', () => {
  it('every ARN the sandbox makes is in its region', async () => {
    const arn = await failedExecution();
    const { definition } = await sfn().send(new DescribeStateMachineCommand({ stateMachineArn: sandbox().stateMachineArn }));

    const functionArns = [...definition!.matchAll(/"FunctionName": "([^"]+)"/g)].map((m) => m[1]!);

    expect(sandbox().region).toBe(REGION);
    expect(sandbox().stateMachineArn).toBe(`arn:aws:states:${REGION}:000000000000:stateMachine:major-incident`);
    expect(sandbox().intakeTopicArn).toBe(`arn:aws:sns:${REGION}:000000000000:mim-intake`);
    expect(arn.startsWith(`arn:aws:states:${REGION}:000000000000:execution:major-incident:`)).toBe(true);
    expect(functionArns.length).toBeGreaterThan(10);
    expect(functionArns.every((f) => f.startsWith(`arn:aws:lambda:${REGION}:000000000000:function:`))).toBe(true);
  });

  it('a request signed for another region finds no state machine and no execution there', async () => {
    const arn = await failedExecution();
    const elsewhere = new SFNClient({ region: ELSEWHERE });
    const stateMachineArn = sandbox().stateMachineArn;

    const { stateMachines } = await elsewhere.send(new ListStateMachinesCommand({}));

    expect(stateMachines).toEqual([]);
    await expect(elsewhere.send(new DescribeStateMachineCommand({ stateMachineArn }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(elsewhere.send(new ListExecutionsCommand({ stateMachineArn }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(elsewhere.send(new StartExecutionCommand({ stateMachineArn, name: unknownIncident() }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(elsewhere.send(new DescribeExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});

describe('the endpoint on an injected clock, telling each status change', () => {
  const CREATED = Date.parse('2028-02-28T23:00:00Z');
  const STARTED = Date.parse('2028-02-29T09:30:00Z');
  const STOPPED = Date.parse('2028-02-29T09:45:30Z');
  const DAY = 24 * 60 * 60 * 1000;
  const stateMachineArn = `arn:aws:states:${REGION}:000000000000:stateMachine:clocked`;
  let clock = CREATED;
  let listener: (event: ExecutionStatusChangeEvent) => void | Promise<void> = () => undefined;
  let release: () => void = () => undefined;
  const seenStartTimes: string[] = [];
  // One task: it reports $$.Execution.StartTime, then succeeds, fails, or waits until released.
  const work: LambdaHandler = async (event) => {
    const { outcome, startTime } = event as { outcome: string; startTime: string };
    seenStartTimes.push(startTime);
    if (outcome === 'wait') return new Promise((resolve) => (release = () => resolve({ done: true })));
    clock = STOPPED;
    if (outcome === 'fail') throw Object.assign(new Error('The gateway is down'), { name: 'GatewayDown' });
    return { done: true };
  };
  const server = new LocalStepFunctions({
    definition: JSON.stringify({
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: `arn:aws:lambda:${REGION}:000000000000:function:work`,
            Payload: { 'outcome.$': '$.outcome', 'startTime.$': '$$.Execution.StartTime' },
          },
          OutputPath: '$.Payload',
          End: true,
        },
      },
    }),
    stateMachineArn,
    functions: new Map([['work', work]]),
    now: () => clock,
    onStatusChange: (event) => listener(event),
  });
  let client: SFNClient;

  beforeAll(async () => {
    client = new SFNClient({ endpoint: await server.start(), region: REGION });
  });
  afterAll(async () => {
    release();
    await server.stop();
  });

  async function run(outcome: string): Promise<{ executionArn: string; events: ExecutionStatusChangeEvent[] }> {
    const events: ExecutionStatusChangeEvent[] = [];
    listener = (event) => void events.push(event);
    clock = STARTED;
    const name = randomBytes(6).toString('hex');
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ outcome }) }),
    );
    if (outcome !== 'wait') await vi.waitFor(() => expect(events).toHaveLength(2));
    return { executionArn: executionArn!, events };
  }

  it('every date it gives is on its clock: creation, start, stop, history timestamps and $$.Execution.StartTime', async () => {
    const { executionArn } = await run('succeed');

    const machine = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));

    expect(machine.creationDate).toEqual(new Date(CREATED));
    expect(execution).toMatchObject({ status: 'SUCCEEDED', startDate: new Date(STARTED), stopDate: new Date(STOPPED) });
    expect(seenStartTimes.at(-1)).toBe('2028-02-29T09:30:00.000Z');
    expect(events!.map((e) => [e.type, e.timestamp!.getTime()])).toEqual([
      ['ExecutionStarted', STARTED],
      ['TaskStateEntered', STARTED],
      ['TaskScheduled', STARTED],
      ['TaskStarted', STARTED],
      ['TaskSucceeded', STOPPED],
      ['TaskStateExited', STOPPED],
      ['ExecutionSucceeded', STOPPED],
    ]);
  });

  it('a start and a success are told as EventBridge\'s "Step Functions Execution Status Change" events', async () => {
    const { executionArn, events } = await run('succeed');

    const common = {
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '000000000000',
      region: REGION,
      resources: [executionArn],
    };
    const detail = {
      executionArn,
      stateMachineArn,
      name: executionArn.split(':').pop(),
      startDate: STARTED,
      input: '{"outcome":"succeed"}',
      inputDetails: { included: true },
      error: null,
      cause: null,
      stateMachineVersionArn: null,
      stateMachineAliasArn: null,
      redriveCount: 0,
      redriveDate: null,
      redriveStatus: 'NOT_REDRIVABLE',
    };
    expect(events).toEqual([
      {
        ...common,
        time: '2028-02-29T09:30:00Z',
        detail: {
          ...detail,
          status: 'RUNNING',
          stopDate: null,
          output: null,
          outputDetails: null,
          redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
        },
      },
      {
        ...common,
        time: '2028-02-29T09:45:30Z',
        detail: {
          ...detail,
          status: 'SUCCEEDED',
          stopDate: STOPPED,
          output: '{"done":true}',
          outputDetails: { included: true },
          redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
        },
      },
    ]);
  });

  it('a failure is told with its error and cause, no output, and as redrivable', async () => {
    const { events } = await run('fail');

    expect(events.map((e) => e.detail.status)).toEqual(['RUNNING', 'FAILED']);
    expect(events[1]!.detail).toMatchObject({
      stopDate: STOPPED,
      output: null,
      outputDetails: null,
      error: 'GatewayDown',
      cause: expect.stringMatching(/^\{"errorType":"GatewayDown","errorMessage":"The gateway is down","trace":\[/),
      redriveStatus: 'REDRIVABLE',
      redriveStatusReason: null,
    });
  });

  it('a stop is told as ABORTED, and a redrive as RUNNING again with its count and date, from the same start', async () => {
    const invoked = seenStartTimes.length;
    const { executionArn, events } = await run('wait');
    await vi.waitFor(() => expect(seenStartTimes).toHaveLength(invoked + 1));
    clock = STOPPED;
    await client.send(new StopExecutionCommand({ executionArn }));
    release();
    clock = STOPPED + DAY;

    await client.send(new RedriveExecutionCommand({ executionArn }));
    await vi.waitFor(() => expect(seenStartTimes).toHaveLength(invoked + 2));
    clock = STOPPED + 2 * DAY;
    release();
    await vi.waitFor(() => expect(events).toHaveLength(4));

    expect(events.map((e) => e.detail.status)).toEqual(['RUNNING', 'ABORTED', 'RUNNING', 'SUCCEEDED']);
    expect(events[1]!.detail).toMatchObject({ stopDate: STOPPED, error: null, cause: null, redriveStatus: 'REDRIVABLE' });
    expect(events[2]!.detail).toMatchObject({ startDate: STARTED, stopDate: null, redriveCount: 1, redriveDate: STOPPED + DAY });
    expect(events[3]!.detail).toMatchObject({ startDate: STARTED, stopDate: STOPPED + 2 * DAY, redriveCount: 1 });
    expect(seenStartTimes.at(-1)).toBe('2028-02-29T09:30:00.000Z');
  });

  it('an execution stopped more than 14 days ago is no longer redrivable', async () => {
    const { executionArn } = await run('fail');
    clock = STOPPED + 15 * DAY;

    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const redrive = client.send(new RedriveExecutionCommand({ executionArn }));

    expect(described).toMatchObject({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded',
    });
    await expect(redrive).rejects.toMatchObject({ name: 'ExecutionNotRedrivable' });
  });

  it('a listener that throws or rejects is logged, and the endpoint carries on', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const failing = [
      () => {
        throw new Error('listener down');
      },
      () => Promise.reject(new Error('listener down')),
    ];

    const statuses = [];
    for (const fail of failing) {
      listener = fail;
      clock = STARTED;
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn, name: randomBytes(6).toString('hex'), input: '{"outcome":"succeed"}' }),
      );
      statuses.push(
        await vi.waitFor(async () => {
          const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
          expect(status).toBe('SUCCEEDED');
          return status;
        }),
      );
    }
    await vi.waitFor(() => expect(logged).toHaveBeenCalledTimes(4));
    const messages = logged.mock.calls.map((call) => String(call[0]));
    logged.mockRestore();

    expect(statuses).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(messages).toEqual([
      expect.stringMatching(/^onStatusChange failed for .* \(RUNNING\)/),
      expect.stringMatching(/^onStatusChange failed for .* \(SUCCEEDED\)/),
      expect.stringMatching(/^onStatusChange failed for .* \(RUNNING\)/),
      expect.stringMatching(/^onStatusChange failed for .* \(SUCCEEDED\)/),
    ]);
  });
});
