import { DescribeExecutionCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appContext } from '../../functions/services/app';
import { declare } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();
const sfn = () => new SFNClient({});

describe('the local Step Functions endpoint answers as AWS does', () => {
  it('starting a running execution again with the same name and input returns the same execution', async () => {
    const id = await declare(driver());
    const input = JSON.stringify({ incidentId: id });

    const again = await sfn().send(new StartExecutionCommand({ stateMachineArn: sandbox().stateMachineArn, name: id, input }));

    expect(again.executionArn).toBe(`${sandbox().stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`);
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
    const describe = sfn().send(
      new DescribeExecutionCommand({
        executionArn: `${sandbox().stateMachineArn.replace(':stateMachine:', ':execution:')}:nope`,
      }),
    );

    await expect(describe).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
