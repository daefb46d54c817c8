import { AdminSetUserPasswordCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import type { Sandbox } from '../../infra/local/sandbox';

/** A form's fields: a list of pairs when a name repeats (checkboxes). */
export type FormFields = Record<string, string> | Array<[string, string]>;

/** A form posted as a browser would, from the console's own pages. */
export const form = (fields: FormFields, headers: Record<string, string> = {}): RequestInit => ({
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

/** A browser's cookies for the console, kept across its requests as a browser keeps them (an emptied one is gone). */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  private keep(answer: Response): Response {
    for (const set of answer.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '' || /Max-Age=0/.test(set)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return answer;
  }

  get cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string): Promise<Response> {
    return this.keep(await fetch(`${this.base}${path}`, { redirect: 'manual', headers: { cookie: this.cookie } }));
  }

  async post(path: string, fields: FormFields, headers: Record<string, string> = {}): Promise<Response> {
    return this.keep(await fetch(`${this.base}${path}`, form(fields, { cookie: this.cookie, ...headers })));
  }
}

/** Gives a person a temporary password, as an administrator does: their next sign-in asks for their own. */
export async function giveTemporaryPassword(cognitoUrl: string, person: string, password: string): Promise<void> {
  await new CognitoIdentityProviderClient({ endpoint: cognitoUrl }).send(
    new AdminSetUserPasswordCommand({
      UserPoolId: process.env.COGNITO_USER_POOL_ID!,
      Username: person,
      Password: password,
      Permanent: false,
    }),
  );
}

/** A person signed in to the console in a browser of their own: what they fetch carries their session. */
export async function signedIn(sandbox: Sandbox, person: string): Promise<Browser> {
  const browser = new Browser(sandbox.urls.console);
  const answer = await browser.post('/sign-in', { username: person, password: SANDBOX_PASSWORD });
  if (answer.status !== 303) throw new Error(`signing in as ${person} answered ${answer.status}`);
  return browser;
}
