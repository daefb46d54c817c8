import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxDriver } from '../../infra/local/driver';
import { type Sandbox, startSandbox } from '../../infra/local/sandbox';
import { act, activeIncident, declare, finished } from '../support/incidents';
import { FAST_CONFIG } from '../support/sandbox';

const dataDir = mkdtempSync(join(tmpdir(), 'mim-resume-'));
let second: Sandbox;
let driver: SandboxDriver;
let resumed: string[];
let stopped: string[];
let active: string;
let handedOff: string;
let halted: string;
let interrupted: string;

const portOf = (url: string) => Number(new URL(url).port);

beforeAll(async () => {
  const first = await startSandbox({ configPath: FAST_CONFIG, dataDir });
  const before = new SandboxDriver(first);
  active = await activeIncident(before);
  halted = await activeIncident(before);
  // Stopped while it waits for the MIM's next move (not in the step before, which writes its line first).
  await before.waitFor('the MIM wait', async () => ((await before.statePath(halted)).at(-1) === 'AwaitEvent' ? true : undefined));
  await before.stopExecution(halted);
  await before.waitForTimeline(halted, 'workflow-stopped');
  await before.raiseAlarm('reporting-lag', 'Reporting lag');
  handedOff = (
    await before.waitFor('the minor incident', async () => (await before.openIncidents()).find((i) => i.service === 'reporting'))
  ).id;
  await finished(before, handedOff);
  // Accepted, and stopped inside the step that sends the first notice, before it sent anything.
  interrupted = await declare(before);
  await before.waitForTimeline(interrupted, 'paged');
  first.wrapFunction('mobilise-response', () => () => new Promise(() => undefined));
  await act(before, interrupted, 'accept', 'dave');
  await before.waitForTimeline(interrupted, 'accepted');
  // An alarm whose publish SNS acknowledged, stopped before the intake had handled it.
  first.wrapFunction('intake-alarm', () => () => new Promise(() => undefined));
  await before.raiseAlarm('checkout-latency', 'Checkout latency above 2 s');
  await first.stop();
  // The same ports: the handlers' clients, created at their cold start, keep their endpoints.
  const { urls } = first;
  const ports = {
    api: portOf(urls.api),
    dynamodb: portOf(urls.dynamodb),
    ses: portOf(urls.ses),
    sns: portOf(urls.sns),
    sfn: portOf(urls.sfn),
  };
  // Back ten minutes later, as after a reboot: every deadline the incidents had has long passed.
  second = await startSandbox({
    configPath: FAST_CONFIG,
    dataDir,
    ports,
    at: new Date(first.clock.now().getTime() + 10 * 60_000),
  });
  driver = new SandboxDriver(second);
  ({ resumed, stopped } = await second.resume());
});

afterAll(async () => {
  await second?.stop();
});

describe('workflow: a sandbox restarted on kept data', () => {
  it('a running workflow carries on from the task it was in: the update that fell due while it was down goes at once, and the cadence goes on', async () => {
    await driver.waitForTimeline(active, 'no-change-sent');

    expect(resumed.sort()).toEqual([active, interrupted].sort());
    expect(stopped).toEqual([halted]);
    // The wait it was in kept its deadline, which passed while the sandbox was down.
    expect((await driver.statePath(active)).slice(0, 2)).toEqual(['AwaitEvent', 'SendScheduledUpdate']);
    expect((await driver.incident(active)).timeline.filter((e) => e.kind === 'classified')).toHaveLength(1);
  });

  it('a step cut short by the stop is done on restart: the first notice goes, not "no change"', async () => {
    await driver.waitForTimeline(interrupted, 'notice-sent');
    // The MIM's brief goes after the notice's line, in the same step.
    await driver.waitForEmail('dave@example.com', new RegExp(`You are the MIM for .*${interrupted}`));

    const { timeline } = await driver.incident(interrupted);
    expect((await driver.statePath(interrupted))[0]).toBe('Mobilise');
    expect(timeline.filter((e) => e.kind === 'notice-sent')).toHaveLength(1);
    expect(timeline.map((e) => e.kind)).not.toContain('no-change-sent');
    const briefs = (await driver.emails()).filter((e) => new RegExp(`You are the MIM for .*${interrupted}`).test(e.subject));
    expect(briefs.map((e) => e.to)).toEqual([['dave@example.com']]);
  });

  it('a workflow started for an incident whose lifecycle ended changes nothing and ends at once', async () => {
    const before = (await driver.incident(handedOff)).timeline.length;

    await new SFNClient({}).send(
      new StartExecutionCommand({
        stateMachineArn: second.stateMachineArn,
        name: handedOff,
        input: JSON.stringify({ incidentId: handedOff }),
      }),
    );
    const execution = await finished(driver, handedOff);

    expect(execution.status).toBe('SUCCEEDED');
    expect(await driver.statePath(handedOff)).toEqual(['Classify', 'RouteByVerdict', 'AlreadyFinished']);
    expect((await driver.incident(handedOff)).timeline).toHaveLength(before);
  });
  it('a workflow that had stopped stays stopped after the restart, and mim redrive continues it from the task it stopped in', async () => {
    const answer = await driver.api('POST', `/incidents/${halted}/redrive`, { by: 'erin' });
    await driver.waitForTimeline(halted, 'workflow-redriven');

    expect(answer).toEqual({ status: 202, body: { incidentId: halted, redriven: true, restartedWith: 'RedriveExecution' } });
    expect((await driver.statePath(halted)).slice(0, 1)).toEqual(['AwaitEvent']);
    expect((await driver.incident(halted)).incident.workflowStopped).toBeUndefined();
  });

  it('an alarm whose publish was acknowledged before the stop is handled after it: it opens its incident', async () => {
    const opened = await driver.waitFor('the checkout incident', async () =>
      (await driver.openIncidents()).find((i) => i.service === 'checkout'),
    );

    expect(opened.alarm?.alarmName).toBe('checkout-latency');
    await driver.waitForTimeline(opened.id, 'paged');
  });
});
