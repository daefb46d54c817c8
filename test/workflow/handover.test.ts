import { describe, expect, it } from 'vitest';
import { act, activeIncident, UPDATE } from '../support/incidents';
import { fastConfigWith, useSandbox } from '../support/sandbox';

// An update falls due only after the test: the handover is the only thing happening.
const config = fastConfigWith('handover', { cadence: { P1: '10m' } });
const { driver } = useSandbox(config);

describe('workflow: handing an incident to another MIM', () => {
  it('the MIM offers it from the brief; it stays theirs until the new MIM takes over by link, then everyone is told', async () => {
    const id = await activeIncident(driver());
    const brief = await driver().waitForEmail('dave@example.com', new RegExp(`You are the MIM for .*${id}`));

    const offered = await driver().pressButton(driver().linkIn(brief, 'Hand over to another MIM'), {
      to: 'erin',
      reason: 'End of my shift; the rollback is half done.',
    });
    await driver().waitForTimeline(id, 'handover-offered');
    const meanwhile = (await driver().incident(id)).incident;
    const offer = await driver().waitForEmail('erin@example.com', new RegExp(`Dave Dixon asks you to take over .*${id}`));
    const taken = await driver().pressButton(driver().linkIn(offer, 'Take over as MIM'), {});
    await driver().waitForTimeline(id, 'handed-over');

    expect(offered.status).toBe(200);
    expect(meanwhile.mim?.name).toBe('Dave Dixon');
    expect(offer.text).toContain('Dave Dixon leads it and offers it to you: End of my shift; the rollback is half done.');
    expect(taken.status).toBe(200);
    const { incident, timeline } = await driver().incident(id);
    expect(incident.mim?.name).toBe('Erin Evans');
    expect(incident.handover).toBeUndefined();
    expect(timeline.find((e) => e.kind === 'handed-over')?.summary).toBe(
      'Erin Evans took over as the Major Incident Manager from Dave Dixon',
    );
    await driver().waitForEmail('dave@example.com', new RegExp(`Erin Evans has taken over .*${id}`));
    await driver().waitForEmail('erin@example.com', new RegExp(`You are the MIM for .*${id}`));
    expect(await driver().statePath(id)).not.toContain('WorkflowFailed');
  });

  it('only the MIM can offer it, only the person offered can take it, and only while an offer waits', async () => {
    const id = await activeIncident(driver());

    const early = await act(driver(), id, 'take-over', 'erin');
    const notMim = await act(driver(), id, 'hand-over', 'alice', { to: 'erin' });
    const unknown = await act(driver(), id, 'hand-over', 'dave', { to: 'zed' });
    await act(driver(), id, 'hand-over', 'dave', { to: 'erin' });
    await driver().waitForTimeline(id, 'handover-offered');
    const wrong = await act(driver(), id, 'take-over', 'frank');

    expect(early.status).toBe(409);
    expect(early.body.message).toBe(`no handover of ${id} is waiting to be taken`);
    expect(notMim.body.message).toBe(`only the MIM of ${id} (Dave Dixon) can hand it over`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^hand-over needs: to: "zed" is not a person in the config; use a person id such as /);
    expect(wrong.body.message).toBe(`the handover of ${id} is offered to erin, not to frank`);
    expect((await driver().incident(id)).incident.mim?.name).toBe('Dave Dixon');
  });

  it("a replaced MIM's links and calls are refused, saying who leads now; nobody hands over to themselves", async () => {
    const id = await activeIncident(driver());
    const brief = await driver().waitForEmail('dave@example.com', new RegExp(`You are the MIM for .*${id}`));
    const self = await act(driver(), id, 'hand-over', 'dave', { to: 'dave' });
    await act(driver(), id, 'hand-over', 'dave', { to: 'erin' });
    await driver().waitForTimeline(id, 'handover-offered');
    await act(driver(), id, 'take-over', 'erin');
    await driver().waitForTimeline(id, 'handed-over');

    const resolved = await driver().pressButton(driver().linkIn(brief, 'Resolve'), { resolution: 'Fixed, I think.' });
    const updated = await act(driver(), id, 'update', 'dave', UPDATE);
    const priority = await act(driver(), id, 'change-priority', 'dave', { priority: 'P3', reason: 'Calmer now' });

    expect(self.status).toBe(409);
    expect(self.body.message).toBe(`dave leads ${id} already: hand it over to someone else`);
    expect(resolved.text).toContain(`only the MIM of ${id} (Erin Evans) can resolve it`);
    expect(updated.status).toBe(409);
    expect(updated.body.message).toBe(`only the MIM of ${id} (Erin Evans) can post an update`);
    expect(priority.body.message).toBe(`only the MIM of ${id} (Erin Evans) can change its priority`);
    const { incident, timeline } = await driver().incident(id);
    expect(incident.status).toBe('active');
    expect(timeline.map((e) => e.kind)).not.toContain('resolved');
    expect(timeline.map((e) => e.kind)).not.toContain('update-posted');
  });
});
