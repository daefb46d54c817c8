import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clock } from '../../functions/adapters/clock';
import { routeOf } from '../../functions/http-api/route-table';
import { crashPoint } from './crash';
import { BodyTooLarge, readBody } from './http-util';
import { lambdaContext, type LambdaHandler } from './lambda-context';

/** An HTTP API's payload quota: 10 MB (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). */
const HTTP_API_MAX_PAYLOAD = 10 * 1024 * 1024;

/** Turns a loopback HTTP request into the API Gateway (HTTP API, payload 2.0) event the handler gets on AWS. */
export function apiGatewayAdapter(handler: () => LambdaHandler | Promise<LambdaHandler>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The path as sent: a base URL would read "//other/incidents" as a host and a path.
    const url = new URL(`http://local${req.url ?? '/'}`);
    let body: string;
    try {
      body = await readBody(req, HTTP_API_MAX_PAYLOAD);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      // What API Gateway answers, before any function runs; the rest of the upload is not read.
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
      return;
    }
    // Payload 2.0 gives the request's cookies apart, in `cookies`, and not among the headers.
    const { cookie, ...headers } = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
    );
    const cookies = cookie ? cookie.split(/;\s*/).filter(Boolean) : undefined;
    const now = clock.now();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(cookies ? { cookies } : {}),
      queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method: req.method ?? 'GET',
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: '$default',
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      body: body || undefined,
      isBase64Encoded: false,
    };
    const result = (await (await handler())(event, lambdaContext('mim-http-api'))) as APIGatewayProxyStructuredResultV2;
    const route = routeOf(url.pathname)?.path;
    if (route) crashPoint('answered', `${req.method} ${route}`);
    // Each of the answer's cookies becomes a Set-Cookie header, as API Gateway writes them.
    const answered: Record<string, string | string[]> = { ...((result.headers ?? {}) as Record<string, string>) };
    if (result.cookies?.length) answered['set-cookie'] = result.cookies;
    res.writeHead(result.statusCode ?? 200, answered);
    const answer = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
    res.end(req.method === 'HEAD' ? undefined : answer);
  };
}
