import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ExecutionAlreadyExists,
  type ExecutionStatus,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';

/** Answers that mean "that wait is over": the event stays in the inbox for the next wait to take. */
const ENDED_WAIT = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** An execution as it stands now (an event about it may be older than that). */
export interface ExecutionState {
  status: ExecutionStatus;
  error?: string;
  cause?: string;
  stopDate?: Date;
  redriveCount: number;
}

/** Why a redrive was refused, as Step Functions answers (the execution runs, succeeded, is too old, or never was). */
export type RedriveRefusal = { refused: 'ExecutionNotRedrivable' | 'ExecutionDoesNotExist'; message: string };

export class WorkflowClient {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string | undefined,
  ) {}

  private machine(): string {
    if (!this.stateMachineArn) throw new Error('STATE_MACHINE_ARN is not set, so this function cannot reach the workflow');
    return this.stateMachineArn;
  }

  /**
   * How many state transitions the incident's execution has made so far (each state entered, retries
   * included: what Step Functions bills), read from its history page by page; 0 for an incident whose
   * execution there is none of (its steps run by hand).
   */
  async stateTransitions(incidentId: string): Promise<number> {
    let count = 0;
    let nextToken: string | undefined;
    do {
      const page = await this.sfn
        .send(
          new GetExecutionHistoryCommand({
            executionArn: this.executionArn(incidentId),
            maxResults: 1000,
            ...(nextToken ? { nextToken } : {}),
          }),
        )
        .catch((error: Error) => {
          if (error.name === 'ExecutionDoesNotExist') return { events: [], nextToken: undefined as string | undefined };
          throw error;
        });
      const of = (type: string) => (page.events ?? []).filter((e) => e.type === type).length;
      // Each state entered, and each retry of a task (scheduled again without being entered again).
      count += (page.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length;
      count += Math.max(0, of('TaskScheduled') - of('TaskStateEntered'));
      nextToken = page.nextToken;
    } while (nextToken);
    return count;
  }

  /** The incident's execution: the state machine's, named after the incident. */
  executionArn(incidentId: string): string {
    return `${this.machine().replace(':stateMachine:', ':execution:')}:${incidentId}`;
  }

  /**
   * Starts the incident's execution, named after the incident. Standard workflows never run two
   * executions with one name, so a repeated start (same name and input) is "already started".
   */
  async start(incidentId: string): Promise<'started' | 'already-started'> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.machine(),
          name: incidentId,
          input: JSON.stringify({ incidentId }),
        }),
      );
      return 'started';
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') return 'already-started';
      throw error;
    }
  }

  /** Completes a wait with the given output; false when the wait had already ended. */
  async deliver(taskToken: string, output: unknown): Promise<boolean> {
    try {
      await this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      return true;
    } catch (error) {
      if (ENDED_WAIT.has((error as Error).name)) return false;
      throw error;
    }
  }

  async describe(executionArn: string): Promise<ExecutionState> {
    const e = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: e.status!,
      ...(e.error ? { error: e.error } : {}),
      ...(e.cause ? { cause: e.cause } : {}),
      ...(e.stopDate ? { stopDate: e.stopDate } : {}),
      redriveCount: e.redriveCount ?? 0,
    };
  }

  /**
   * Restarts a failed, timed-out or aborted execution from the step that did not complete, with the
   * same input (AWS keeps them redrivable for 14 days). The refusals Step Functions documents come
   * back as such, for the operator to be told why.
   */
  async redrive(incidentId: string): Promise<'redriven' | RedriveRefusal> {
    try {
      await this.sfn.send(new RedriveExecutionCommand({ executionArn: this.executionArn(incidentId) }));
      return 'redriven';
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ExecutionNotRedrivable' || name === 'ExecutionDoesNotExist') {
        return { refused: name, message: (error as Error).message };
      }
      throw error;
    }
  }
}
