import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { close, listen, readBody } from './http-util';
import { lambdaContext, type LambdaHandler } from './lambda-context';
import { crashPoint } from './crash';
import type { Journal } from './journal';
import {
  description,
  type Execution,
  type ExecutionStatusChangeEvent,
  type Position,
  redrivability,
  type Run,
  type Status,
  statusChangeEvent,
  summary,
} from './sfn-execution';
import { History, type LambdaResource, TaskAttempt } from './sfn-history';
import { ApiError, Fields, PageTokens, parseExecutionArn, parseStateMachineArn, seconds, signedRegion } from './sfn-protocol';

export type { ExecutionStatusChangeDetail, ExecutionStatusChangeEvent } from './sfn-execution';

interface PendingTask {
  executionArn: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

/** Where the endpoint schedules the end of a wait: real timers, or a test's virtual time. */
export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's setTimeout takes at most 2^31 - 1 ms (a longer delay fires at once): a longer wait is chained. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

const REAL_TIMERS: Timers = {
  setTimeout(run, ms) {
    const handle: { timer?: NodeJS.Timeout } = {};
    const after = (left: number) => {
      const next = left > LONGEST_TIMER_MS ? () => after(left - LONGEST_TIMER_MS) : run;
      handle.timer = setTimeout(next, Math.min(left, LONGEST_TIMER_MS));
    };
    after(ms);
    return handle;
  },
  clearTimeout: (handle) => clearTimeout((handle as { timer?: NodeJS.Timeout }).timer),
};

/**
 * What the engine is given for a wait's timeout, as the endpoint ends waits itself: the longest the
 * engine's own setTimeout can hold (about 24 days; a longer wait would end there in the sandbox).
 */
const ENGINE_WAIT_TIMEOUT_SECONDS = Math.floor(LONGEST_TIMER_MS / 1000);

interface TaskState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
}

type RunResult = ReturnType<StateMachine['run']>;
type EventLog = RunResult['eventLogs'] extends AsyncGenerator<infer T> ? T : never;
type LocalHandlers = NonNullable<
  NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers']
>;
type JsonValue = Parameters<LocalHandlers[string]>[0];

const TOKEN_PLACEHOLDER = 'LOCAL-TASK-TOKEN-PLACEHOLDER';
const STATUSES: readonly Status[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Reads `$.a.b` paths, the only form the definition's TimeoutSecondsPath uses. */
function readPath(value: unknown, path: string): unknown {
  return path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      value,
    );
}

function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  }
  return value;
}

/**
 * Resolves once the engine's event log has been read up to now: the engine dispatches its events
 * synchronously and the log is read in microtasks, so one macrotask later every event is recorded.
 * Task events wait for this, so that they follow their state's StateEntered in the history.
 */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `start` while `new Date()` and `Date.now()` read `instant`. aws-local-stepfunctions sets
 * $$.Execution.StartTime from `new Date()`, over the context it is given, synchronously inside
 * run(); this makes it the execution's start date on the server's clock, which a redrive keeps.
 * No handler runs inside: task overrides wait for settled() before they call one.
 */
