import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import { form, jar } from '../support/console';
import { useSandbox } from '../support/sandbox';
import { totp } from '../support/totp';

// As on AWS: the MIM and operations roles sign in with an authenticator app's code too.
const { sandbox } = useSandbox(undefined, { mfaRoles: ['mim', 'operations'] });

const signInUrl = () => `${sandbox().urls.console}/sign-in`;
const post = (fields: Record<string, string>, cookie?: string) => fetch(signInUrl(), form(fields, cookie ? { cookie } : {}));
const hidden = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';

describe('console: a second factor for the roles that act', () => {
  it("a MIM's first sign-in sets up an authenticator (a wrong code refused), and from then on they sign in with password and code", async () => {
    const first = await post({ username: 'carol', password: SANDBOX_PASSWORD });
    const setup = await first.text();
    const key = /<code>([A-Z2-7 ]+)<\/code>/.exec(setup)![1]!.replaceAll(' ', '');
    const held = jar(first);
    const wrong = await post({ step: 'authenticator', code: '000000' }, held);
    const confirmed = await post({ step: 'authenticator', code: totp(key) }, held);

    const password = await post({ username: 'carol', password: SANDBOX_PASSWORD });
    const codeForm = await password.text();
    const signedIn = await post({ step: 'code', username: 'carol', state: hidden(codeForm, 'state'), code: totp(key) });

    expect(first.status).toBe(200);
    expect(first.headers.getSetCookie().some((c) => c.startsWith('mim_id='))).toBe(false);
    expect(setup).toContain('otpauth://totp/');
    expect(wrong.status).toBe(400);
    expect(pageText(await wrong.text())).toContain('That code is not the one your authenticator shows now');
    expect(pageText(await confirmed.text())).toContain('Your authenticator is set up. Sign in again');
    expect(pageText(codeForm)).toContain('Enter the 6-digit code your authenticator app shows');
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.getSetCookie().some((c) => c.startsWith('mim_id=ey'))).toBe(true);
  });

  it('a wrong code at sign-in is refused, and the code is asked again', async () => {
    await post({ username: 'erin', password: SANDBOX_PASSWORD }).then(async (first) => {
      const key = /<code>([A-Z2-7 ]+)<\/code>/.exec(await first.text())![1]!.replaceAll(' ', '');
      await post({ step: 'authenticator', code: totp(key) }, jar(first));
    });
    const codeForm = await (await post({ username: 'erin', password: SANDBOX_PASSWORD })).text();

    const wrong = await post({ step: 'code', username: 'erin', state: hidden(codeForm, 'state'), code: '123456' });

    expect(wrong.status).toBe(400);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    expect(pageText(await wrong.text())).toMatch(/That code (is not the one|has been used)/);
  });

  it('leadership, whose role only reads, signs in by password alone', async () => {
    const answer = await post({ username: 'irene', password: SANDBOX_PASSWORD });

    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/console');
  });
});
