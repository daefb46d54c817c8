import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { lambda } from '../adapters/lambda';
import { handleHttp } from './routes';
import { appContext } from '../services/app';

const app = appContext();

/** Management routes are IAM-authorised: API Gateway then says who signed; action links carry no authorizer. */
type HttpEvent = APIGatewayProxyEventV2 & { requestContext: { authorizer?: { iam?: { userArn?: string } } } };

export const handler = lambda(async (event: HttpEvent): Promise<APIGatewayProxyStructuredResultV2> => {
  const body = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  return handleHttp(app, {
    method: event.requestContext.http.method,
    path: event.rawPath,
    headers: event.headers ?? {},
    query: event.queryStringParameters ?? {},
    body,
    ...(event.requestContext.authorizer?.iam?.userArn ? { principal: event.requestContext.authorizer.iam.userArn } : {}),
  });
});
