import { rolesOf } from '../../core/access';
import { authenticatorPage, choosePasswordPage, codePage, signInPage } from '../../core/console-pages';
import { messagePage } from '../../core/pages';
import type { Identity, Session, SignInResult } from '../../adapters/identity';
import type { App } from '../../services/app';
import { crossSite, html, type HttpRequest, type HttpResponse } from '../http';
import { clearedSession, cookie, cookiesOf, REFRESH_COOKIE, redirect, safeNext, sessionCookies } from './session';

/*
 * Signing in: a password, then what the pool asks (a new password at the first sign-in, a code from
 * an authenticator app), or the app's setup for a role that signs in with one. What a sign-in is at
 * (whose it is, the pool's state for the next step, where to go after) is kept in an HttpOnly cookie
 * of the sign-in form's own, never in the page: a step is answered only by the browser that began it.
 */

const FLOW_COOKIE = 'mim_signin';
const FLOW_PATH = '/console/sign-in';
/** Long enough to read a code off a phone, or to set an app up. */
const FLOW_SECONDS = 600;

interface Flow {
  username: string;
  next: string;
  /** The pool's state for the challenge it asked. */
  challenge?: { name: 'NEW_PASSWORD_REQUIRED' | 'SOFTWARE_TOKEN_MFA'; state: string };
  /** An authenticator being set up: the person's access token and the app's secret. */
  setup?: { accessToken: string; secret: string };
}

const flowCookie = (app: App, flow: Flow | undefined) =>
  cookie(
    app,
    FLOW_COOKIE,
    flow ? Buffer.from(JSON.stringify(flow)).toString('base64url') : '',
    flow ? FLOW_SECONDS : 0,
    FLOW_PATH,
  );

function flowOf(req: HttpRequest): Flow | undefined {
  const value = cookiesOf(req)[FLOW_COOKIE];
  if (!value) return undefined;
  try {
    const flow = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Flow>;
    return typeof flow.username === 'string' && typeof flow.next === 'string' ? (flow as Flow) : undefined;
  } catch {
    return undefined;
  }
}

const HELP = 'Your user name is your person id in the organisation config (such as alice). Forgotten it? Ask operations.';
const EXPIRED = 'This sign-in has expired (or was begun in another browser): sign in again from the start';

const withCookies = (answer: HttpResponse, cookies: string[]): HttpResponse => ({
  ...answer,
  cookies: [...(answer.cookies ?? []), ...cookies],
});

const authenticatorUri = (app: App, personId: string, secret: string) => {
  const issuer = encodeURIComponent(`${app.config.organisation} major incidents`);
  return `otpauth://totp/${issuer}:${encodeURIComponent(personId)}?secret=${secret}&issuer=${issuer}`;
};

/**
 * A sign-in that got its tokens: the session, unless the person's role signs in with a second
 * factor they have not set up yet (the pool asked for no code): then the app's setup, the tokens
 * held back until they sign in again with a code.
 */
async function finish(app: App, identity: Identity, session: Session, flow: Flow, withCode: boolean): Promise<HttpResponse> {
  const who = await identity.verify(session.idToken);
  if (!who) throw new Error('the user pool gave an ID token that does not verify');
  if (!app.config.people[who.personId]) {
    return html(
      403,
      signInPage({ error: `${who.personId} is not a person of the organisation config: ask operations to add you`, help: HELP }),
    );
  }
  const needsCode = rolesOf(app.config, who.personId).some((role) => app.mfaRoles.includes(role));
  if (withCode || !needsCode) return redirect(safeNext(flow.next), [...sessionCookies(app, session), flowCookie(app, undefined)]);
  if (!session.accessToken) throw new Error('the user pool gave no access token to set up an authenticator with');
  const secret = await identity.startAuthenticator(session.accessToken);
  const setup = { ...flow, username: who.personId, setup: { accessToken: session.accessToken, secret } };
  return withCookies(html(200, authenticatorPage({ secret, uri: authenticatorUri(app, who.personId, secret) })), [
    flowCookie(app, setup),
  ]);
}

