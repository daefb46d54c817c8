/*
 * The HTTP API's routes, read by the handler to route a request and by the stack to create the
 * routes, their authorisation and their throttles: the two cannot disagree.
 */
export type RouteAccess =
  /** An action link: the random id in the path is the capability; no sign-in. */
  | 'link'
  /** Open, and reveals nothing. */
  | 'open'
  /** Management: signed with IAM credentials on AWS (the mim CLI); loopback only in the sandbox. */
  | 'management';

export interface ApiRoute {
  /** As API Gateway writes a route's path: {id} is one segment. */
  path: string;
  methods: readonly ('GET' | 'HEAD' | 'POST')[];
  access: RouteAccess;
}

export const API_ROUTES = [
  { path: '/a/{id}', methods: ['GET', 'HEAD', 'POST'], access: 'link' },
  { path: '/health', methods: ['GET'], access: 'open' },
  { path: '/incidents', methods: ['GET', 'POST'], access: 'management' },
  { path: '/incidents/{id}', methods: ['GET'], access: 'management' },
  { path: '/incidents/{id}/actions', methods: ['POST'], access: 'management' },
  { path: '/incidents/{id}/redrive', methods: ['POST'], access: 'management' },
  { path: '/alarms', methods: ['GET'], access: 'management' },
  { path: '/quarantine', methods: ['GET'], access: 'management' },
  { path: '/reports', methods: ['GET'], access: 'management' },
  { path: '/actions', methods: ['GET'], access: 'management' },
] as const satisfies readonly ApiRoute[];

const MATCHERS = API_ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{id\}/g, '([^/]+)')}$`),
}));

/** A request's path as routed: a trailing slash is not part of it. */
export const routePath = (path: string) => path.replace(/\/+$/, '') || '/';

/** The route a request's path is for, and the {id} in it; undefined when no route has that path. */
export function routeOf(path: string): { route: (typeof API_ROUTES)[number]; id?: string } | undefined {
  for (const { route, pattern } of MATCHERS) {
    const match = pattern.exec(routePath(path));
    if (match) return { route, ...(match[1] === undefined ? {} : { id: match[1] }) };
  }
  return undefined;
}
