import type { WorkflowStop } from './incident';

/** The execution statuses of a workflow that stopped before its end: the ones recorded and alerted on. */
export const STOPPED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const satisfies readonly WorkflowStop['status'][];

/**
 * The execution statuses record-failure is told of: a stop, and running (a start or a redrive), which
 * ends a stop however the workflow was restarted.
 */
export const WATCHED_STATUSES = ['RUNNING', ...STOPPED_STATUSES] as const;

/** How much of a failure's text the timeline and the messages carry: enough to act on, never a stack dump. */
export const STOP_REASON_CAP = 500;

/**
 * What stopped a workflow, as a person reads it. On AWS, when a Lambda function throws, Step Functions
 * reports the error's type as `error` and Lambda's error JSON ({"errorType", "errorMessage",
 * "stackTrace"...}) as `cause`; the message is what matters, the stack trace is for the logs.
 */
export function describeStop(status: WorkflowStop['status'], error?: string | null, cause?: string | null): string {
  const what =
    status === 'ABORTED' ? 'it was stopped (StopExecution)' : status === 'TIMED_OUT' ? 'it timed out' : 'a step failed';
  const detail = errorText(error ?? undefined, cause ?? undefined);
  const text = detail ? `${what}: ${detail}` : what;
  return text.length > STOP_REASON_CAP ? `${text.slice(0, STOP_REASON_CAP - 1)}…` : text;
}

function errorText(error: string | undefined, cause: string | undefined): string {
  const lambda = lambdaError(cause);
  if (lambda) return `${lambda.errorType ?? error ?? 'Error'}: ${lambda.errorMessage}`;
  return [error, cause].filter((part) => part && part.trim()).join(': ');
}

function lambdaError(cause: string | undefined): { errorType?: string; errorMessage: string } | undefined {
  if (!cause?.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorMessage !== 'string') return undefined;
    return {
      errorMessage: parsed.errorMessage,
      ...(typeof parsed.errorType === 'string' ? { errorType: parsed.errorType } : {}),
    };
  } catch {
    return undefined;
  }
}
