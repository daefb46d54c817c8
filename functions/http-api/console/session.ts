import escapeHtml from 'escape-html';
import { rolesOf } from '../../core/access';
import type { Viewer } from '../../core/console-pages';
import { consolePage } from '../../core/console-pages';
import type { Identity, Session } from '../../adapters/identity';
import type { App } from '../../services/app';
import { consoleHtml, html, type HttpRequest, type HttpResponse } from '../http';
import { messagePage } from '../../core/pages';
import type { RouteCall } from '../routes';
import { keyHash } from '../../core/ids';
import type { ConsoleRole } from '../../core/config';

/*
 * The console's session: the pool's ID token in an HttpOnly, SameSite=Strict cookie (Secure over
 * https), renewed with its refresh token while the sign-in lasts (`console.session`); each request
 * checks it again. A page is for a person of the config with a console role.
 */

const ID_COOKIE = 'mim_id';
export const REFRESH_COOKIE = 'mim_refresh';
/** What a form did, said once on the page it leads to: a cookie, so that no address can claim it. */
const FLASH_COOKIE = 'mim_flash';

export function cookiesOf(req: HttpRequest): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(/;\s*/)) {
    const at = part.indexOf('=');
    if (at > 0) jar[part.slice(0, at)] = part.slice(at + 1);
  }
  return jar;
}

