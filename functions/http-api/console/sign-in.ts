import { rolesOf } from '../../core/access';
import { authenticatorPage, choosePasswordPage, codePage, signInPage } from '../../core/console-pages';
import type { Identity, Session, SignInResult } from '../../adapters/identity';
import type { App } from '../../services/app';
import { crossSite, html, type HttpRequest, type HttpResponse } from '../http';
import {
  clearedSession,
  cookie,
  cookiesOf,
  REFRESH_COOKIE,
  redirect,
  refusedCrossSite,
  safeNext,
  beginSession,
  needsSecondFactor,
} from './session';
import { randomBytes } from 'node:crypto';
import { keyHash } from '../../core/ids';

/*
 * Signing in: a password, then what the pool asks (a new password at the first sign-in, a code from
 * an authenticator app), or the app's setup for a role that signs in with one. What a sign-in is at
 * (whose it is, the pool's state for the next step, where to go after) is kept in the table under a
 * random id that only the browser that began it holds (an HttpOnly cookie of the sign-in form's own,
 * a new id at each step): a step is answered only by that browser, which can neither read nor alter it.
 */

const FLOW_COOKIE = 'mim_signin';
const FLOW_PATH = '/console/sign-in';
/** Long enough to read a code off a phone, or to set an app up. */
const FLOW_SECONDS = 600;
/** Wrong answers a step takes before the sign-in must begin again: a code cannot be guessed at leisure. */
const WRONG_ANSWERS = 5;

interface Flow {
  username: string;
  next: string;
  /** The pool's state for the challenge it asked. */
  challenge?: { name: 'NEW_PASSWORD_REQUIRED' | 'SOFTWARE_TOKEN_MFA'; state: string };
  /** An authenticator being set up: the person's access token and the app's secret. */
  setup?: { accessToken: string; secret: string };
  /** When this step ends (ISO): set when the step is reached, kept through wrong answers to it. */
  expires?: string;
  /** Wrong answers to this step so far. */
  wrong?: number;
}

const endFlow = (app: App) => cookie(app, FLOW_COOKIE, '', 0, FLOW_PATH);

/**
 * Keeps a step of a sign-in under a new id: its cookie, for the browser to send with the step's
 * answer. A step just reached has ten minutes; one answered wrongly keeps what it had left.
 */
async function keepFlow(app: App, flow: Flow, now: Date): Promise<string> {
  const id = randomBytes(24).toString('base64url');
  const until = flow.expires ? new Date(flow.expires) : new Date(now.getTime() + FLOW_SECONDS * 1000);
  await app.store.putSignInStep(keyHash(id), { ...flow, expires: until.toISOString() }, until);
  return cookie(app, FLOW_COOKIE, id, Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)), FLOW_PATH);
}

/** The same step again after a wrong answer, or undefined once it has had too many. */
function answeredWrongly(flow: Flow): Flow | undefined {
  const wrong = (flow.wrong ?? 0) + 1;
  return wrong >= WRONG_ANSWERS ? undefined : { ...flow, wrong };
}
const TOO_MANY = 'Too many wrong answers: sign in again from the start';

