import { TrieRouter } from 'hono/router/trie-router';

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
  | 'management'
  /** The console: its pages check the sign-in themselves (a session cookie from the user pool); sign-in is open. */
  | 'console';

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
  { path: '/console', methods: ['GET'], access: 'console' },
  { path: '/console/sign-in', methods: ['GET', 'POST'], access: 'console' },
  { path: '/console/sign-out', methods: ['POST'], access: 'console' },
  { path: '/console/app.js', methods: ['GET'], access: 'console' },
  { path: '/console/declare', methods: ['GET', 'POST'], access: 'console' },
  { path: '/console/operations', methods: ['GET'], access: 'console' },
  { path: '/console/alarms', methods: ['GET'], access: 'console' },
  { path: '/console/incidents/{id}', methods: ['GET'], access: 'console' },
  { path: '/console/incidents/{id}/timeline', methods: ['GET'], access: 'console' },
  { path: '/console/incidents/{id}/actions', methods: ['POST'], access: 'console' },
  { path: '/console/incidents/{id}/redrive', methods: ['POST'], access: 'console' },
] as const satisfies readonly ApiRoute[];

export type ApiRouteOf = (typeof API_ROUTES)[number];

/** A route's method and path, as its handler is keyed: "POST /incidents/{id}/actions". */
export type RouteKey = ApiRouteOf extends infer R
  ? R extends ApiRouteOf
    ? `${R['methods'][number]} ${R['path']}`
    : never
  : never;

/** A route's path as hono writes it: {id} becomes :id. */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

const ROUTER = new TrieRouter<ApiRouteOf>();
for (const route of API_ROUTES) ROUTER.add('ALL', honoPath(route.path), route);

/** The route a request's path is for (the sandbox's crash points name it); undefined when none has that path. */
export function routeOf(path: string): ApiRouteOf | undefined {
  const [matches] = ROUTER.match('GET', path.replace(/\/+$/, '') || '/');
  return matches[0]?.[0];
}
