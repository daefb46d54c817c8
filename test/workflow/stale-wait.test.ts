import { describe, expect, it } from 'vitest';
import { appContext } from '../../functions/services/app';
import { lambdaContext } from '../../infra/local/lambda-context';
import { activeIncident } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// Updates every thirty minutes, on virtual time: nothing moves unless the test moves it.
const config = fastConfigWith('stale-wait', { cadence: { P1: '30m' } });
const { driver, sandbox } = useSandbox(config, { virtualTime: true });

describe('workflow: a wait begun with stale input', () => {
  it('a wait that would end long after the incident is due (a redrive on AWS re-enters it with its first length) is woken and measured again', async () => {
    const id = await activeIncident(driver());
    const wait = await driver().waitFor('the wait for the MIM', async () => {
      const current = await appContext().store.getWait(id);
      return current?.phase === 'active' ? current : undefined;
    });
    sandbox().time!.advance(29 * 60_000);
    const takenBefore = (await driver().statePath(id)).filter((s) => s === 'TakeEvent').length;
    const awaitEvent = (await import('../../functions/await-event/handler')).handler as unknown as (
      event: unknown,
      context: unknown,
    ) => Promise<unknown>;

    // The wait entered again with the input it began with: thirty minutes, though one is left.
    await awaitEvent(
      { incidentId: id, phase: 'active', waitSeconds: 1800, taskToken: wait.token },
      lambdaContext('mim-await-event'),
    );
    await driver().waitFor('the woken wait to be taken', async () => {
      const taken = (await driver().statePath(id)).filter((s) => s === 'TakeEvent').length;
      return taken > takenBefore || undefined;
    });
    await driver().waitFor('the next wait', async () => {
      const current = await appContext().store.getWait(id);
      return current && current.token !== wait.token ? current : undefined;
    });
    sandbox().time!.advance(60_000);
    await driver().waitForTimeline(id, 'no-change-sent');

    // The update due at thirty minutes went at thirty minutes, not thirty minutes after the wait began again.
    const { timeline } = await driver().incident(id);
    const accepted = Date.parse(timeline.find((e) => e.kind === 'notice-sent')!.at);
    const noChange = Date.parse(timeline.find((e) => e.kind === 'no-change-sent')!.at);
    expect(noChange - accepted).toBeLessThanOrEqual(30 * 60_000 + 1_000);
  });
});
