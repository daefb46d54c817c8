import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { lambda } from '../adapters/lambda';
import { appContext } from '../services/app';
import { problem } from './http';
import { routeOf } from './route-table';
import { handleHttp } from './routes';

const app = appContext();

/** Management routes are IAM-authorised: API Gateway then says who signed; action links carry no authorizer. */
type HttpEvent = APIGatewayProxyEventV2 & { requestContext: { authorizer?: { iam?: { userArn?: string } } } };

export const handler = lambda(async (event: HttpEvent): Promise<APIGatewayProxyStructuredResultV2> => {
  const principal = event.requestContext.authorizer?.iam?.userArn;
  // On AWS each route has its own key; only the sandbox's API sends everything by "$default", and it
  // listens on loopback alone. A management route reached on AWS with no signer has lost its IAM
  // authorisation: nobody may act through it, as anyone.
  if (event.routeKey !== '$default' && !principal && routeOf(event.rawPath)?.route.access === 'management') {
    return problem(403, 'NotAllowed', 'this management call is not signed: the route must be IAM-authorised (see the README)');
  }
  const body = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  return handleHttp(app, {
    method: event.requestContext.http.method,
    path: event.rawPath,
    headers: event.headers ?? {},
    query: event.queryStringParameters ?? {},
    body,
    ...(principal ? { principal } : {}),
  });
});
