import { randomUUID } from 'node:crypto';
import type { History, TaskAttempt } from './sfn-history';
import { seconds } from './sfn-protocol';

/** An execution's status (ExecutionStatus in the API reference, less the Map-only PENDING_REDRIVE). */
export type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One pass of the engine over the definition: the first start, then one per redrive. */
export interface Run {
  /** False once the run ended (or was aborted): what the engine still reports for it is not history. */
  active: boolean;
  abort: () => void;
  /** The state entered and not yet exited, for the *StateAborted event of a stop. */
  state?: { name: string; type: string };
  /** The state the engine entered last, with its input, as its StateEntered event gave them. */
  entered?: { name: string; input: string };
  task?: TaskAttempt;
  /** A run that resumes a wait carries on with the wait's own deadline, not a new one. */
  deadline?: number;
}

/** The task state an execution entered last, with its input: a resumed or redriven run starts there. */
export interface TaskPosition {
  state: string;
  input: string;
  /** For a wait: when it times out, epoch milliseconds on the endpoint's clock. */
  deadline?: number;
}

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: Status;
  /** Epoch milliseconds, from the server's clock. */
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: number;
  /** The clientToken of the last RedriveExecution, so that a retried request redrives once. */
  redriveToken?: string;
  history: History;
  run: Run;
  /** The task state it entered last. */
  at?: TaskPosition;
}

/**
 * An execution as kept across a restart of the sandbox (see Journal): AWS keeps its executions
 * whatever happens to the machine that runs a task, and so must the sandbox's endpoint.
 */
export type Position = Omit<Execution, 'history' | 'run'>;

/**
 * AWS: a Standard execution can be redriven within 14 days of its stop if it FAILED, was ABORTED or
 * TIMED_OUT (RedriveExecution, DescribeExecution redriveStatusReason).
 */
export const REDRIVABLE_FOR_MS = 14 * 24 * 60 * 60 * 1000;

export function redrivability(e: Execution, now: number): { redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE'; reason?: string } {
  if (e.status === 'RUNNING' || e.status === 'SUCCEEDED')
    return { redriveStatus: 'NOT_REDRIVABLE', reason: `Execution is ${e.status} and cannot be redriven` };
  if (now - (e.stopDate ?? now) > REDRIVABLE_FOR_MS)
    return { redriveStatus: 'NOT_REDRIVABLE', reason: 'Execution redrivable period exceeded' };
  return { redriveStatus: 'REDRIVABLE' };
}

/** ExecutionListItem. */
export function summary(e: Execution) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    ...(e.stopDate === undefined ? {} : { stopDate: seconds(e.stopDate) }),
    redriveCount: e.redriveCount,
    ...(e.redriveDate === undefined ? {} : { redriveDate: seconds(e.redriveDate) }),
  };
}

/** DescribeExecution's answer: fields AWS leaves absent (output while running, error after success) are absent. */
export function description(e: Execution, now: number) {
  const { redriveStatus, reason } = redrivability(e, now);
  return {
    ...summary(e),
    input: e.input,
    inputDetails: { included: true },
    ...(e.output === undefined ? {} : { output: e.output, outputDetails: { included: true } }),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.cause === undefined ? {} : { cause: e.cause }),
    redriveStatus,
    ...(reason === undefined ? {} : { redriveStatusReason: reason }),
  };
}

/** EventBridge's "Step Functions Execution Status Change" event. */
export interface ExecutionStatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  /** ISO 8601 to the second, as EventBridge writes it: `2026-12-02T10:00:00Z`. */
  time: string;
  region: string;
  resources: [executionArn: string];
  detail: ExecutionStatusChangeDetail;
}

/**
 * What DescribeExecution says at the moment of the change, with dates in epoch milliseconds; a field
 * that has no value yet is null, not absent: `stopDate`, `output` and `outputDetails` while RUNNING
 * and unless SUCCEEDED; `error` and `cause` unless the execution failed, timed out or was stopped
 * with them; `redriveDate` until the first redrive; `redriveStatusReason` while redrivable.
 */
export interface ExecutionStatusChangeDetail {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: Status;
  startDate: number;
  stopDate: number | null;
  input: string;
  inputDetails: { included: true };
  output: string | null;
  outputDetails: { included: true } | null;
  error: string | null;
  cause: string | null;
  stateMachineVersionArn: null;
  stateMachineAliasArn: null;
  redriveCount: number;
  redriveDate: number | null;
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  redriveStatusReason: string | null;
}

export function statusChangeEvent(
  e: Execution,
  now: number,
  where: { region: string; account: string },
): ExecutionStatusChangeEvent {
  const { redriveStatus, reason } = redrivability(e, now);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: where.account,
    time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [e.executionArn],
    detail: {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate ?? null,
      input: e.input,
      inputDetails: { included: true },
      output: e.output ?? null,
      outputDetails: e.output === undefined ? null : { included: true },
      error: e.error ?? null,
      cause: e.cause ?? null,
      stateMachineVersionArn: null,
      stateMachineAliasArn: null,
      redriveCount: e.redriveCount,
      redriveDate: e.redriveDate ?? null,
      redriveStatus,
      redriveStatusReason: reason ?? null,
    },
  };
}
