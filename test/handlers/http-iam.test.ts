import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../infra/local/lambda-context';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

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
    const { handler } = (await import('../../functions/http-api/handler')) as {
      handler: (e: unknown, c: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const userArn = 'arn:aws:sts::123456789012:assumed-role/IncidentManagers/irene';

    const response = await handler(
      signedCall(
        'POST',
        '/incidents',
        { service: 'payments', title: 'Card payments failing', by: 'irene', idempotencyKey: 'iam-test-1' },
        userArn,
      ),
      lambdaContext('mim-http-api'),
    );

    expect(response.statusCode).toBe(201);
    const { incidentId } = JSON.parse(response.body!) as { incidentId: string };
    const declared = (await driver().incident(incidentId)).timeline.find((e) => e.kind === 'declared');
    expect(declared).toMatchObject({ actor: 'irene', channel: 'cli', detail: { principal: userArn } });
  });
});
