import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { SANDBOX_PASSWORD } from '../../infra/local/identity';
import { Browser, signedIn } from '../support/console';
import { act, declare } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

describe('console: its user pool out of reach', () => {
  it('sign-in says it is unavailable (no internal detail), sign-out still clears the cookies, and the API and links go on', async () => {
    const bob = await signedIn(sandbox(), 'bob');
    const id = await declare(driver(), { title: `Pool down ${Math.random()}` });
    await driver().waitForTimeline(id, 'paged');
    await sandbox().stopUserPool();

    const signIn = await new Browser(sandbox().urls.console).post('/sign-in', { username: 'irene', password: SANDBOX_PASSWORD });
    const page = await signIn.text();
    const out = await bob.post('/sign-out', {});
    const byApi = await act(driver(), id, 'accept', 'dave');

    expect(signIn.status).toBe(503);
    expect(pageText(page)).toContain('The console cannot reach its user pool just now: try again in a minute');
    expect(page).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect(out.headers.getSetCookie().filter((c) => /^mim_(id|refresh)=;/.test(c))).toHaveLength(2);
    expect(byApi.status).toBe(202);
  });
});
