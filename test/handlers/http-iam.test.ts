import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context';
import { fastConfigWith, useSandbox } from '../support/sandbox';

const IRENE = 'arn:aws:sts::123456789012:assumed-role/IncidentManagers/irene';
const OPERATOR = 'arn:aws:sts::123456789012:assumed-role/MimOperations/automation';
const { driver, sandbox } = useSandbox(
  fastConfigWith('http-iam', {
    people: { irene: { principals: ['arn:aws:sts::123456789012:assumed-role/IncidentManagers/irene'] } },
    aws: { operators: ['arn:aws:sts::123456789012:assumed-role/MimOperations/*'] },
  }),
);

type Handler = (e: unknown, c: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
const call = async (method: string, path: string, body: unknown, userArn: string) => {
  const { handler } = (await import('../../functions/http-api/handler')) as { handler: Handler };
  const response = await handler(signedCall(method, path, body, userArn), lambdaContext('mim-http-api'));
  return { status: response.statusCode, body: JSON.parse(response.body!) as Record<string, unknown> };
};
const declaration = (by: string, key: string) => ({
  service: 'payments',
  title: 'Card payments failing',
  by,
  idempotencyKey: key,
});

/** The event API Gateway sends for a SigV4-signed call on an IAM-authorised route. */
function signedCall(method: string, path: string, body: unknown, userArn: string): APIGatewayProxyEventV2 {
  const now = sandbox().clock.now();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'user-agent': 'mim-cli/0.1' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'mim-cli/0.1' },
      requestId: 'r-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { iam: { userArn, accessKey: 'AKIA', accountId: '123456789012' } },
    } as APIGatewayProxyEventV2['requestContext'],
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

describe('HTTP API on AWS: IAM-authorised management routes', () => {
  it('the AWS identity that signed a declaration is kept on the timeline beside the person it names', async () => {
    const response = await call('POST', '/incidents', declaration('irene', 'iam-test-1'), IRENE);

    expect(response.status).toBe(201);
    const declared = (await driver().incident(response.body.incidentId as string)).timeline.find((e) => e.kind === 'declared');
    expect(declared).toMatchObject({ actor: 'irene', channel: 'cli', detail: { principal: IRENE } });
  });

  it('a signer may not act as someone else: the refusal says whose principal it is, and nothing is done', async () => {
    const before = (await driver().api<{ incidents: unknown[] }>('GET', '/incidents?status=all')).body.incidents.length;

    const declared = await call('POST', '/incidents', declaration('henry', 'iam-test-2'), IRENE);
    const redriven = await call('POST', '/incidents/INC-20261127-4F2A9C/redrive', { by: 'henry' }, IRENE);

    expect(declared).toEqual({
      status: 403,
      body: {
        error: 'NotAllowed',
        message: `you sign as ${IRENE}, which is irene's: act as irene, or ask an operator (aws.operators in the config) to act for henry`,
      },
    });
    expect(redriven.status).toBe(403);
    expect((await driver().api<{ incidents: unknown[] }>('GET', '/incidents?status=all')).body.incidents).toHaveLength(before);
  });

  it("a principal that no person's principals name may act as nobody", async () => {
    const stranger = 'arn:aws:iam::123456789012:user/contractor';

    const answer = await call('POST', '/incidents', declaration('irene', 'iam-test-3'), stranger);

    expect(answer.status).toBe(403);
    expect(answer.body.message).toBe(
      `you sign as ${stranger}, which no person's "principals" in the config names: add it to yours if it is yours, or ask an operator (aws.operators in the config)`,
    );
  });

  it('an operator may act for anyone, and the timeline records both the person and the principal', async () => {
    const opened = await call('POST', '/incidents', declaration('henry', 'iam-test-4'), OPERATOR);

    expect(opened.status).toBe(201);
    const declared = (await driver().incident(opened.body.incidentId as string)).timeline.find((e) => e.kind === 'declared');
    expect(declared).toMatchObject({ actor: 'henry', detail: { principal: OPERATOR } });
  });

  it("a signer that is nobody's and no operator reads nothing either", async () => {
    const answer = await call('GET', '/incidents', undefined, 'arn:aws:iam::123456789012:user/contractor');

    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('NotAllowed');
  });

  it('a management route reached on AWS without an IAM signer (a route that lost its authorizer) is refused', async () => {
    const { handler } = (await import('../../functions/http-api/handler')) as { handler: Handler };
    const event = signedCall('POST', '/incidents', declaration('henry', 'iam-test-5'), IRENE);
    delete (event.requestContext as { authorizer?: unknown }).authorizer;

    const response = await handler(event, lambdaContext('mim-http-api'));

    expect(response.statusCode).toBe(403);
    expect(response.body).toMatch(/not signed/);
  });
});
