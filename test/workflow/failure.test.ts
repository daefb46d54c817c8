import { StartExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { finished } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

describe('workflow: failures', () => {
  it('a step that fails for good is recorded on the timeline and fails the execution, so it can alarm', async () => {
    const id = 'INC-20261127-000000';

    await new SFNClient({}).send(
      new StartExecutionCommand({
        stateMachineArn: sandbox().stateMachineArn,
        name: id,
        input: JSON.stringify({ incidentId: id }),
      }),
    );
    const execution = await finished(driver(), id);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'IncidentWorkflowFailed' });
    expect(await driver().statePath(id)).toEqual(['Classify', 'RecordFailure', 'WorkflowFailed']);
  });
});
