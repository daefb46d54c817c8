import { describe, expect, it } from 'vitest';
import { pageText } from '../../infra/local/driver';
import { signedIn } from '../support/console';
import { declare } from '../support/incidents';
import { useSandbox } from '../support/sandbox';

const { driver, sandbox } = useSandbox();

describe('console: operations', () => {
  it('a stopped workflow is listed with what stopped it, and its Redrive button restarts it where it stopped', async () => {
    const id = await declare(driver(), { title: `Stopped ${Math.random()}` });
    await driver().waitForTimeline(id, 'paged');
    await driver().stopExecution(id);
    await driver().waitForTimeline(id, 'workflow-stopped');
    const frank = await signedIn(sandbox(), 'frank');

    const listed = pageText(await (await frank.get('/operations')).text());
    const redriven = await frank.post(`/incidents/${id}/redrive`, { key: 'r1' });
    await driver().waitForTimeline(id, 'workflow-redriven');

    expect(listed).toContain(id);
    expect(listed).toMatch(/ABORTED at .*StopExecution/);
    expect(redriven.status).toBe(303);
    expect(redriven.headers.get('location')).toBe('/console/operations');
    const after = pageText(await (await frank.get('/operations')).text());
    expect(after).toContain(`Redriven: the workflow of ${id} restarts where it stopped.`);
    const { timeline } = await driver().incident(id);
    expect(timeline.find((e) => e.kind === 'workflow-redriven')).toMatchObject({ actor: 'frank' });
  });

  it('only operations see the page and redrive: a MIM is refused both', async () => {
    const dave = await signedIn(sandbox(), 'dave');

    const page = await dave.get('/operations');
    const redrive = await dave.post('/incidents/INC-20261201-ABCDEF/redrive', { key: 'x' });

    expect(page.status).toBe(403);
    expect(redrive.status).toBe(403);
  });
});