function atInstant<T>(instant: number, start: () => T): T {
  const RealDate = globalThis.Date;
  class FixedDate extends RealDate {
    constructor(...args: [] | [string | number | Date]) {
      if (args.length === 0) super(instant);
      else super(args[0]);
    }
    static override now(): number {
      return instant;
    }
  }
  globalThis.Date = FixedDate as unknown as DateConstructor;
  try {
    return start();
  } finally {
    globalThis.Date = RealDate;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface LocalStepFunctionsOptions {
  /** The ASL with every ${...} substituted. */
  definition: string;
  /** The state machine's ARN; its region and account are the endpoint's. */
  stateMachineArn: string;
  /** Lambda function name -> handler, for `lambda:invoke` tasks. */
  functions: Map<string, LambdaHandler>;
  /** Milliseconds to pause before a retry, per state (tests shorten the backoff). */
  retryIntervalOverrides?: Record<string, number>;
  /**
   * Run every task's handler twice and use the second result, as when a task is retried after an
   * attempt that did its work but whose answer was lost: the steps must be idempotent, and tests
   * use this to walk their second-attempt paths.
   */
  invokeTwice?: boolean;
  /**
   * The clock (epoch milliseconds) of every date the endpoint gives: start, stop and redrive dates,
   * history timestamps, the state machine's creation date, $$.Execution.StartTime. Default: Date.now.
   * Task timeouts and retry pauses still run on real time.
   */
  now?: () => number;
  /**
   * Told of every execution status change, with the event EventBridge delivers on AWS: RUNNING on a
   * start or a redrive, then SUCCEEDED, FAILED, TIMED_OUT or ABORTED. Called after the change, never
   * awaited by the endpoint; a listener that throws or rejects is logged and changes nothing.
   */
  onStatusChange?: (event: ExecutionStatusChangeEvent) => void | Promise<void>;
  /**
   * Where the end of each `.waitForTaskToken` wait is scheduled (its TimeoutSeconds or
   * TimeoutSecondsPath, as AWS reads it). Default: real timers; tests may give virtual time, which they
   * advance, so that an acknowledgement window or an update's due time passes at once.
   */
  timers?: Timers;
  /**
   * Where each execution is kept, so that a sandbox restarted on its data carries every execution on
   * from the task it was in (see restore). None: executions live in memory only.
   */
  journal?: Journal<Position>;
}

/**
 * The definition as the engine runs it: the same, except that each `.waitForTaskToken` wait's timeout
 * is the endpoint's to enforce (on its own timers, which a test may run on virtual time), so the
 * engine is given one longer than any wait and never races them. A wait that times out reaches the
 * engine as the task's States.Timeout, which the definition's Catch handles as on AWS.
 */
function forTheEngine<T extends { States: Record<string, TaskState & Record<string, unknown>> }>(definition: T): T {
  const States = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      if (state.Resource !== 'arn:aws:states:::lambda:invoke.waitForTaskToken') return [name, state];
      const { TimeoutSecondsPath: _path, ...rest } = state;
      return [name, { ...rest, TimeoutSeconds: ENGINE_WAIT_TIMEOUT_SECONDS }];
    }),
  );
  return { ...definition, States };
}

/**
 * A function's error as Step Functions reports it for a `lambda:invoke` task on AWS: the error's type
 * as the error (what Retry and Catch match), and Lambda's error JSON as the cause.
 */
function asLambdaError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  const trace = (e.stack ?? '')
    .split('\n')
    .slice(1, 6)
    .map((line) => line.trim());
  return namedError(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message, trace }));
}

/**
 * A loopback Step Functions endpoint (AWS JSON 1.0 protocol) that runs the real definition with
 * aws-local-stepfunctions. `lambda:invoke` tasks call the handlers in-process; `.waitForTaskToken`
 * tasks get a fresh token each time (the library does not make one), stay open until
 * SendTaskSuccess/SendTaskFailure or their timeout, and then answer like AWS does: TaskTimedOut for
 * a token whose task is over, TaskDoesNotExist for one never issued, InvalidToken for a malformed one.
 * It serves one state machine, in one region: a request signed for another region finds nothing.
 */