/** The step this browser's sign-in is at, once: the id is spent whatever the answer (a step kept again gets a new one). */
async function takeFlow(app: App, req: HttpRequest, now: Date): Promise<Flow | undefined> {
  const id = cookiesOf(req)[FLOW_COOKIE];
  if (!id || !/^[A-Za-z0-9_-]{32}$/.test(id)) return undefined;
  const step = await app.store.takeSignInStep(keyHash(id), now);
  if (!step) return undefined;
  return typeof step.username === 'string' && typeof step.next === 'string' ? (step as unknown as Flow) : undefined;
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
async function finish(
  app: App,
  identity: Identity,
  session: Session,
  flow: Flow,
  withCode: boolean,
  now: Date,
): Promise<HttpResponse> {
  const who = await identity.verify(session.idToken);
  if (!who) throw new Error('the user pool gave an ID token that does not verify');
  if (!app.config.people[who.personId]) {
    return html(
      403,
      signInPage({ error: `${who.personId} is not a person of the organisation config: ask operations to add you`, help: HELP }),
    );
  }
  const needsCode = needsSecondFactor(app, rolesOf(app.config, who.personId));
  if (withCode || !needsCode) {
    return redirect(safeNext(flow.next), [...(await beginSession(app, session, who.personId, withCode, now)), endFlow(app)]);
  }
  if (!session.accessToken) throw new Error('the user pool gave no access token to set up an authenticator with');
  const secret = await identity.startAuthenticator(session.accessToken);
  const setup: Flow = { ...flow, username: who.personId, setup: { accessToken: session.accessToken, secret }, wrong: 0 };
  delete setup.expires;
  return withCookies(html(200, authenticatorPage({ secret, uri: authenticatorUri(app, who.personId, secret) })), [
    await keepFlow(app, setup, now),
  ]);
}

/** What the pool answered to a step: the session, the next challenge's page, or the step's page again with why. */
async function answered(
  app: App,
  identity: Identity,
  flow: Flow,
  result: SignInResult,
  again: (error: string) => string,
  now: Date,
  withCode = false,
): Promise<HttpResponse> {
  if ('session' in result) return finish(app, identity, result.session, flow, withCode, now);
  if ('challenge' in result) {
    const next: Flow = { ...flow, challenge: { name: result.challenge, state: result.state }, wrong: 0 };
    delete next.expires;
    const page = result.challenge === 'SOFTWARE_TOKEN_MFA' ? codePage({}) : choosePasswordPage({});
    return withCookies(html(200, page), [await keepFlow(app, next, now)]);
  }
  // Refused: a step after the password stays where it was, under a new id, to be answered again (a
  // mistyped code), within the time it had and a few tries.
  if (!flow.challenge) return html(400, again(result.refused));
  const retry = answeredWrongly(flow);
  if (!retry) return tooMany(app);
  return withCookies(html(400, again(result.refused)), [await keepFlow(app, retry, now)]);
}

const tooMany = (app: App) => withCookies(html(400, signInPage({ error: TOO_MANY, help: HELP })), [endFlow(app)]);

export async function signIn(app: App, identity: Identity, req: HttpRequest, now: Date): Promise<HttpResponse> {
  if (req.method !== 'POST') return html(200, signInPage({ help: HELP, next: safeNext(req.query.next) }));
  if (crossSite(req)) return refusedCrossSite('Sign in');
  const form = new URLSearchParams(req.body);
  const step = form.get('step');
  const code = (form.get('code') ?? '').trim().slice(0, 12);
  if (!step) {
    const username = (form.get('username') ?? '').trim().slice(0, 128);
    const flow: Flow = { username, next: safeNext(form.get('next')) };
    const result = await identity.signIn(username, (form.get('password') ?? '').slice(0, 256));
    return answered(app, identity, flow, result, (error) => signInPage({ error, username, help: HELP, next: flow.next }), now);
  }
  const flow = await takeFlow(app, req, now);
  const expired = () => withCookies(html(400, signInPage({ error: EXPIRED, help: HELP })), [endFlow(app)]);
  if (step === 'authenticator') {
    if (!flow?.setup) return expired();
    const refused = await identity.confirmAuthenticator(flow.setup.accessToken, code);
    if (refused) {
      const retry = answeredWrongly(flow);
      if (!retry) return tooMany(app);
      const uri = authenticatorUri(app, flow.username, flow.setup.secret);
      return withCookies(html(400, authenticatorPage({ secret: flow.setup.secret, uri, error: refused.refused })), [
        await keepFlow(app, retry, now),
      ]);
    }
    const notice = 'Your authenticator is set up. Sign in again: your password, then a code from the app.';
    return withCookies(html(200, signInPage({ notice, username: flow.username, help: HELP, next: flow.next })), [endFlow(app)]);
  }
  if (step === 'code' && flow?.challenge?.name === 'SOFTWARE_TOKEN_MFA') {
    const result = await identity.answerCode(flow.username, flow.challenge.state, code);
    return answered(app, identity, flow, result, (error) => codePage({ error }), now, true);
  }
  if (step === 'new-password' && flow?.challenge?.name === 'NEW_PASSWORD_REQUIRED') {
    const password = (form.get('newPassword') ?? '').slice(0, 256);
    const result = await identity.choosePassword(flow.username, flow.challenge.state, password);
    return answered(app, identity, flow, result, (error) => choosePasswordPage({ error }), now);
  }
  return expired();
}

/** Signs out: the refresh token is revoked if the pool can be reached, and the cookies go whatever happens. */
export async function signOut(app: App, identity: Identity, req: HttpRequest): Promise<HttpResponse> {
  if (crossSite(req)) return refusedCrossSite('Sign out');
  const refresh = cookiesOf(req)[REFRESH_COOKIE];
  let revoked = true;
  // The session is the console's: it ends here for every copy of its cookies, whatever the pool says.
  if (refresh) await app.store.endConsoleSession(keyHash(refresh));
  if (refresh)
    revoked = await identity.signOut(refresh).then(
      () => true,
      () => false,
    );
  const cookies = [...clearedSession(app), endFlow(app)];
  if (revoked) return redirect('/console/sign-in', cookies);
  return withCookies(
    html(
      200,
      signInPage({
        notice:
          'You are signed out, everywhere this session was used. (The user pool could not be reached to revoke its refresh token, which the console no longer accepts; the pool lets it lapse when the session would have ended.)',
        help: HELP,
      }),
    ),
    cookies,
  );
}