export function cookie(app: App, name: string, value: string, maxAgeSeconds: number, path = '/console'): string {
  const secure = app.publicUrl?.startsWith('https://') ? '; Secure' : '';
  return `${name}=${value}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function sessionCookies(app: App, session: Session): string[] {
  const lasts = app.config.console.session;
  return [
    cookie(app, ID_COOKIE, session.idToken, lasts),
    ...(session.refreshToken ? [cookie(app, REFRESH_COOKIE, session.refreshToken, lasts)] : []),
  ];
}

export const clearedSession = (app: App) => [cookie(app, ID_COOKIE, '', 0), cookie(app, REFRESH_COOKIE, '', 0)];

/** A redirect, with the headers every console answer carries (an empty body, but said as the pages are). */
export const redirect = (location: string, cookies?: string[]): HttpResponse => {
  const page = consoleHtml(303, '');
  return { ...page, headers: { ...page.headers, location }, ...(cookies?.length ? { cookies } : {}) };
};

/** A console form posted from another site: refused, saying where to do it instead. */
export const refusedCrossSite = (what: string) =>
  html(403, messagePage('Refused', `The form was sent from another site. ${what} from the console itself.`));

/** A message for the next page: what was done. */
export const flash = (app: App, message: string) =>
  cookie(app, FLASH_COOKIE, Buffer.from(message.slice(0, 300)).toString('base64url'), 60);

function flashOf(req: HttpRequest): string | undefined {
  const value = cookiesOf(req)[FLASH_COOKIE];
  return value ? Buffer.from(value.slice(0, 600), 'base64url').toString('utf8').slice(0, 300) : undefined;
}

export type SignedInViewer = Viewer & { id: string };

type Who = { viewer: SignedInViewer; cookies?: string[] } | { stranger: string } | undefined;

/**
 * Who is signed in, by the session's cookies: a session the console's own sign-in began (kept in the
 * table under its refresh token's hash), whose ID token verifies (or a new one from the refresh token)
 * and names the same person. A role that signs in with a code needs a session signed in with one.
 */
async function signedIn(app: App, identity: Identity, req: HttpRequest, now: Date): Promise<Who> {
  const jar = cookiesOf(req);
  const refresh = jar[REFRESH_COOKIE];
  if (!refresh) return undefined;
  const held = await app.store.consoleSession(keyHash(refresh), now);
  if (!held) return undefined;
  let who = jar[ID_COOKIE] ? await identity.verify(jar[ID_COOKIE]) : undefined;
  let cookies: string[] | undefined;
  if (!who) {
    const renewed = await identity.renew(refresh);
    who = renewed && (await identity.verify(renewed.idToken));
    if (renewed && who) cookies = sessionCookies(app, { ...renewed, refreshToken: refresh });
  }
  if (!who || who.personId !== held.personId) return undefined;
  const person = app.config.people[who.personId];
  if (!person) return { stranger: who.personId };
  const roles = rolesOf(app.config, who.personId);
  if (!held.secondFactor && needsSecondFactor(app, roles)) return undefined;
  const viewer = { id: who.personId, name: person.name, roles, zone: person.timeZone ?? app.config.timeZone };
  return { viewer, ...(cookies ? { cookies } : {}) };
}

/** Whether these roles sign in with an authenticator app's code too. */
export const needsSecondFactor = (app: App, roles: readonly ConsoleRole[]) => roles.some((role) => app.mfaRoles.includes(role));

/** Keeps the session a sign-in has just begun, for as long as the console's sessions last. */
export async function beginSession(app: App, session: Session, personId: string, secondFactor: boolean, now: Date) {
  if (!session.refreshToken) throw new Error('the user pool gave no refresh token to keep a console session with');
  const until = new Date(now.getTime() + app.config.console.session * 1000);
  await app.store.putConsoleSession(keyHash(session.refreshToken), { personId, secondFactor }, until);
  return sessionCookies(app, session);
}

/** Where a person goes back to after signing in: this page, or for a form, the page it was on. */
function returnPath(req: HttpRequest): string {
  const path = req.path.replace(/\/+$/, '');
  // The timeline alone is a fragment the page's script fetches: back to the page it belongs to.
  if (req.method !== 'POST') return path.replace(/\/timeline$/, '');
  return path.endsWith('/redrive') ? '/console/operations' : path.replace(/\/actions$/, '');
}

/** A return path given back to the sign-in: a page of the console, nothing else (no other site, no scheme). */
export const safeNext = (next: string | null | undefined) =>
  next && /^\/console(\/[A-Za-z0-9-]+){0,3}$/.test(next) ? next : '/console';

/** A signed-in person of the config, with a console role: a route's viewer. */
export interface ConsoleCall extends RouteCall {
  viewer: SignedInViewer;
  /** What the last form did, said on this page once. */
  flashed?: string;
}

/**
 * A page for a signed-in person: anyone else goes to sign in (and comes back here after); someone
 * the config does not know, or who holds no console role, is told so. A renewed session's cookies are
 * set as it goes, and the flash is said once.
 */
export const signedInPage =
  (route: (app: App, call: ConsoleCall) => Promise<HttpResponse>) =>
  async (app: App, identity: Identity, call: RouteCall): Promise<HttpResponse> => {
    const who = await signedIn(app, identity, call.req, call.now);
    if (!who) return redirect(`/console/sign-in?next=${encodeURIComponent(returnPath(call.req))}`);
    if ('stranger' in who) {
      return consoleHtml(
        403,
        consolePage(
          'Not in the organisation config',
          `<h1>Not in the organisation config</h1><p>You signed in as ${escapeHtml(who.stranger)}, who is not a person of the organisation config: ask operations to add you.</p><form method="post" action="/console/sign-out"><button type="submit">Sign out</button></form>`,
        ),
      );
    }
    if (who.viewer.roles.length === 0) {
      return consoleHtml(
        403,
        consolePage(
          'No console role',
          `<h1>No console role</h1><p>You have no role in the console yet: ask operations to give you one (console.roles in the organisation config).</p><form method="post" action="/console/sign-out"><button type="submit">Sign out</button></form>`,
        ),
      );
    }
    // Said on the page a form leads to, the next GET: a form posted meanwhile, or the page's own
    // refresh (the console's script says so), leaves it be.
    const flashed = call.req.method === 'GET' && !call.req.headers['x-console-refresh'] ? flashOf(call.req) : undefined;
    const answer = await route(app, { ...call, viewer: who.viewer, ...(flashed ? { flashed } : {}) });
    const cookies = [...(answer.cookies ?? []), ...(who.cookies ?? []), ...(flashed ? [cookie(app, FLASH_COOKIE, '', 0)] : [])];
    return cookies.length ? { ...answer, cookies } : answer;
  };
