import { rolesOf } from '../core/access';
import { boardPage, choosePasswordPage, signInPage, type Viewer } from '../core/console-pages';
import { messagePage } from '../core/pages';
import type { Identity, Session } from '../adapters/identity';
import type { App } from '../services/app';
import { crossSite, html, type HttpRequest, type HttpResponse } from './http';
import type { RouteCall } from './routes';

/*
 * The console's routes: the sign-in against the user pool, and the pages of a signed-in person.
 * The session is the pool's ID token in an HttpOnly, SameSite=Strict cookie (Secure over https),
 * renewed with its refresh token while the sign-in lasts (`console.session`); each request checks
 * it again, and a page shows only what the person's roles allow.
 */

const ID_COOKIE = 'mim_id';
const REFRESH_COOKIE = 'mim_refresh';

function cookiesOf(req: HttpRequest): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(/;\s*/)) {
    const at = part.indexOf('=');
    if (at > 0) jar[part.slice(0, at)] = part.slice(at + 1);
  }
  return jar;
}

function cookie(app: App, name: string, value: string, maxAgeSeconds: number): string {
  const secure = app.publicUrl?.startsWith('https://') ? '; Secure' : '';
  return `${name}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function sessionCookies(app: App, session: Session): string[] {
  const lasts = app.config.console.session;
  return [
    cookie(app, ID_COOKIE, session.idToken, lasts),
    ...(session.refreshToken ? [cookie(app, REFRESH_COOKIE, session.refreshToken, lasts)] : []),
  ];
}

const cleared = (app: App) => [cookie(app, ID_COOKIE, '', 0), cookie(app, REFRESH_COOKIE, '', 0)];

const redirect = (location: string, cookies?: string[]): HttpResponse => ({
  statusCode: 303,
  headers: { location, 'cache-control': 'no-store' },
  body: '',
  ...(cookies ? { cookies } : {}),
});

/** Who is signed in, by the session's cookies: its ID token, or a new one from its refresh token. */
async function signedIn(
  app: App,
  identity: Identity,
  req: HttpRequest,
): Promise<{ viewer: Viewer & { id: string }; cookies?: string[] } | undefined> {
  const jar = cookiesOf(req);
  let who = jar[ID_COOKIE] ? await identity.verify(jar[ID_COOKIE]) : undefined;
  let cookies: string[] | undefined;
  if (!who && jar[REFRESH_COOKIE]) {
    const renewed = await identity.renew(jar[REFRESH_COOKIE]);
    who = renewed && (await identity.verify(renewed.idToken));
    if (renewed && who) cookies = sessionCookies(app, { ...renewed, refreshToken: jar[REFRESH_COOKIE] });
  }
  const person = who && app.config.people[who.personId];
  if (!who || !person) return undefined;
  return {
    viewer: {
      id: who.personId,
      name: person.name,
      roles: rolesOf(app.config, who.personId),
      zone: person.timeZone ?? app.config.timeZone,
    },
    ...(cookies ? { cookies } : {}),
  };
}

const unavailable = () =>
  html(
    503,
    messagePage(
      'The console is not set up',
      'This stage has no user pool for the console to sign people in with: see the README.',
    ),
  );

const SIGN_IN_HELP = 'Your user name is your person id in the organisation config (such as alice). Forgotten it? Ask operations.';

async function signIn(app: App, identity: Identity, req: HttpRequest): Promise<HttpResponse> {
  if (req.method !== 'POST') return html(200, signInPage({ help: SIGN_IN_HELP }));
  if (crossSite(req))
    return html(403, messagePage('Refused', 'The form was sent from another site. Open the console and sign in there.'));
  const form = new URLSearchParams(req.body);
  const username = (form.get('username') ?? '').trim().slice(0, 128);
  const state = form.get('state');
  const result = state
    ? await identity.choosePassword(username, state, form.get('newPassword') ?? '')
    : await identity.signIn(username, form.get('password') ?? '');
  if ('session' in result) return redirect('/console', sessionCookies(app, result.session));
  if ('challenge' in result) return html(200, choosePasswordPage({ username, state: result.state }));
  const page = state
    ? choosePasswordPage({ username, state, error: result.refused })
    : signInPage({ error: result.refused, username, help: SIGN_IN_HELP });
  return html(400, page);
}

async function signOut(app: App, identity: Identity, req: HttpRequest): Promise<HttpResponse> {
  if (crossSite(req)) return html(403, messagePage('Refused', 'Sign out from the console itself.'));
  const refresh = cookiesOf(req)[REFRESH_COOKIE];
  if (refresh) await identity.signOut(refresh);
  return redirect('/console/sign-in', cleared(app));
}

async function board(app: App, identity: Identity, { req, now }: RouteCall): Promise<HttpResponse> {
  const session = await signedIn(app, identity, req);
  if (!session) return redirect('/console/sign-in');
  const incidents = await app.store.listIncidents('OPEN');
  return { ...html(200, boardPage(session.viewer, incidents, now)), ...(session.cookies ? { cookies: session.cookies } : {}) };
}

/** The console's routes, by method and path; each answers 503 where the stage has no user pool. */
const withIdentity =
  (route: (app: App, identity: Identity, call: RouteCall) => Promise<HttpResponse>) =>
  async (app: App, call: RouteCall): Promise<HttpResponse> =>
    app.identity ? route(app, app.identity, call) : unavailable();

export const CONSOLE_ROUTES = {
  'GET /console': withIdentity(board),
  'GET /console/sign-in': withIdentity((app, identity, { req }) => signIn(app, identity, req)),
  'POST /console/sign-in': withIdentity((app, identity, { req }) => signIn(app, identity, req)),
  'POST /console/sign-out': withIdentity((app, identity, { req }) => signOut(app, identity, req)),
} as const;
