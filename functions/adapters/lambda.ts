import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { TransientError } from '../core/errors';
import { withInvocation } from './invocation';
import { billedSoFar, invocationEnded, metered, newMeter } from './meter';

export const logger = new Logger({ serviceName: 'major-incident' });

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalServerError',
  'InternalFailure',
]);

/** An SDK error that a later attempt may not meet: the workflow's Retry matches TransientError. */
function isTransient(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  return (
    Boolean(e?.$retryable) ||
    THROTTLING.has(e?.name ?? '') ||
    (e?.$metadata?.httpStatusCode ?? 0) >= 500 ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(e?.code ?? '')
  );
}

/**
 * The one middleware stack every handler is wrapped in: structured logs with the Lambda context,
 * and errors logged once and named for the state machine's Retry/Catch.
 */
export function lambda<TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy<TEvent, TResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        const error = request.error;
        logger.error('invocation failed', error as Error);
        if (error && !(error instanceof TransientError) && isTransient(error)) {
          request.error = new TransientError(`${error.name}: ${error.message}`, { cause: error });
        }
      },
    })
    .handler(async (event, context) => {
      const meter = newMeter(Number(context.memoryLimitInMB) || 0);
      try {
        return await metered(meter, () => withInvocation(context, () => handler(event, context)));
      } finally {
        await invocationEnded({ event, billedMs: billedSoFar(meter), meter }).catch((error: unknown) =>
          logger.warn('could not record what the invocation used', error as Error),
        );
      }
    });
}