export class LocalStepFunctions {
  private readonly executions = new Map<string, Execution>();
  private readonly pending = new Map<string, PendingTask>();
  private readonly finishedTokens = new Set<string>();
  private readonly machine: StateMachine;
  /** The definition started at each state a resumed or redriven run continues from. */
  private readonly machinesFrom = new Map<string, StateMachine>();
  private readonly states: Record<string, TaskState>;
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly tokens: PageTokens;
  private readonly region: string;
  private readonly account: string;
  private readonly machineName: string;
  private readonly roleArn: string;
  private readonly creationDate: number;
  private server?: Server;
  url = '';

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const definition = JSON.parse(options.definition);
    this.states = definition.States;
    this.machine = new StateMachine(forTheEngine(definition));
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? REAL_TIMERS;
    this.tokens = new PageTokens(this.now);
    const arn = parseStateMachineArn(options.stateMachineArn);
    this.region = arn.region;
    this.account = arn.account;
    this.machineName = arn.name;
    this.roleArn = `arn:aws:iam::${this.account}:role/local`;
    this.creationDate = this.now();
  }

  async start(port = 0): Promise<string> {
    const { server, url } = await listen(async (req, res) => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const body = await readBody(req);
      try {
        const result = await this.call(operation, this.fields(body), this.regionOf(req));
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(result));
      } catch (error) {
        const type = error instanceof ApiError ? error.type : 'InternalFailure';
        res.writeHead(error instanceof ApiError ? 400 : 500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: type, message: (error as Error).message }));
      }
    }, port);
    this.server = server;
    this.url = url;
    return url;
  }

  async stop(): Promise<void> {
    for (const execution of this.executions.values()) {
      if (!execution.run.active) continue;
      execution.run.active = false;
      execution.run.abort();
    }
    for (const task of this.pending.values()) this.timers.clearTimeout(task.timer);
    if (this.server) await close(this.server);
  }

  private fields(body: string): Fields {
    let input: unknown;
    try {
      input = body ? JSON.parse(body) : {};
    } catch {
      throw new ApiError('SerializationException', 'The request body is not valid JSON');
    }
    if (!input || typeof input !== 'object' || Array.isArray(input))
      throw new ApiError('SerializationException', 'The request body is not a JSON object');
    return new Fields(input as Record<string, unknown>);
  }

  /** The region a request was signed for; an unsigned request (curl, fetch) is taken as the endpoint's. */
  private regionOf(req: IncomingMessage): string {
    return signedRegion(req.headers.authorization) ?? this.region;
  }

  private async call(operation: string, fields: Fields, region: string): Promise<unknown> {
    switch (operation) {
      case 'ListStateMachines':
        return this.listStateMachines(fields, region);
      case 'DescribeStateMachine':
        this.findMachine(fields.string('stateMachineArn'), region);
        return { ...this.machineDescription(), status: 'ACTIVE', type: 'STANDARD', creationDate: seconds(this.creationDate) };
      case 'DescribeStateMachineForExecution':
        this.find(fields.string('executionArn'), region);
        return { ...this.machineDescription(), updateDate: seconds(this.creationDate) };
      case 'StartExecution':
        return this.startExecution(fields, region);
      case 'DescribeExecution':
        return description(this.find(fields.string('executionArn'), region), this.now());
      case 'ListExecutions':
        return this.listExecutions(fields, region);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(fields, region);
      case 'StopExecution':
        return this.stopExecution(fields, region);
      case 'RedriveExecution':
        return this.redriveExecution(fields, region);
      case 'SendTaskSuccess': {
        let output: unknown;
        try {
          output = JSON.parse(fields.string('output'));
        } catch {
          throw new ApiError('InvalidOutput', 'The output is not valid JSON');
        }
        this.takeTask(fields.string('taskToken'), region).resolve(output);
        return {};
      }
      case 'SendTaskFailure':
        this.takeTask(fields.string('taskToken'), region).reject(
          namedError(fields.optionalString('error', 256) ?? 'States.TaskFailed', fields.optionalString('cause', 32768) ?? ''),
        );
        return {};
      case 'SendTaskHeartbeat':
        this.peekTask(fields.string('taskToken'), region);
        return {};
      default:
        throw new ApiError('UnknownOperationException', `the local Step Functions endpoint does not support ${operation}`);
    }
  }

  private findMachine(stateMachineArn: string, region: string): void {
    parseStateMachineArn(stateMachineArn);
    if (stateMachineArn !== this.options.stateMachineArn || region !== this.region)
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
  }

  private find(executionArn: string, region: string): Execution {
    const { executionName } = parseExecutionArn(executionArn);
    const execution = region === this.region ? this.executions.get(executionName) : undefined;
    if (!execution || execution.executionArn !== executionArn)
      throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  private machineDescription() {
    return {
      stateMachineArn: this.options.stateMachineArn,
      name: this.machineName,
      definition: this.options.definition,
      roleArn: this.roleArn,
      // The local engine writes no logs and no traces.
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private listStateMachines(fields: Fields, region: string) {
    const machines =
      region === this.region
        ? [
            {
              stateMachineArn: this.options.stateMachineArn,
              name: this.machineName,
              type: 'STANDARD',
              creationDate: seconds(this.creationDate),
            },
          ]
        : [];
    const maxResults = fields.pageSize();
    const scope = `ListStateMachines ${region}`;
    const from = this.tokens.read(fields.optionalString('nextToken', 1024), scope) ?? 0;
    const page = machines.slice(from, from + maxResults);
    const next = from + page.length;
    return { stateMachines: page, ...(next < machines.length ? { nextToken: this.tokens.issue(scope, next) } : {}) };
  }

  /** Most recent first, as AWS lists them; the cursor is a position in start order, which new executions do not shift. */
  private listExecutions(fields: Fields, region: string) {
    const stateMachineArn = fields.string('stateMachineArn');
    this.findMachine(stateMachineArn, region);
    const statusFilter = fields.oneOf('statusFilter', [...STATUSES, 'PENDING_REDRIVE']);
    const redriveFilter = fields.oneOf('redriveFilter', ['REDRIVEN', 'NOT_REDRIVEN']);
    const maxResults = fields.pageSize();
    const scope = `ListExecutions ${stateMachineArn} ${statusFilter ?? ''} ${redriveFilter ?? ''}`;
    const before = this.tokens.read(fields.optionalString('nextToken', 1024), scope);
    // The map keeps executions in the order they started, and none is ever removed.
    const all = [...this.executions.values()];
    const matching: number[] = [];
    for (let i = Math.min(before ?? all.length, all.length) - 1; i >= 0 && matching.length <= maxResults; i--) {
      const e = all[i]!;
      const redriven = e.redriveCount > 0;
      if (statusFilter && e.status !== statusFilter) continue;
      if (redriveFilter && redriven !== (redriveFilter === 'REDRIVEN')) continue;
      matching.push(i);
    }
    const page = matching.slice(0, maxResults);
    return {
      executions: page.map((i) => summary(all[i]!)),
      ...(matching.length > maxResults ? { nextToken: this.tokens.issue(scope, page.at(-1)!) } : {}),
    };
  }

  private getExecutionHistory(fields: Fields, region: string) {
    const executionArn = fields.string('executionArn');
    const execution = this.find(executionArn, region);
    const reverseOrder = fields.flag('reverseOrder');
    const maxResults = fields.pageSize();
    const includeExecutionData = fields.flag('includeExecutionData', true);
    const scope = `GetExecutionHistory ${executionArn} ${reverseOrder} ${includeExecutionData}`;
    const cursor = this.tokens.read(fields.optionalString('nextToken', 1024), scope);
    const { events, next } = execution.history.page({
      maxResults,
      reverseOrder,
      includeExecutionData,
      ...(cursor === undefined ? {} : { cursor }),
    });
    return { events, ...(next === undefined ? {} : { nextToken: this.tokens.issue(scope, next) }) };
  }

  private startExecution(fields: Fields, region: string) {
    const stateMachineArn = fields.string('stateMachineArn');
    this.findMachine(stateMachineArn, region);
    const name = fields.optionalString('name') ?? randomUUID();
    const input = fields.optionalString('input') ?? '{}';
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
    const existing = this.executions.get(name);
    if (existing) {
      // As on AWS (Standard): the same name and input while it runs is the same execution.
      if (existing.status === 'RUNNING' && existing.input === input)
        return { executionArn: existing.executionArn, startDate: seconds(existing.startDate) };
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ApiError('InvalidExecutionInput', 'Invalid execution input: not JSON');
    }
    const execution: Execution = {
      executionArn: stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`,
      stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: this.now(),
      redriveCount: 0,
      history: new History(this.now),
      run: { active: false, abort: () => undefined },
    };
    execution.history.record('ExecutionStarted', {
      executionStartedEventDetails: { input, inputDetails: { truncated: false }, roleArn: this.roleArn },
    });
    this.executions.set(name, execution);
    this.keep(execution);
    this.run(execution, parsed);
    this.announce(execution);
    return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
  }

  private async stopExecution(fields: Fields, region: string) {
    const execution = this.find(fields.string('executionArn'), region);
    const error = fields.optionalString('error', 256);
    const cause = fields.optionalString('cause', 32768);
    // What the engine did before the stop comes before ExecutionAborted in the history.
    await settled();
    if (execution.status === 'RUNNING') {
      const run = execution.run;
      // AWS leaves error and cause out when StopExecution was not given them.
      this.end(execution, run, 'ABORTED', {
        ...(error === undefined ? {} : { error }),
        ...(cause === undefined ? {} : { cause }),
      });
      run.abort();
    }
    return { stopDate: seconds(execution.stopDate!) };
  }

  /**
   * AWS continues a redriven execution from the state that did not succeed: so does this endpoint,
   * from the task it was in, with that task's input. An execution stopped before its first task
   * runs the definition from its first state, with the same name and input.
   */
  private redriveExecution(fields: Fields, region: string) {
    const execution = this.find(fields.string('executionArn'), region);
    const clientToken = fields.optionalString('clientToken', 64);
    if (clientToken !== undefined && clientToken === execution.redriveToken)
      return { redriveDate: seconds(execution.redriveDate!) };
    const { reason } = redrivability(execution, this.now());
    if (reason) throw new ApiError('ExecutionNotRedrivable', `Execution Not Redrivable: ${reason}`);
    const redriveDate = this.now();
    delete execution.stopDate;
    delete execution.output;
    delete execution.error;
    delete execution.cause;
    Object.assign(execution, {
      status: 'RUNNING',
      redriveCount: execution.redriveCount + 1,
      redriveDate,
      redriveToken: clientToken,
    });
    execution.history.record('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: execution.redriveCount } });
    this.keep(execution);
    this.run(execution, JSON.parse(execution.input), execution.at && { state: execution.at.state, input: execution.at.input });
    this.announce(execution);
    return { redriveDate: seconds(redriveDate) };
  }

  /**
   * Starts one pass of the engine over the definition for `execution`, from its first state, or from
   * the task state `from` names with that state's input (a resumed or redriven run).
   */
  private run(execution: Execution, input: unknown, from?: { state: string; input: string; deadline?: number }): void {
    const run: Run = {
      active: true,
      abort: () => undefined,
      ...(from?.deadline === undefined ? {} : { deadline: from.deadline }),
    };
    execution.run = run;
    const machine = from ? this.machineFrom(from.state) : this.machine;
    const started = atInstant(execution.startDate, () =>
      machine.run((from ? JSON.parse(from.input) : input) as JsonValue, {
        overrides: {
          taskResourceLocalHandlers: this.overrides(execution, run),
          retryIntervalOverrides: this.options.retryIntervalOverrides ?? {},
        },
        context: {
          Execution: {
            Id: execution.executionArn,
            Name: execution.name,
            StartTime: iso(execution.startDate),
            RoleArn: this.roleArn,
            RedriveCount: execution.redriveCount,
            ...(execution.redriveDate === undefined ? {} : { RedriveTime: iso(execution.redriveDate) }),
          },
          StateMachine: { Id: this.options.stateMachineArn, Name: this.machineName },
          Task: { Token: TOKEN_PLACEHOLDER },
        },
        noThrowOnAbort: true,
      }),
    );
    run.abort = started.abort;
    void this.recordStates(execution, run, started.eventLogs);
    started.result.then(
      async (output) => {
        await settled();
        this.end(execution, run, 'SUCCEEDED', { output: JSON.stringify(output) });
      },
      async (error: Error) => {
        await settled();
        if (error instanceof ExecutionTimeoutError) {
          this.end(execution, run, 'TIMED_OUT', { error: 'States.Timeout' });
          return;
        }
        const cause = (error.cause as Error | undefined) ?? error;
        this.end(execution, run, 'FAILED', { error: cause.name, cause: cause.message });
      },
    );
  }

  private machineFrom(state: string): StateMachine {
    let machine = this.machinesFrom.get(state);
    if (!machine) {
      // The same definition, which the engine validated whole in the constructor; started mid-way,
      // the states before this one are unreachable, which the validator would refuse.
      machine = new StateMachine(forTheEngine({ ...JSON.parse(this.options.definition), StartAt: state }), {
        validationOptions: { noValidate: true },
      });
      this.machinesFrom.set(state, machine);
    }
    return machine;
  }

  /** Writes where the execution is to the journal, if there is one; a finished execution is forgotten. */
  private keep(execution: Execution): void {
    const journal = this.options.journal;
    if (!journal) return;
    if (execution.status === 'SUCCEEDED') {
      journal.remove(execution.name);
      return;
    }
    const { history: _history, run: _run, ...position } = execution;
    journal.save(execution.name, position);
  }

  /**
   * After a restart on the same data: every execution the journal holds exists again. One that was
   * running carries on from the task it was in, which runs again with the same input, as AWS retries
   * a task whose worker died (a wait keeps its deadline); one that had stopped stays stopped, and may
   * be redriven. Returns the names of each.
   */
  restore(): { running: string[]; stopped: string[] } {
    const running: string[] = [];
    const stopped: string[] = [];
    for (const { record } of this.options.journal?.all() ?? []) {
      if (this.executions.has(record.name)) continue;
      const execution: Execution = { ...record, history: new History(this.now), run: { active: false, abort: () => undefined } };
      execution.history.record('ExecutionStarted', {
        executionStartedEventDetails: { input: record.input, inputDetails: { truncated: false }, roleArn: this.roleArn },
      });
      this.executions.set(record.name, execution);
      if (record.status !== 'RUNNING') {
        stopped.push(record.name);
        continue;
      }
      running.push(record.name);
      this.run(execution, JSON.parse(record.input), record.at);
    }
    return { running, stopped };
  }

  /** Ends a run with its execution's final status, once; an execution stopped meanwhile stays stopped. */
  private end(
    execution: Execution,
    run: Run,
    status: Exclude<Status, 'RUNNING'>,
    fields: Pick<Execution, 'output' | 'error' | 'cause'>,
  ): void {
    if (!run.active) return;
    run.active = false;
    run.task?.close();
    Object.assign(execution, { status, stopDate: this.now(), ...fields });
    const { output, error, cause } = fields;
    const failure = { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
    const history = execution.history;
    if (status === 'SUCCEEDED')
      history.record('ExecutionSucceeded', { executionSucceededEventDetails: { output, outputDetails: { truncated: false } } });
    else if (status === 'FAILED') history.record('ExecutionFailed', { executionFailedEventDetails: failure });
    else if (status === 'TIMED_OUT') history.record('ExecutionTimedOut', { executionTimedOutEventDetails: failure });
    else history.record('ExecutionAborted', Object.keys(failure).length > 0 ? { executionAbortedEventDetails: failure } : {});
    for (const [token, task] of this.pending) if (task.executionArn === execution.executionArn) this.closeTask(token);
    this.keep(execution);
    this.announce(execution);
  }

  /** Tells the onStatusChange listener, if any, of the execution's current status. */
  private announce(execution: Execution): void {
    const listener = this.options.onStatusChange;
    if (!listener) return;
    const event = statusChangeEvent(execution, this.now(), { region: this.region, account: this.account });
    // Delivery is the listener's business, as EventBridge's is on AWS: the endpoint carries on regardless.
    void Promise.resolve()
      .then(() => listener(event))
      .catch((error: unknown) =>
        console.error(`onStatusChange failed for ${event.detail.executionArn} (${event.detail.status}):`, error),
      );
  }

  /**
   * Records the states the engine enters and leaves, with AWS's event names. The execution's own
   * events are recorded by the server when it sees the run start and end; the engine's StateRetried
   * and StateCaught have no AWS counterpart, and a Fail state has no StateExited on AWS either.
   */
  private async recordStates(execution: Execution, run: Run, logs: AsyncGenerator<EventLog>): Promise<void> {
    for await (const log of logs) {
      if (!run.active) return;
      if (log.type === 'StateEntered') {
        run.entered = { name: log.state.name, input: JSON.stringify(log.state.input) };
        execution.history.record(`${log.state.type}StateEntered`, {
          stateEnteredEventDetails: {
            name: log.state.name,
            input: JSON.stringify(log.state.input),
            inputDetails: { truncated: false },
          },
        });
      } else if (log.type === 'StateExited') {
        execution.history.record(`${log.state.type}StateExited`, {
          stateExitedEventDetails: {
            name: log.state.name,
            output: JSON.stringify(log.state.output ?? null),
            outputDetails: { truncated: false },
          },
        });
      } else if (log.type === 'StateFailed' && log.state.type === 'Task' && run.task?.open) {
        // The engine's own task timer fired before the task settled.
        run.task.failed(log.Error, log.Cause);
      }
    }
  }

  private overrides(execution: Execution, run: Run): LocalHandlers {
    const result: LocalHandlers = {};
    for (const [stateName, state] of Object.entries(this.states)) {
      if (state.Type !== 'Task') continue;
      if (state.Resource === 'arn:aws:states:::lambda:invoke') {
        result[stateName] = (parameters) => this.invokeTask(execution, run, stateName, parameters);
      } else if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
        result[stateName] = (parameters) => this.waitTask(execution, run, stateName, parameters);
      } else {
        throw new Error(`${stateName}: the sandbox runs lambda:invoke tasks only, not ${state.Resource}`);
      }
    }
    return result;
  }

  /** A new attempt of a task, recorded as scheduled and started; throws if the run has ended meanwhile. */
  private attempt(execution: Execution, run: Run, stateName: string, resource: LambdaResource, parameters: unknown) {
    if (!run.active) throw namedError('States.Runtime', `${execution.executionArn} is no longer running`);
    const state = this.states[stateName]!;
    const timeoutInSeconds =
      state.TimeoutSeconds ?? (state.TimeoutSecondsPath ? Number(readPath(parameters, state.TimeoutSecondsPath)) : undefined);
    run.task = new TaskAttempt(execution.history, resource, {
      region: this.region,
      parameters,
      ...(timeoutInSeconds === undefined ? {} : { timeoutInSeconds }),
    });
    return run.task;
  }

  /** The task state the run is in is kept, before its handler runs: a restart runs it again. */
  private enter(execution: Execution, run: Run, stateName: string, deadline?: number): void {
    if (!run.active || run.entered?.name !== stateName) return;
    execution.at = { state: stateName, input: run.entered.input, ...(deadline === undefined ? {} : { deadline }) };
    this.keep(execution);
    crashPoint('enter', stateName);
  }

  private async invokeTask(execution: Execution, run: Run, stateName: string, parameters: JsonValue): Promise<JsonValue> {
    await settled();
    this.enter(execution, run, stateName);
    const task = this.attempt(execution, run, stateName, 'invoke', parameters);
    try {
      const payload = (await this.invoke(parameters)) ?? null;
      crashPoint('done', stateName);
      const output = { ExecutedVersion: '$LATEST', Payload: payload as JsonValue, StatusCode: 200 };
      task.succeeded(output);
      return output;
    } catch (error) {
      task.failed((error as Error).name, (error as Error).message);
      throw error;
    }
  }

  private async waitTask(execution: Execution, run: Run, stateName: string, parameters: JsonValue): Promise<JsonValue> {
    // The token and its timer exist before the engine starts its own timer for this task, so the
    // token is over (TaskTimedOut) by the time the engine moves on.
    const { token, done, deadline } = this.issueToken(execution.executionArn, stateName, parameters, run.deadline);
    // A resumed wait keeps its deadline once; the waits after it have their own.
    delete run.deadline;
    await settled();
    this.enter(execution, run, stateName, deadline);
    const resolved = replaceDeep(parameters, TOKEN_PLACEHOLDER, token);
    let task: TaskAttempt;
    try {
      task = this.attempt(execution, run, stateName, 'invoke.waitForTaskToken', resolved);
    } catch (error) {
      this.closeTask(token);
      throw error;
    }
    this.invoke(resolved).then(
      (payload) => {
        if (this.pending.has(token)) task.submitted({ ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 });
      },
      (error: Error) => {
        const pending = this.pending.get(token);
        if (!pending) return;
        this.closeTask(token);
        pending.reject(error);
      },
    );
    try {
      const output = await done;
      crashPoint('done', stateName);
      task.succeeded(output);
      return output as JsonValue;
    } catch (error) {
      task.failed((error as Error).name, (error as Error).message);
      throw error;
    }
  }

  private issueToken(
    executionArn: string,
    stateName: string,
    parameters: unknown,
    resumedDeadline?: number,
  ): { token: string; done: Promise<unknown>; deadline: number } {
    const state = this.states[stateName]!;
    const token = randomBytes(48).toString('base64url');
    // The library enforces the task timeout too; it reads TimeoutSecondsPath from the task's parameters.
    const timeoutSeconds = state.TimeoutSeconds ?? Number(readPath(parameters, state.TimeoutSecondsPath ?? '') ?? 60);
    const deadline = resumedDeadline ?? this.now() + timeoutSeconds * 1000;
    const done = new Promise<unknown>((resolve, reject) => {
      const timer = this.timers.setTimeout(
        () => {
          this.closeTask(token);
          reject(namedError('States.Timeout', `${stateName} timed out after ${timeoutSeconds}s`));
        },
        Math.max(0, deadline - this.now()),
      );
      this.pending.set(token, { executionArn, resolve, reject, timer });
    });
    // Awaited after settled(): a rejection before then is not an unhandled one.
    done.catch(() => undefined);
    return { token, done, deadline };
  }

  private async invoke(input: unknown): Promise<unknown> {
    const { FunctionName: arn, Payload: payload } = input as { FunctionName: string; Payload: unknown };
    const name = arn.split(':').pop()!;
    const handler = this.options.functions.get(name);
    if (!handler) throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${arn}`);
    try {
      if (this.options.invokeTwice) await handler(payload, lambdaContext(name));
      return await handler(payload, lambdaContext(name));
    } catch (error) {
      throw asLambdaError(error);
    }
  }

  /** Tokens are opaque and unique, but issued in this endpoint's region: another region has none. */
  private peekTask(token: string, region: string): PendingTask {
    if (!/^[A-Za-z0-9_-]{40,1024}$/.test(token)) throw new ApiError('InvalidToken', 'Invalid Token');
    if (region !== this.region) throw new ApiError('TaskDoesNotExist', 'Task Does Not Exist');
    const task = this.pending.get(token);
    if (task) return task;
    if (this.finishedTokens.has(token))
      throw new ApiError('TaskTimedOut', 'Task Timed Out: the task for this token has already completed or timed out');
    throw new ApiError('TaskDoesNotExist', 'Task Does Not Exist');
  }

  private takeTask(token: string, region: string): PendingTask {
    const task = this.peekTask(token, region);
    this.closeTask(token);
    return task;
  }

  private closeTask(token: string): void {
    const task = this.pending.get(token);
    if (!task) return;
    this.timers.clearTimeout(task.timer);
    this.pending.delete(token);
    this.finishedTokens.add(token);
  }
}
