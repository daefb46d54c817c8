import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamo } from '../../functions/adapters/clients';
import { keyHash } from '../../functions/core/ids';
import { pageText } from '../../infra/local/driver';
import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import { Browser, form } from '../support/console';
import { useSandbox } from '../support/sandbox';
import { totp } from '../support/totp';

// As on AWS: the MIM and operations roles sign in with an authenticator app's code too.
const { sandbox } = useSandbox(undefined, { mfaRoles: ['mim', 'operations'] });

const browser = () => new Browser(sandbox().urls.console);
const keyOf = (page: string) => /<code>([A-Z2-7 ]+)<\/code>/.exec(page)![1]!.replaceAll(' ', '');

/** A person's first sign-in, with their authenticator set up: the app's key. */
async function setUp(person: string): Promise<string> {
  const at = browser();
  const key = keyOf(await (await at.post('/sign-in', { username: person, password: SANDBOX_PASSWORD })).text());
  await at.post('/sign-in', { step: 'authenticator', code: totp(key) });
  return key;
}

/** When the sign-in step an answer's cookie names ends, as the table keeps it. */
async function stepDeadline(answer: Response): Promise<string> {
  const id = /mim_signin=([^;]+)/.exec(answer.headers.getSetCookie().join('\n'))![1]!;
  const { Item } = await dynamo.send(
    new GetCommand({ TableName: process.env.TABLE_NAME!, Key: { pk: `SIGNIN#${keyHash(id)}`, sk: 'STEP' } }),
  );
  return String(Item!.until);
}

describe('console: a second factor for the roles that act', () => {
  it("a MIM's first sign-in sets up an authenticator (a wrong code refused), and from then on they sign in with password and code", async () => {
    const carol = browser();
    const first = await carol.post('/sign-in', { username: 'carol', password: SANDBOX_PASSWORD });
    const setup = await first.text();
    const key = keyOf(setup);
    const wrong = await carol.post('/sign-in', { step: 'authenticator', code: '000000' });
    const confirmed = await carol.post('/sign-in', { step: 'authenticator', code: totp(key) });

    const later = browser();
    const codeForm = await (await later.post('/sign-in', { username: 'carol', password: SANDBOX_PASSWORD })).text();
    const signedIn = await later.post('/sign-in', { step: 'code', code: totp(key) });

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
    await setUp('erin');
    const erin = browser();
    await erin.post('/sign-in', { username: 'erin', password: SANDBOX_PASSWORD });

    const wrong = await erin.post('/sign-in', { step: 'code', code: '123456' });

    expect(wrong.status).toBe(400);
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith('mim_id='))).toBe(false);
    expect(pageText(await wrong.text())).toMatch(/That code (is not the one|has been used)/);
  });

  it("a step of someone else's sign-in cannot be answered from another browser: a new password or code needs the sign-in begun there", async () => {
    const key = await setUp('alice');
    const alice = browser();
    await alice.post('/sign-in', { username: 'alice', password: SANDBOX_PASSWORD });

    const stranger = browser();
    const code = await stranger.post('/sign-in', { step: 'code', username: 'alice', state: 'forged', code: totp(key) });
    const password = await stranger.post('/sign-in', {
      step: 'new-password',
      username: 'alice',
      state: 'forged',
      newPassword: 'Taken-over-2026!',
    });
    const stillHers = await browser().post('/sign-in', { username: 'alice', password: SANDBOX_PASSWORD });

    for (const answer of [code, password]) {
      expect(answer.status).toBe(400);
      expect(pageText(await answer.text())).toContain('This sign-in has expired (or was begun in another browser)');
    }
    expect(stillHers.status).toBe(200);
  });

  it("a sign-in step's cookie holds a random id only: spent once used, and worthless altered or replayed", async () => {
    const key = await setUp('dave');
    const dave = browser();
    const asked = await dave.post('/sign-in', { username: 'dave', password: SANDBOX_PASSWORD });
    const id = /mim_signin=([^;]+)/.exec(asked.headers.getSetCookie().join('\n'))![1]!;
    const altered = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;

    const withAltered = await fetch(
      `${sandbox().urls.console}/sign-in`,
      form({ step: 'code', code: totp(key) }, { cookie: `mim_signin=${altered}` }),
    );
    const used = await fetch(
      `${sandbox().urls.console}/sign-in`,
      form({ step: 'code', code: totp(key) }, { cookie: `mim_signin=${id}` }),
    );
    const replayed = await fetch(
      `${sandbox().urls.console}/sign-in`,
      form({ step: 'code', code: totp(key) }, { cookie: `mim_signin=${id}` }),
    );

    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(withAltered.status).toBe(400);
    expect(used.status).toBe(303);
    expect(replayed.status).toBe(400);
    expect(pageText(await replayed.text())).toContain('This sign-in has expired');
  });

  it('one step answered from one browser several times at once is taken once: every other answer is told the sign-in has expired', async () => {
    await setUp('bob');
    const bob = browser();
    const asked = await bob.post('/sign-in', { username: 'bob', password: SANDBOX_PASSWORD });
    const id = /mim_signin=([^;]+)/.exec(asked.headers.getSetCookie().join('\n'))![1]!;

    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${sandbox().urls.console}/sign-in`, form({ step: 'code', code: '000000' }, { cookie: `mim_signin=${id}` })),
      ),
    );
    const pages = await Promise.all(answers.map(async (a) => pageText(await a.text())));

    expect(pages.filter((p) => !p.includes('This sign-in has expired'))).toHaveLength(1);
  });

  it('a wrong code keeps the step to the time it had, and the fifth wrong one ends the sign-in: not even the right code is taken after', async () => {
    const key = await setUp('frank');
    const frank = browser();
    const asked = await frank.post('/sign-in', { username: 'frank', password: SANDBOX_PASSWORD });
    const deadlines = [await stepDeadline(asked)];

    const wrong: Response[] = [];
    for (let i = 0; i < 5; i += 1) {
      wrong.push(await frank.post('/sign-in', { step: 'code', code: '000000' }));
      if (i < 4) deadlines.push(await stepDeadline(wrong[i]!));
    }
    const right = await frank.post('/sign-in', { step: 'code', code: totp(key) });

    expect(new Set(deadlines).size).toBe(1);
    expect(pageText(await wrong[4]!.text())).toContain('Too many wrong answers: sign in again from the start');
    expect(right.status).toBe(400);
    expect(right.headers.getSetCookie().some((c) => c.startsWith('mim_id='))).toBe(false);
  });

  it('leadership, whose role only reads, signs in by password alone', async () => {
    const answer = await browser().post('/sign-in', { username: 'irene', password: SANDBOX_PASSWORD });

    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/console');
  });
});