/** What the pool answered to a step: the session, the next challenge's page, or the step's page again with why. */
async function answered(
  app: App,
  identity: Identity,
  flow: Flow,
  result: SignInResult,
  again: (error: string) => string,
  withCode = false,
) {
  if ('session' in result) return finish(app, identity, result.session, flow, withCode);
  if ('challenge' in result) {
    const next = { ...flow, challenge: { name: result.challenge, state: result.state } };
    const page = result.challenge === 'SOFTWARE_TOKEN_MFA' ? codePage({}) : choosePasswordPage({});
    return withCookies(html(200, page), [flowCookie(app, next)]);
  }
  return html(400, again(result.refused));
}

export async function signIn(app: App, identity: Identity, req: HttpRequest): Promise<HttpResponse> {
  if (req.method !== 'POST') return html(200, signInPage({ help: HELP, next: safeNext(req.query.next) }));
  if (crossSite(req))
    return html(403, messagePage('Refused', 'The form was sent from another site. Open the console and sign in there.'));
  const form = new URLSearchParams(req.body);
  const step = form.get('step');
  const code = (form.get('code') ?? '').trim().slice(0, 12);
  if (!step) {
    const username = (form.get('username') ?? '').trim().slice(0, 128);
    const flow: Flow = { username, next: safeNext(form.get('next')) };
    const result = await identity.signIn(username, (form.get('password') ?? '').slice(0, 256));
    return answered(app, identity, flow, result, (error) => signInPage({ error, username, help: HELP, next: flow.next }));
  }
  const flow = flowOf(req);
  const expired = () => withCookies(html(400, signInPage({ error: EXPIRED, help: HELP })), [flowCookie(app, undefined)]);
  if (step === 'authenticator') {
    if (!flow?.setup) return expired();
    const refused = await identity.confirmAuthenticator(flow.setup.accessToken, code);
    if (refused) {
      const uri = authenticatorUri(app, flow.username, flow.setup.secret);
      return html(400, authenticatorPage({ secret: flow.setup.secret, uri, error: refused.refused }));
    }
    const notice = 'Your authenticator is set up. Sign in again: your password, then a code from the app.';
    return withCookies(html(200, signInPage({ notice, username: flow.username, help: HELP, next: flow.next })), [
      flowCookie(app, undefined),
    ]);
  }
  if (step === 'code' && flow?.challenge?.name === 'SOFTWARE_TOKEN_MFA') {
    const result = await identity.answerCode(flow.username, flow.challenge.state, code);
    return answered(app, identity, flow, result, (error) => codePage({ error }), true);
  }
  if (step === 'new-password' && flow?.challenge?.name === 'NEW_PASSWORD_REQUIRED') {
    const result = await identity.choosePassword(
      flow.username,
      flow.challenge.state,
      (form.get('newPassword') ?? '').slice(0, 256),
    );
    return answered(app, identity, flow, result, (error) => choosePasswordPage({ error }));
  }
  return expired();
}

/** Signs out: the refresh token is revoked if the pool can be reached, and the cookies go whatever happens. */
export async function signOut(app: App, identity: Identity, req: HttpRequest): Promise<HttpResponse> {
  if (crossSite(req)) return html(403, messagePage('Refused', 'Sign out from the console itself.'));
  const refresh = cookiesOf(req)[REFRESH_COOKIE];
  let revoked = true;
  if (refresh)
    revoked = await identity.signOut(refresh).then(
      () => true,
      () => false,
    );
  const cookies = [...clearedSession(app), flowCookie(app, undefined)];
  if (revoked) return redirect('/console/sign-in', cookies);
  return withCookies(
    html(
      200,
      signInPage({
        notice:
          'You are signed out of this browser. The user pool could not be reached to end the sign-in everywhere; it ends by itself when the session would have.',
        help: HELP,
      }),
    ),
    cookies,
  );
}
