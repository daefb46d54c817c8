import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { StateMachine } from 'aws-local-stepfunctions';
import { close, listen, readBody } from './http-util';
import { lambdaContext, type LambdaHandler } from './lambda-context';

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

interface Execution {
  executionArn: string;
  name: string;
  input: string;
  status: Status;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  abort: () => void;
}

interface PendingTask {
  executionArn: string;
  stateName: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type RunResult = ReturnType<StateMachine['run']>;
type EventLog = RunResult['eventLogs'] extends AsyncGenerator<infer T> ? T : never;
type LocalHandlers = NonNullable<
  NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers']
>;
type JsonValue = Parameters<LocalHandlers[string]>[0];

const TOKEN_PLACEHOLDER = 'LOCAL-TASK-TOKEN-PLACEHOLDER';

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

const seconds = (ms: number) => ms / 1000;

export interface LocalStepFunctionsOptions {
  /** The ASL with every ${...} substituted. */
  definition: string;
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
}

/**
 * A loopback Step Functions endpoint (AWS JSON 1.0 protocol) that runs the real definition with
 * aws-local-stepfunctions. `lambda:invoke` tasks call the handlers in-process; `.waitForTaskToken`
 * tasks get a fresh token each time (the library does not make one), stay open until
 * SendTaskSuccess/SendTaskFailure or their timeout, and then answer like AWS does: TaskTimedOut for
 * a token whose task is over, TaskDoesNotExist for one never issued, InvalidToken for a malformed one.
 */
export class LocalStepFunctions {
  private readonly executions = new Map<string, Execution>();
  private readonly pending = new Map<string, PendingTask>();
  private readonly finishedTokens = new Set<string>();
  private readonly machine: StateMachine;
  private readonly states: Record<
    string,
    { Type: string; Resource?: string; TimeoutSeconds?: number; TimeoutSecondsPath?: string }
  >;
  private server?: Server;
  url = '';

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const definition = JSON.parse(options.definition);
    this.states = definition.States;
    this.machine = new StateMachine(definition);
  }

  async start(port = 0): Promise<string> {
    const { server, url } = await listen(async (req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const body = await readBody(req);
      try {
        const result = await this.call(target, body ? JSON.parse(body) : {});
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
    for (const execution of this.executions.values()) if (execution.status === 'RUNNING') execution.abort();
    for (const task of this.pending.values()) clearTimeout(task.timer);
    if (this.server) await close(this.server);
  }

  private async call(operation: string, input: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(String(input.name ?? randomUUID()), String(input.input ?? '{}'));
      case 'DescribeExecution':
        return this.describe(this.find(String(input.executionArn)));
      case 'ListExecutions':
        return {
          executions: [...this.executions.values()]
            .filter((e) => !input.statusFilter || e.status === input.statusFilter)
            .reverse()
            .map((e) => this.summary(e)),
        };
      case 'GetExecutionHistory': {
        const events = [...this.find(String(input.executionArn)).history];
        return { events: input.reverseOrder ? events.reverse() : events };
      }
      case 'StopExecution': {
        const execution = this.find(String(input.executionArn));
        if (execution.status === 'RUNNING') {
          execution.abort();
          this.finish(execution, 'ABORTED', { error: String(input.error ?? ''), cause: String(input.cause ?? '') });
        }
        return { stopDate: seconds(execution.stopDate ?? Date.now()) };
      }
      case 'SendTaskSuccess': {
        let output: unknown;
        try {
          output = JSON.parse(String(input.output));
        } catch {
          throw new ApiError('InvalidOutput', 'The output is not valid JSON');
        }
        this.takeTask(String(input.taskToken)).resolve(output);
        return {};
      }
      case 'SendTaskFailure':
        this.takeTask(String(input.taskToken)).reject(
          namedError(String(input.error ?? 'States.TaskFailed'), String(input.cause ?? '')),
        );
        return {};
      case 'SendTaskHeartbeat':
        this.peekTask(String(input.taskToken));
        return {};
      default:
        throw new ApiError('UnknownOperationException', `the local Step Functions endpoint does not support ${operation}`);
    }
  }

  private find(executionArn: string): Execution {
    const name = executionArn.split(':').pop() ?? '';
    const execution = this.executions.get(name);
    if (!execution || execution.executionArn !== executionArn)
      throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  private summary(e: Execution) {
    return {
      executionArn: e.executionArn,
      stateMachineArn: this.options.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: seconds(e.startDate),
      ...(e.stopDate ? { stopDate: seconds(e.stopDate) } : {}),
    };
  }

  private describe(e: Execution) {
    return {
      ...this.summary(e),
      input: e.input,
      ...(e.output !== undefined ? { output: e.output } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
    };
  }

  private peekTask(token: string): PendingTask {
    const task = this.pending.get(token);
    if (task) return task;
    if (this.finishedTokens.has(token))
      throw new ApiError('TaskTimedOut', 'Task Timed Out: the task for this token has already completed or timed out');
    if (!/^[A-Za-z0-9_-]{40,1024}$/.test(token)) throw new ApiError('InvalidToken', 'Invalid Token');
    throw new ApiError('TaskDoesNotExist', 'Task Does Not Exist');
  }

  private takeTask(token: string): PendingTask {
    const task = this.peekTask(token);
    this.closeTask(token);
    return task;
  }

  private closeTask(token: string): void {
    const task = this.pending.get(token);
    if (!task) return;
    clearTimeout(task.timer);
    this.pending.delete(token);
    this.finishedTokens.add(token);
  }

  private startExecution(name: string, input: string) {
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
    const executionArn = this.options.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
    const startDate = Date.now();
    const run = this.machine.run(parsed as never, {
      overrides: {
        taskResourceLocalHandlers: this.overrides(executionArn),
        retryIntervalOverrides: this.options.retryIntervalOverrides ?? {},
      },
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          StartTime: new Date(startDate).toISOString(),
          RoleArn: 'arn:aws:iam::000000000000:role/local',
        },
        StateMachine: { Id: this.options.stateMachineArn, Name: this.options.stateMachineArn.split(':').pop() },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
      noThrowOnAbort: true,
    });
    const execution: Execution = { executionArn, name, input, status: 'RUNNING', startDate, history: [], abort: run.abort };
    this.executions.set(name, execution);
    void this.recordHistory(execution, run.eventLogs);
    run.result.then(
      (output) => {
        if (execution.status === 'RUNNING') this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output) });
      },
      (error: Error) => {
        const cause = (error.cause as Error | undefined) ?? error;
        if (execution.status === 'RUNNING') this.finish(execution, 'FAILED', { error: cause.name, cause: cause.message });
      },
    );
    return { executionArn, startDate: seconds(startDate) };
  }

