import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { signedIn } from '../support/console';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

describe('console: the alarm history', () => {
  it("shows a service's alarm state changes that reached no incident, for the day asked", async () => {
    await driver().clearAlarm('reporting-lag', 'Back within threshold');
    const desk = await signedIn(sandbox(), 'desk');
    const day = sandbox().clock.now().toISOString().slice(0, 10);

    const shown = await driver().waitFor('the recovery in the history', async () => {
      const text = pageText(await (await desk.get(`/alarms?day=${day}&service=reporting`)).text());
      return text.includes('reporting-lag') ? text : undefined;
    });
    const other = pageText(await (await desk.get(`/alarms?day=${day}&service=payments`)).text());

    expect(shown).toContain('Back within threshold');
    expect(other).not.toContain('reporting-lag');
  });

  it('a day that is not one, or a service not in the config, is answered 400 with the form to ask again', async () => {
    const desk = await signedIn(sandbox(), 'desk');

    const badDay = await desk.get('/alarms?day=2026-02-30');
    const badService = await desk.get('/alarms?service=nope');

    expect(badDay.status).toBe(400);
    expect(badService.status).toBe(400);
  });
});
