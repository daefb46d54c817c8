import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Hono, type Context } from 'hono';
import type { App } from '../services/app';
import { messagePage } from '../core/pages';
import { forPeople, html, problem, type HttpRequest, type HttpResponse } from './http';
import { API_ROUTES, honoPath, type RouteKey } from './route-table';
import { refusedBefore, ROUTE_HANDLERS } from './routes';

/** Management routes are IAM-authorised: API Gateway then says who signed; action links carry no authorizer. */
export type HttpEvent = APIGatewayProxyEventV2 & { requestContext: { authorizer?: { iam?: { userArn?: string } } } };

type Env = { Bindings: { event: HttpEvent } };

/** The request as the routes read it, with the IAM principal API Gateway verified, if any. */
async function requestOf(c: Context<Env>): Promise<HttpRequest> {
  const principal = c.env.event.requestContext.authorizer?.iam?.userArn;
  return {
    method: c.req.method,
    path: c.req.path,
    headers: c.req.header(),
    query: c.req.query(),
    body: await c.req.text(),
    ...(principal ? { principal } : {}),
  };
}

function answer(c: Context<Env>, res: HttpResponse) {
  for (const cookie of res.cookies ?? []) c.header('set-cookie', cookie, { append: true });
  return c.body(res.body, res.statusCode as 200, res.headers);
}

/**
 * The HTTP API's one router: action links for people, JSON management calls for the CLI. Built from
 * the route table the stack creates its routes from, so the two cannot disagree. Errors are not
 * caught here: the function's middleware logs them once and API Gateway answers 500.
 */
export function httpRouter(app: App): Hono<Env> {
  const router = new Hono<Env>({ strict: false });
  for (const route of API_ROUTES) {
    const path = honoPath(route.path);
    for (const method of route.methods) {
      const handler = ROUTE_HANDLERS[`${method} ${route.path}` as RouteKey];
      router.on(method, path, async (c) => {
        // On AWS each route has its own key; only the sandbox's API sends everything by "$default",
        // and it listens on loopback alone. A management route reached on AWS with no signer has lost
        // its IAM authorisation: nobody may act through it, as anyone.
        const event = c.env.event;
        if (route.access === 'management' && event.routeKey !== '$default' && !event.requestContext.authorizer?.iam?.userArn) {
          return answer(
            c,
            problem(403, 'NotAllowed', 'this management call is not signed: the route must be IAM-authorised (see the README)'),
          );
        }
        const call = { req: await requestOf(c), id: c.req.param('id') ?? '', now: app.clock.now() };
        return answer(c, refusedBefore(app, route.access, call) ?? (await handler(app, call)));
      });
    }
    router.all(path, (c) => {
      const said = `${c.req.path} takes ${route.methods.join(', ')}, not ${c.req.method}`;
      const refused = forPeople(c.req.path)
        ? html(405, messagePage('Not here', `${said}.`))
        : problem(405, 'MethodNotAllowed', said);
      return answer(c, { ...refused, headers: { ...refused.headers, allow: route.methods.join(', ') } });
    });
  }
  router.notFound((c) =>
    answer(
      c,
      forPeople(c.req.path)
        ? html(
            404,
            messagePage(
              'No such page',
              'There is no page at this address: start from the console, /console, or the link in your latest email.',
            ),
          )
        : problem(404, 'NotFound', `no route for ${c.req.method} ${c.req.path}; see the README for the API`),
    ),
  );
  router.onError((error) => {
    throw error;
  });
  return router;
}
