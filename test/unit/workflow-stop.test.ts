import { describe, expect, it } from 'vitest';
import { describeStop, STOP_REASON_CAP } from '../../functions/core/workflow-stop';

describe('what stopped a workflow, in words', () => {
  it("a Lambda error's JSON cause becomes its type and message, without the stack trace", () => {
    const cause = JSON.stringify({
      errorType: 'TransientError',
      errorMessage: 'ThrottlingException: Rate exceeded',
      trace: ['TransientError: ThrottlingException: Rate exceeded', '    at send (/var/task/index.mjs:1:2)'],
    });

    expect(describeStop('FAILED', 'TransientError', cause)).toBe(
      'a step failed: TransientError: ThrottlingException: Rate exceeded',
    );
  });

  it('a plain cause is shown after the error; a stop with neither says what happened', () => {
    expect(describeStop('FAILED', 'States.Runtime', 'The JSONPath $.Payload could not be found')).toBe(
      'a step failed: States.Runtime: The JSONPath $.Payload could not be found',
    );
    expect(describeStop('ABORTED')).toBe('it was stopped (StopExecution)');
    expect(describeStop('TIMED_OUT', null, null)).toBe('it timed out');
  });

  it('a long cause is cut to the cap', () => {
    const text = describeStop('FAILED', 'Error', 'x'.repeat(10_000));

    expect(text).toHaveLength(STOP_REASON_CAP);
    expect(text.endsWith('…')).toBe(true);
  });
});
