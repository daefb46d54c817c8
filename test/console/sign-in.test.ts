import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { appContext } from '../../functions/services/app';
import { pageText } from '../../infra/local/driver';
import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import { declare } from '../support/incidents';
import { Browser, giveTemporaryPassword } from '../support/console';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  redirect: 'manual',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

/** The cookies a browser would send back, from an answer's Set-Cookie headers. */
const jar = (answer: Response) =>
  answer.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');

async function signIn(username: string, password = SANDBOX_PASSWORD): Promise<Response> {
  return fetch(`${sandbox().urls.console}/sign-in`, form({ username, password }));
}

const board = (cookie?: string) =>
  fetch(sandbox().urls.console, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });

describe('console: signing in', () => {
  it('a person of the config signs in with the user pool and sees the board of open incidents', async () => {
    const id = await declare(driver(), { title: 'Card payments failing for some users' });

    const signedIn = await signIn('irene');
    const shown = await board(jar(signedIn));
    const text = pageText(await shown.text());

    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/console');
    const session = signedIn.headers.getSetCookie().filter((c) => /^mim_(id|refresh)=/.test(c));
    expect(session).toHaveLength(2);
    for (const cookie of session) expect(cookie).toMatch(/; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(shown.status).toBe(200);
    expect(text).toContain('Irene Ito (leadership)');
    expect(text).toContain(id);
    expect(text).toContain('Card payments failing for some users');
  });

  it('a wrong password and an unknown user are refused in the same words, and no cookie is set', async () => {
    const wrong = await signIn('irene', 'not-her-password');
    const unknown = await signIn('nobody-here');

    for (const answer of [wrong, unknown]) {
      expect(answer.status).toBe(400);
      expect(answer.headers.getSetCookie()).toEqual([]);
      expect(pageText(await answer.text())).toContain('That user name and password do not match: check them and try again');
    }
  });

  it('without a session, or with a token the pool did not sign, the board sends the person to sign in', async () => {
    const forged = `${Buffer.from('{"alg":"RS256","kid":"CognitoLocal"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ 'cognito:username': 'erin', token_use: 'id', exp: 4102444800 }),
    ).toString('base64url')}.c2lnbmF0dXJl`;

    const none = await board();
    const withForged = await board(`mim_id=${forged}`);

    for (const answer of [none, withForged]) {
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole');
    }
  });

  it('a session whose ID token is gone is renewed from its refresh token, with a new ID token cookie', async () => {
    const signedIn = await signIn('desk');
    const refreshOnly = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .filter((c) => c.startsWith('mim_refresh='))
      .join('; ');

    const shown = await board(refreshOnly);

    expect(shown.status).toBe(200);
    expect(shown.headers.getSetCookie().some((c) => c.startsWith('mim_id=') && !c.startsWith('mim_id=;'))).toBe(true);
    expect(pageText(await shown.text())).toContain('Service Desk (service desk)');
  });

  it('signing out clears the cookies and ends the sign-in: its refresh token renews nothing more', async () => {
    const signedIn = await signIn('henry');
    const cookies = jar(signedIn);
    const refreshOnly = cookies
      .split('; ')
      .filter((c) => c.startsWith('mim_refresh='))
      .join('; ');

    const out = await fetch(`${sandbox().urls.console}/sign-out`, { ...form({}), headers: { cookie: cookies } });
    const after = await board(refreshOnly);

    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/sign-in');
    expect(out.headers.getSetCookie().every((c) => /Max-Age=0/.test(c))).toBe(true);
    expect(after.status).toBe(303);
  });

  it('signing out ends the session for every copy of its cookies: an ID token copied before is refused after', async () => {
    const cookies = jar(await signIn('irene'));
    const before = await board(cookies);

    await fetch(`${sandbox().urls.console}/sign-out`, { ...form({}), headers: { cookie: cookies } });
    const copied = await board(cookies);

    expect(before.status).toBe(200);
    expect(copied.status).toBe(303);
    expect(copied.headers.get('location')).toMatch(/^\/console\/sign-in/);
  });

  it("tokens got from the user pool directly, not through the console's sign-in, open no session", async () => {
    const pool = new CognitoIdentityProviderClient({ endpoint: sandbox().urls.cognito });
    const { AuthenticationResult: tokens } = await pool.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: process.env.COGNITO_CLIENT_ID!,
        AuthParameters: { USERNAME: 'henry', PASSWORD: SANDBOX_PASSWORD },
      }),
    );

    const answer = await board(`mim_id=${tokens!.IdToken}; mim_refresh=${tokens!.RefreshToken}`);

    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toMatch(/^\/console\/sign-in/);
  });

  it("a session signed in without a code ends when the person's role comes to need one", async () => {
    const cookies = jar(await signIn('henry'));
    const app = appContext();
    const before = await board(cookies);

    app.mfaRoles = ['leadership'];
    const after = await board(cookies).finally(() => {
      app.mfaRoles = [];
    });

    expect(before.status).toBe(200);
    expect(after.status).toBe(303);
  });

  it('a sign-in form posted from another site is refused', async () => {
    const answer = await fetch(
      `${sandbox().urls.console}/sign-in`,
      form({ username: 'irene', password: SANDBOX_PASSWORD }, { 'sec-fetch-site': 'cross-site' }),
    );

    expect(answer.status).toBe(403);
    expect(answer.headers.getSetCookie()).toEqual([]);
  });

  it("a person's first sign-in with a temporary password asks them to choose their own, and they sign in with it from then on", async () => {
    await giveTemporaryPassword(sandbox().urls.cognito, 'grace', 'Temporary-pass-1');

    const grace = new Browser(sandbox().urls.console);
    const first = await grace.post('/sign-in', { username: 'grace', password: 'Temporary-pass-1' });
    const asked = await first.text();
    const chosen = await grace.post('/sign-in', { step: 'new-password', newPassword: 'Graces-own-pass-2026' });

    expect(pageText(asked)).toContain('This is your first sign-in: choose a password of your own');
    expect(chosen.status).toBe(303);
    expect((await signIn('grace', 'Graces-own-pass-2026')).status).toBe(303);
  });

  it('someone in the user pool whom the config does not know is told so, and gets no session', async () => {
    const pool = new CognitoIdentityProviderClient({ endpoint: sandbox().urls.cognito });
    const UserPoolId = process.env.COGNITO_USER_POOL_ID!;
    await pool.send(new AdminCreateUserCommand({ UserPoolId, Username: 'mallory', MessageAction: 'SUPPRESS' }));
    await pool.send(
      new AdminSetUserPasswordCommand({ UserPoolId, Username: 'mallory', Password: SANDBOX_PASSWORD, Permanent: true }),
    );

    const answer = await signIn('mallory');

    expect(answer.status).toBe(403);
    expect(answer.headers.getSetCookie().some((c) => c.startsWith('mim_id=ey'))).toBe(false);
    expect(pageText(await answer.text())).toContain(
      'mallory is not a person of the organisation config: ask operations to add you',
    );
  });

  it('a person of the config with no console role is told to ask for one, and sees nothing', async () => {
    const pool = new CognitoIdentityProviderClient({ endpoint: sandbox().urls.cognito });
    await pool.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: process.env.COGNITO_USER_POOL_ID!,
        Username: 'grace',
        Password: 'Graces-known-pass-2026',
        Permanent: true,
      }),
    );
    const grace = new Browser(sandbox().urls.console);
    await grace.post('/sign-in', { username: 'grace', password: 'Graces-known-pass-2026' });

    const board = await grace.get('');

    expect(board.status).toBe(403);
    expect(pageText(await board.text())).toContain('You have no role in the console yet');
  });
});
