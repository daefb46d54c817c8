import aslValidator from 'asl-validator';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EDGE_FUNCTIONS,
  placeholders,
  readDefinition,
  substitute,
  substitutionKey,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunction,
} from '../../workflows/definition';
import { FUNCTION_NEEDS } from '../../infra/aws/needs';

interface State {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  Parameters?: Record<string, unknown>;
  Catch?: Array<{ ErrorEquals: string[] }>;
}

const text = readDefinition();
const states = JSON.parse(text).States as Record<string, State>;
const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');

describe('the state machine definition', () => {
  it('every ${placeholder} is a function the sandbox and CDK substitute, and every such function is used', () => {
    const keys = (Object.keys(WORKFLOW_FUNCTIONS) as WorkflowFunction[]).map(substitutionKey).sort();

    expect(placeholders(text)).toEqual(keys);
  });

  it('every function has its handler', () => {
    for (const folder of [...Object.values(WORKFLOW_FUNCTIONS), ...Object.values(EDGE_FUNCTIONS)]) {
      expect(existsSync(`functions/${folder}/handler.ts`), folder).toBe(true);
    }
  });

  it('is valid ASL once substituted', () => {
    const values = Object.fromEntries(placeholders(text).map((k) => [k, `arn:aws:lambda:eu-west-1:123456789012:function:${k}`]));

    const result = aslValidator(JSON.parse(substitute(text, values)));

    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('a placeholder without a value is an error, never left in the definition', () => {
    expect(() => substitute(text, {})).toThrow(/^no substitution for \$\{AwaitEventFunctionArn\}, /);
  });

  it("every Task has an explicit timeout and retries what may pass, Lambda's own failures included", () => {
    for (const [name, state] of tasks) {
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, `${name} timeout`).toBeDefined();
      const retried = state.Retry?.flatMap((r) => r.ErrorEquals) ?? [];
      expect(retried, name).toEqual(
        expect.arrayContaining([
          'TransientError',
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.ClientExecutionTimeoutException',
          'Lambda.TooManyRequestsException',
          // Out of memory, a crashed runtime, a function timeout: the steps are idempotent, so try again.
          'Lambda.Unknown',
        ]),
      );
    }
  });

  it('no state catches every error: a step that fails for good fails the execution at that step, where a redrive continues it', () => {
    const catchAll = Object.entries(states)
      .filter(([, s]) =>
        s.Catch?.some((c) => c.ErrorEquals.includes('States.ALL') || c.ErrorEquals.includes('States.TaskFailed')),
      )
      .map(([name]) => name);

    expect(catchAll).toEqual([]);
    expect(Object.values(states).some((s) => s.Type === 'Fail')).toBe(false);
  });

  it('every state whose function sends messages lets a round stopped before its timeout finish (DeliveryIncomplete); no other state', () => {
    const sends = (state: State) => {
      const key = /\$\{(\w+)FunctionArn\}/.exec(JSON.stringify(state.Parameters))?.[1] as WorkflowFunction;
      const needs = FUNCTION_NEEDS[WORKFLOW_FUNCTIONS[key]];
      return Boolean(needs.email || needs.sms);
    };
    const retries = (state: State) => state.Retry?.find((r) => r.ErrorEquals.includes('DeliveryIncomplete'));

    const wrong = tasks.filter(([, state]) => Boolean(retries(state)) !== sends(state)).map(([name]) => name);

    expect(wrong).toEqual([]);
    expect(tasks.filter(([, s]) => sends(s)).every(([, s]) => retries(s)!.MaxAttempts! >= 30)).toBe(true);
  });

  it('state names are PascalCase without spaces', () => {
    for (const name of Object.keys(states)) expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it('JSONPath only: no JSONata or variables, which the local engine would silently ignore', () => {
    expect(text).not.toMatch(/"QueryLanguage"|"Assign"|\{%/);
  });
});