  private finish(execution: Execution, status: Status, fields: Partial<Execution>): void {
    Object.assign(execution, { status, stopDate: Date.now(), ...fields });
    for (const [token, task] of this.pending) if (task.executionArn === execution.executionArn) this.closeTask(token);
  }

  /** Converts the library's event log into AWS-shaped history events (state names as AWS reports them). */
  private async recordHistory(execution: Execution, logs: AsyncGenerator<EventLog>): Promise<void> {
    const push = (type: string, details: Record<string, unknown>, timestamp: number) => {
      const id = execution.history.length + 1;
      execution.history.push({ id, previousEventId: id - 1, timestamp: seconds(timestamp), type, ...details });
    };
    for await (const log of logs) {
      switch (log.type) {
        case 'ExecutionStarted':
          push('ExecutionStarted', { executionStartedEventDetails: { input: JSON.stringify(log.input) } }, log.timestamp);
          break;
        case 'StateEntered':
          push(
            `${log.state.type}StateEntered`,
            { stateEnteredEventDetails: { name: log.state.name, input: JSON.stringify(log.state.input) } },
            log.timestamp,
          );
          break;
        case 'StateExited':
          push(
            `${log.state.type}StateExited`,
            { stateExitedEventDetails: { name: log.state.name, output: JSON.stringify(log.state.output ?? null) } },
            log.timestamp,
          );
          break;
        case 'StateFailed':
          push(
            log.Error === 'States.Timeout' ? 'TaskTimedOut' : 'TaskFailed',
            {
              taskFailedEventDetails: {
                resourceType: 'lambda',
                resource: log.state.name,
                error: log.Error,
                cause: String(log.Cause ?? ''),
              },
            },
            log.timestamp,
          );
          break;
        case 'ExecutionSucceeded':
          push('ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify(log.output) } }, log.timestamp);
          break;
        case 'ExecutionFailed':
          push(
            'ExecutionFailed',
            { executionFailedEventDetails: { error: log.Error, cause: String(log.Cause ?? '') } },
            log.timestamp,
          );
          break;
        case 'ExecutionAborted':
        case 'ExecutionTimeout':
          push(log.type === 'ExecutionAborted' ? 'ExecutionAborted' : 'ExecutionTimedOut', {}, log.timestamp);
          break;
        default:
          break;
      }
    }
  }

  private overrides(executionArn: string): LocalHandlers {
    const result: LocalHandlers = {};
    for (const [stateName, state] of Object.entries(this.states)) {
      if (state.Type !== 'Task') continue;
      if (state.Resource === 'arn:aws:states:::lambda:invoke') {
        result[stateName] = async (input) => {
          const payload = await this.invoke(input);
          return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: (payload ?? null) as JsonValue };
        };
      } else if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
        result[stateName] = (input) => this.waitForToken(executionArn, stateName, input) as Promise<JsonValue>;
      } else {
        throw new Error(`${stateName}: the sandbox runs lambda:invoke tasks only, not ${state.Resource}`);
      }
    }
    return result;
  }

  private async invoke(input: unknown): Promise<unknown> {
    const { FunctionName: arn, Payload: payload } = input as { FunctionName: string; Payload: unknown };
    const name = arn.split(':').pop()!;
    const handler = this.options.functions.get(name);
    if (!handler) throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${arn}`);
    if (this.options.invokeTwice) await handler(payload, lambdaContext(name));
    return handler(payload, lambdaContext(name));
  }

  private waitForToken(executionArn: string, stateName: string, input: unknown): Promise<unknown> {
    const state = this.states[stateName]!;
    const token = randomBytes(48).toString('base64url');
    // The library enforces the task timeout too; it reads TimeoutSecondsPath from the task's parameters.
    const timeoutSeconds = state.TimeoutSeconds ?? Number(readPath(input, state.TimeoutSecondsPath ?? '') ?? 60);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.closeTask(token);
        reject(namedError('States.Timeout', `${stateName} timed out after ${timeoutSeconds}s`));
      }, timeoutSeconds * 1000);
      this.pending.set(token, { executionArn, stateName, resolve, reject, timer });
      this.invoke(replaceDeep(input, TOKEN_PLACEHOLDER, token)).catch((error: Error) => {
        if (this.pending.has(token)) {
          this.closeTask(token);
          reject(error);
        }
      });
    });
  }
}
