import { ExecutionAlreadyExists, SendTaskSuccessCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** Answers that mean "that wait is over": the event stays in the inbox for the next wait to take. */
const ENDED_WAIT = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class WorkflowClient {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string | undefined,
  ) {}

  /**
   * Starts the incident's execution, named after the incident. Standard workflows never run two
   * executions with one name, so a repeated start (same name and input) is "already started".
   */
  async start(incidentId: string): Promise<'started' | 'already-started'> {
    if (!this.stateMachineArn) throw new Error('STATE_MACHINE_ARN is not set, so no workflow can be started');
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
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
}
