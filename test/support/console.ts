import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import type { Sandbox } from '../../infra/local/sandbox';

/** A form posted as a browser would, from the console's own pages. */
export const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  redirect: 'manual',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers },
  body: new URLSearchParams(fields).toString(),
});

/** The cookies a browser would send back, from an answer's Set-Cookie headers. */
export const jar = (answer: Response) =>
  answer.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');

/** A person signed in to the console: what they fetch carries their session. */
export async function signedIn(sandbox: Sandbox, person: string) {
  const answer = await fetch(`${sandbox.urls.console}/sign-in`, form({ username: person, password: SANDBOX_PASSWORD }));
  if (answer.status !== 303) throw new Error(`signing in as ${person} answered ${answer.status}`);
  const cookie = jar(answer);
  return {
    get: (path: string) => fetch(`${sandbox.urls.console}${path}`, { redirect: 'manual', headers: { cookie } }),
    post: (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${sandbox.urls.console}${path}`, form(fields, { cookie, ...headers })),
  };
}
