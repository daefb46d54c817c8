import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { type HttpEvent, httpRouter } from './router';

const serve = handle(httpRouter(appContext()));

/**
 * API Gateway's HTTP API event (payload 2.0), routed by the one router. hono declares the same
 * payload in types of its own; for this payload it answers with single-valued headers and the
 * cookies apart, as API Gateway takes them.
 */
export const handler = lambda(async (event: HttpEvent, context): Promise<APIGatewayProxyStructuredResultV2> => {
  const result = await serve(event as unknown as Parameters<typeof serve>[0], context);
  const headers = 'headers' in result ? (result.headers ?? {}) : {};
  return {
    statusCode: result.statusCode,
    body: result.body,
    isBase64Encoded: result.isBase64Encoded,
    ...(result.cookies?.length ? { cookies: result.cookies } : {}),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
  };
});
